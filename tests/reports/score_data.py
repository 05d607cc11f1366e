"""Score cards made by the real pipeline (assignments → submitted answers → compute_scores), for the
API, job and command tests. Everyone answers only his self-assessment, so each score is exact."""

from __future__ import annotations

from surveys.models import Assignment, Question
from surveys.services.answering import save_answers
from surveys.services.assignments import create_assignments
from tests.factories import make_questionnaire, make_system

# Self-assessment answer (1–5 likert, one question per indicator) → score: 5 → 100, 4 → 75, 3 → 50.
SELF_ANSWERS = {"1001": 3, "1002": 5, "1003": 4, "2002": 4}
PARTIAL_MEMBER = "2001"  # answers performance and team only: four dimensions stay empty


def answer_self(questionnaire, member, values):
    assignment = Assignment.objects.get(questionnaire=questionnaire, rater=member, role="self")
    save_answers(assignment=assignment, values=values, submit=True)


def build_answers(org_tree, *, year: int = 2025, publish: bool = True):
    """The system, the questionnaire and everyone's submitted self-assessment; nothing scored yet."""
    system = make_system(year, publish=publish)
    questionnaire = make_questionnaire(system, code=f"Q{year}", roles=("self", "peer"), per_indicator=1)
    Question.objects.filter(questionnaire=questionnaire).update(required=False)
    create_assignments(questionnaire=questionnaire)
    scored = [q.code for q in questionnaire.questions.exclude(type="text")]
    members = {m.employee_no: m for m in org_tree.values() if hasattr(m, "employee_no")}
    for employee_no, value in SELF_ANSWERS.items():
        answer_self(questionnaire, members[employee_no], dict.fromkeys(scored, value))
    answer_self(questionnaire, members[PARTIAL_MEMBER], {"performance_q_1": 5, "team_q_1": 3})
    return system, questionnaire
