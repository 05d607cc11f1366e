"""A small questionnaire with answers for the analysis tests (service, page, API, command, workbook).

The `org_tree` members (1001 and 1002 in branch B1, 1003 in its group G1, 2001 and 2002 in branch
B2), the factories' questionnaire Q2025 (two likert items per dimension, the second reverse-keyed)
and its assignments. Every self and secretary assignment is submitted, one peer assignment is left
as a draft, the rest pending; two anonymous masses forms, one of which skips `team_q_1`.

Keyed answers (the favourable end high) follow the subject's level with a small, fixed wobble, so
every dimension has variance and a defined alpha; reverse-keyed items are stored turned round.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from indicators.models import DIMENSION_KEYS
from org.models import Member
from surveys.models import Answer, Assignment, Question, Questionnaire, Response
from surveys.services.answering import save_answers
from surveys.services.assignments import create_assignments
from tests.factories import make_questionnaire, make_system

LEVEL = {"1001": 5, "1002": 4, "1003": 3, "2001": 2, "2002": 2}
WOBBLE = (0, -1, 1, 0, -2, 1, 1, 0, -1)
CODES = [f"{key}_q_{n}" for key in DIMENSION_KEYS for n in (1, 2)]
MASSES = [("F-1", "1002"), ("F-2", "2002")]
SKIPPED = ("F-2", "team_q_1")


def keyed_value(subject: str, form: int, position: int) -> int:
    return min(5, max(1, LEVEL[subject] + WOBBLE[(form * 5 + position * 2) % len(WOBBLE)]))


def stored_values(subject: str, form: int) -> dict[str, int]:
    """What the rater ticked: the keyed value, turned round on the reverse-keyed `*_q_2` items."""
    values = {}
    for position, code in enumerate(CODES):
        keyed = keyed_value(subject, form, position)
        values[code] = 6 - keyed if code.endswith("_2") else keyed
    return values


@dataclass
class Analysed:
    questionnaire: Questionnaire
    keyed: np.ndarray  # one row per submitted response (in the order written), one column per CODES
    forms: list[tuple[str, str]]  # (role, subject employee_no) of each row


def build() -> Analysed:
    questionnaire = make_questionnaire(make_system(2025, publish=True))
    create_assignments(questionnaire=questionnaire)
    numbers = dict(Member.objects.values_list("pk", "employee_no"))
    rows: list[list[float]] = []
    forms: list[tuple[str, str]] = []
    assignments = Assignment.objects.filter(questionnaire=questionnaire).order_by("role", "rater__employee_no", "pk")
    draft_left = False
    for form, assignment in enumerate(assignments):
        subject = numbers[assignment.subject_id]
        values = stored_values(subject, form)
        if assignment.role == "peer":
            if not draft_left:  # a draft counts for nothing
                save_answers(assignment=assignment, values=values)
                draft_left = True
            continue
        save_answers(assignment=assignment, values=values, submit=True)
        rows.append([float(keyed_value(subject, form, p)) for p in range(len(CODES))])
        forms.append((assignment.role, subject))
    questions = dict(Question.objects.filter(questionnaire=questionnaire).values_list("code", "pk"))
    members = {number: pk for pk, number in numbers.items()}
    for offset, (form_id, subject) in enumerate(MASSES):
        form = 100 + offset
        response = Response.objects.create(
            questionnaire=questionnaire,
            subject_id=members[subject],
            role="masses",
            form_id=form_id,
            status="submitted",
        )
        keyed = [float(keyed_value(subject, form, p)) for p in range(len(CODES))]
        answers = []
        for position, (code, value) in enumerate(stored_values(subject, form).items()):
            if (form_id, code) == SKIPPED:
                keyed[position] = np.nan
                continue
            answers.append(Answer(response=response, question_id=questions[code], value=value))
        Answer.objects.bulk_create(answers)
        rows.append(keyed)
        forms.append(("masses", subject))
    return Analysed(questionnaire=questionnaire, keyed=np.array(rows), forms=forms)
