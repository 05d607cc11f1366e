"""Score cards made by the real pipeline (assignments → submitted answers → compute_scores), for the
API, job and command tests. Everyone answers only his self-assessment, so each score is exact."""

from __future__ import annotations

from indicators.services.systems import publish_system
from org.models import Member
from reports.services.scoring import compute_scores
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


# Two years of self-assessments of all-equal answers: 5 → 100, 4 → 75, 3 → 50, 2 → 25. 2001 is new in
# 2025, 2002 left after 2024; in branch B1, 1001 rises, 1002 stays, 1003 (of group G1) falls.
TWO_YEARS = {
    2024: {"1001": 3, "1002": 4, "1003": 4, "2002": 2},
    2025: {"1001": 5, "1002": 4, "1003": 3, "2001": 4},
}


def score_two_years(org_tree, answers=TWO_YEARS, *, before_publish=None):
    """Published systems, self-assessments and official runs for 2024 and 2025. `before_publish`
    maps a year to a change made to that year's draft system before it is published."""
    members = {member.employee_no: member for member in Member.objects.all()}
    for year, values in answers.items():
        system = make_system(year)
        (before_publish or {}).get(year, lambda system: None)(system)
        publish_system(system=system)
        questionnaire = make_questionnaire(system, code=f"Q{year}", roles=("self",), per_indicator=1)
        Question.objects.filter(questionnaire=questionnaire).update(required=False)
        create_assignments(questionnaire=questionnaire)
        scored = [q.code for q in questionnaire.questions.exclude(type="text")]
        for employee_no, value in values.items():
            answer_self(questionnaire, members[employee_no], dict.fromkeys(scored, value))
        compute_scores(period=str(year))
    return org_tree
