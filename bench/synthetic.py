"""A synthetic organisation for the responses-import benchmark, and the forms its members fill in.

Everything is a pure function of the member count (and a seed), so the workbooks can be written
before the database exists and every fresh database built from the same count matches them.

Shape: one 党委, a 党总支 per ten 党支部, 党支部 of `BRANCH_SIZE` members (the first is the
secretary; the last `GROUP_SIZE` sit in the branch's 党小组); the default catalogue as the year's
indicator system; one questionnaire of 100 questions (98 likert questions spread over the
catalogue's questionnaire and rating indicators, one 0–100 number, one text). Forms, in this order
until the answer count is reached: every member's self-assessment, the secretaries' ratings, peer
ratings (rounds of one peer per member), then anonymous masses forms; every form answers every
question.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction

from indicators.models import Indicator, Source
from indicators.services.catalogue import load_catalogue
from org.models import Member, MemberCategory, Unit, UnitKind
from org.services.units import rebuild_unit_paths
from surveys.models import Question, Questionnaire, QuestionnaireStatus
from surveys.services.assignments import create_assignments

YEAR = 2025
CODE = "BENCH2025"
BRANCH_SIZE = 25
GROUP_SIZE = 10
BRANCHES_PER_GENERAL = 10
LIKERT_QUESTIONS = 98
ROLE_LABELS = {"self": "自评", "peer": "互评", "secretary": "书记评价", "masses": "群众评议"}
CATEGORIES = ("management", "technical", "frontline")


@dataclass(frozen=True)
class QuestionSpec:
    code: str
    indicator: str | None
    type: str
    lo: float
    hi: float


@dataclass(frozen=True)
class Form:
    rater: int | None  # employee number (written to the workbook as a number, as people do)
    role: str
    subject: int
    form_id: str | None


def employee_no(index: int) -> int:
    return 100001 + index


def branch_of(index: int) -> int:
    return index // BRANCH_SIZE


def questionnaire_indicators() -> list[str]:
    """The catalogue's questionnaire and rating indicator codes, in catalogue order (no database)."""
    from indicators.services.catalogue import read_catalogue

    return [row["code"] for row in read_catalogue()["indicators"] if row["source"] != Source.KPI]


def question_specs() -> list[QuestionSpec]:
    indicators = questionnaire_indicators()
    specs = [
        QuestionSpec(f"q{n + 1:03d}", indicators[n % len(indicators)], "likert", 1, 5) for n in range(LIKERT_QUESTIONS)
    ]
    specs.append(QuestionSpec("q099", indicators[1], "number", 0, 100))
    specs.append(QuestionSpec("q100", None, "text", 1, 5))
    return specs


def forms(*, members: int, count: int) -> list[Form]:
    """`count` forms of an organisation of `members`, following who may rate whom."""
    planned: list[Form] = [Form(employee_no(i), "self", employee_no(i), None) for i in range(members)]
    branches = range(branch_of(members - 1) + 1)
    for branch in branches:
        secretary = branch * BRANCH_SIZE
        for i in range(secretary + 1, min(secretary + BRANCH_SIZE, members)):
            planned.append(Form(employee_no(secretary), "secretary", employee_no(i), None))
    for shift in range(1, BRANCH_SIZE):
        if len(planned) >= count:
            break
        for i in range(members):
            start = branch_of(i) * BRANCH_SIZE  # the branch's first member is its secretary: no peer rater
            peers = [p for p in range(start + 1, min(start + BRANCH_SIZE, members)) if p != i]
            if len(peers) >= shift:
                rater = peers[(i - start + shift - 1) % len(peers)]
                planned.append(Form(employee_no(rater), "peer", employee_no(i), None))
    n = 0
    while len(planned) < count:
        subject = n % members
        planned.append(Form(None, "masses", employee_no(subject), f"{CODE}-{employee_no(subject)}-{n // members + 1}"))
        n += 1
    return planned[:count]


def answers(form_list: list[Form], questions: list[QuestionSpec], *, total: int, seed: int = 2025) -> Iterator[tuple]:
    """(form, question, value) for the first `total` answers, values drawn reproducibly."""
    rng = random.Random(seed)
    produced = 0
    for number, form in enumerate(form_list):
        for question in questions:
            if produced == total:
                return
            if question.type == "text":
                value: object = f"意见{number}：希望多组织业务培训"
            elif question.type == "number":
                value = round(rng.uniform(question.lo, question.hi), 1)
            else:
                value = rng.randint(int(question.lo), int(question.hi))
            yield form, question, value
            produced += 1


@transaction.atomic
def build_organisation(*, members: int, assignments: bool = True) -> Questionnaire:
    """Insert the organisation, the catalogue and the questionnaire with bulk inserts."""
    system = load_catalogue(year=YEAR, publish=True)
    categories = list(MemberCategory.objects.filter(code__in=CATEGORIES).order_by("code"))
    branch_count = branch_of(members - 1) + 1
    committee = Unit.objects.create(code="C", name="公司党委", kind=UnitKind.COMMITTEE)
    generals = Unit.objects.bulk_create(
        [
            Unit(code=f"GB{g:03d}", name=f"第{g + 1}党总支", kind=UnitKind.GENERAL_BRANCH, parent=committee)
            for g in range((branch_count + BRANCHES_PER_GENERAL - 1) // BRANCHES_PER_GENERAL)
        ]
    )
    branches = Unit.objects.bulk_create(
        [
            Unit(
                code=f"B{b:04d}",
                name=f"第{b + 1}党支部",
                kind=UnitKind.BRANCH,
                parent=generals[b // BRANCHES_PER_GENERAL],
            )
            for b in range(branch_count)
        ]
    )
    groups = Unit.objects.bulk_create(
        [
            Unit(code=f"G{b:04d}", name=f"第{b + 1}党小组", kind=UnitKind.GROUP, parent=branch)
            for b, branch in enumerate(branches)
        ]
    )
    rebuild_unit_paths()

    def unit_of(i: int) -> Unit:
        position = i % BRANCH_SIZE
        return groups[branch_of(i)] if position >= BRANCH_SIZE - GROUP_SIZE else branches[branch_of(i)]

    people = Member.objects.bulk_create(
        [
            Member(employee_no=str(employee_no(i)), name=f"党员{i + 1}", unit=unit_of(i), category=categories[i % 3])
            for i in range(members)
        ],
        batch_size=2000,
    )
    for b, branch in enumerate(branches):
        branch.secretary = people[b * BRANCH_SIZE]
    Unit.objects.bulk_update(branches, ["secretary"], batch_size=1000)

    questionnaire = Questionnaire.objects.create(
        code=CODE,
        title=f"{YEAR}年党员模范力评价（基准测试）",
        system=system,
        period=str(YEAR),
        roles=list(ROLE_LABELS),
        status=QuestionnaireStatus.OPEN,
    )
    indicator_pk = dict(Indicator.objects.filter(system=system).values_list("code", "pk"))
    Question.objects.bulk_create(
        [
            Question(
                questionnaire=questionnaire,
                code=spec.code,
                indicator_id=indicator_pk[spec.indicator] if spec.indicator else None,
                text=f"第{order}题",
                type=spec.type,
                lo=spec.lo,
                hi=spec.hi,
                reverse=order % 7 == 0,
                required=spec.type != "text",
                order=order,
            )
            for order, spec in enumerate(question_specs(), start=1)
        ]
    )
    if assignments:
        create_assignments(questionnaire=questionnaire)
    return questionnaire
