"""Read-only views of survey data for the pages: a member's assignments with their progress, the
questionnaires a secretary follows, and a member's own self-check (对标检查).

Each function answers with a fixed number of queries, whatever the number of assignments.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from indicators.models import Dimension, Indicator, RaterRole
from org.models import Member, Unit
from org.scope import is_administrator, secretary_units
from org.services.units import subtree_q
from surveys.models import (
    SCORED_TYPES,
    Answer,
    Assignment,
    AssignmentStatus,
    Question,
    Questionnaire,
    QuestionnaireStatus,
    Response,
    ResponseStatus,
)

# A member fills in his own form first, then rates as secretary, then as a peer.
ROLE_ORDER = {RaterRole.SELF: 0, RaterRole.SECRETARY: 1, RaterRole.PEER: 2, RaterRole.MASSES: 3}


# ── a member's assignments ───────────────────────────────────────────────────────────────────────


@dataclass
class AssignmentRow:
    assignment: Assignment
    answered: int
    questions: int

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.questions) if self.questions else 0

    @property
    def is_submitted(self) -> bool:
        return self.assignment.status == AssignmentStatus.SUBMITTED

    @property
    def is_reminded(self) -> bool:
        return self.assignment.reminded_at is not None and not self.is_submitted


@dataclass
class MemberAssignments:
    open: list[AssignmentRow] = field(default_factory=list)
    done: list[AssignmentRow] = field(default_factory=list)

    @property
    def reminded(self) -> list[AssignmentRow]:
        return [row for row in self.open if row.is_reminded]

    @property
    def is_empty(self) -> bool:
        return not (self.open or self.done)


def _count_of(queryset: Any, group: str) -> Subquery:
    return Subquery(
        queryset.order_by().values(group).annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()
    )


def assignments_with_progress(*, member: Member) -> list[AssignmentRow]:
    """The member's assignments on open questionnaires, and his submitted ones on closed ones, each
    with how many questions he has answered so far: one query."""
    answered = Answer.objects.filter(
        response__questionnaire=OuterRef("questionnaire_id"),
        response__rater=OuterRef("rater_id"),
        response__subject=OuterRef("subject_id"),
        response__role=OuterRef("role"),
    )
    questions = Question.objects.filter(questionnaire=OuterRef("questionnaire_id"))
    rows = (
        Assignment.objects.filter(rater=member)
        .filter(
            Q(questionnaire__status=QuestionnaireStatus.OPEN)
            | Q(questionnaire__status=QuestionnaireStatus.CLOSED, status=AssignmentStatus.SUBMITTED)
        )
        .select_related("questionnaire", "subject")
        .annotate(
            answered_count=Coalesce(_count_of(answered, "response"), 0),
            question_count=Coalesce(_count_of(questions, "questionnaire"), 0),
        )
    )
    result = [AssignmentRow(a, a.answered_count, a.question_count) for a in rows]  # type: ignore[attr-defined]
    result.sort(
        key=lambda row: (
            _deadline(row.assignment.questionnaire),
            row.assignment.questionnaire.code,
            ROLE_ORDER.get(row.assignment.role, 9),  # type: ignore[call-overload]
            row.assignment.subject.employee_no,
        )
    )
    return result


def _deadline(questionnaire: Questionnaire) -> float:
    return questionnaire.closes_at.timestamp() if questionnaire.closes_at else math.inf


def member_assignments(*, member: Member) -> MemberAssignments:
    rows = assignments_with_progress(member=member)
    closed = QuestionnaireStatus.CLOSED
    return MemberAssignments(
        open=[row for row in rows if not row.is_submitted and row.assignment.questionnaire.status != closed],
        done=[row for row in rows if row.is_submitted],
    )


# ── questionnaires a secretary follows ───────────────────────────────────────────────────────────


@dataclass
class FollowedQuestionnaire:
    questionnaire: Questionnaire
    total: int
    submitted: int

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.total) if self.total else 0


def followed_questionnaires(*, user: Any) -> list[FollowedQuestionnaire]:
    """Open questionnaires with assignments of raters in the user's units (administrators: all), with
    how many of those are submitted. Empty for a plain member."""
    assignments = Assignment.objects.filter(questionnaire__status=QuestionnaireStatus.OPEN)
    if not is_administrator(user):
        paths = list(secretary_units(user).values_list("path", flat=True))
        if not paths:
            return []
        assignments = assignments.filter(subtree_q(paths, field="rater__unit__path"))
    counts = (
        assignments.order_by()
        .values("questionnaire_id")
        .annotate(total=Count("pk"), submitted=Count("pk", filter=Q(status=AssignmentStatus.SUBMITTED)))
        .values_list("questionnaire_id", "total", "submitted")
    )
    by_id = {pk: (total, submitted) for pk, total, submitted in counts}
    questionnaires = Questionnaire.objects.filter(pk__in=list(by_id)).order_by("-period", "code")
    return [FollowedQuestionnaire(q, *by_id[q.pk]) for q in questionnaires]


def unfinished_raters(*, questionnaire: Questionnaire, units: Sequence[Unit] | None) -> int:
    """How many people (raters in the units' subtrees; None: everyone) still have something to fill in."""
    pending = Assignment.objects.filter(questionnaire=questionnaire).exclude(status=AssignmentStatus.SUBMITTED)
    if units is not None:
        pending = pending.filter(subtree_q([unit.path for unit in units], field="rater__unit__path"))
    return pending.order_by().values("rater_id").distinct().count()


# ── self-check (对标检查) ────────────────────────────────────────────────────────────────────────


def normalised(question: Question, value: float) -> float:
    """DESIGN rule 1: the value on the question's scale as 0–100, reverse keys applied."""
    if question.reverse:
        value = question.lo + question.hi - value
    return (value - question.lo) / (question.hi - question.lo) * 100


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass
class CheckedQuestion:
    question: Question
    value: float | None
    text: str = ""

    @property
    def is_scored(self) -> bool:
        return self.question.type in SCORED_TYPES and self.question.indicator_id is not None

    @property
    def score(self) -> float | None:
        return normalised(self.question, self.value) if self.value is not None and self.is_scored else None

    @property
    def label(self) -> str:
        if self.value is None or not float(self.value).is_integer():
            return ""
        return str((self.question.labels or {}).get(str(int(self.value)), ""))


@dataclass
class CheckedIndicator:
    indicator: Indicator
    questions: list[CheckedQuestion]

    @property
    def score(self) -> float | None:
        """DESIGN rule 3 for one rater (himself): the mean over the questions he answered."""
        return _mean([q.score for q in self.questions if q.score is not None])


@dataclass
class CheckedDimension:
    dimension: Dimension
    indicators: list[CheckedIndicator]
    total_weight: float

    @property
    def score(self) -> float | None:
        """DESIGN rule 5: indicator scores by weight, renormalised over the indicators present."""
        present = [(i.indicator.weight, i.score) for i in self.indicators if i.score is not None and i.indicator.weight]
        weight = sum(w for w, _ in present)
        return sum(w * s for w, s in present) / weight if weight else None

    @property
    def coverage(self) -> float:
        present = sum(i.indicator.weight for i in self.indicators if i.score is not None)
        return present / self.total_weight if self.total_weight else 0.0


@dataclass
class SelfCheck:
    questionnaire: Questionnaire
    assignment: Assignment
    submitted_at: Any = None
    dimensions: list[CheckedDimension] = field(default_factory=list)
    unlinked: list[CheckedQuestion] = field(default_factory=list)

    @property
    def is_ready(self) -> bool:
        return self.submitted_at is not None


def self_assignment(*, questionnaire: Questionnaire, member: Member) -> Assignment | None:
    return Assignment.objects.filter(
        questionnaire=questionnaire, rater=member, subject=member, role=RaterRole.SELF
    ).first()


def self_check(*, questionnaire: Questionnaire, assignment: Assignment) -> SelfCheck:
    """The member's submitted self-assessment set against the indicators it measures, with his self
    score per indicator (rules 1 and 3, self role) and per dimension (rule 5). Nothing before he
    submits: a draft is not an assessment."""
    check = SelfCheck(questionnaire=questionnaire, assignment=assignment)
    response = Response.objects.filter(
        questionnaire=questionnaire,
        rater_id=assignment.rater_id,
        subject_id=assignment.subject_id,
        role=RaterRole.SELF,
        status=ResponseStatus.SUBMITTED,
    ).first()
    if response is None:
        return check
    check.submitted_at = response.submitted_at
    answers = {
        question_id: (value, text)
        for question_id, value, text in Answer.objects.filter(response=response).values_list(
            "question_id", "value", "text"
        )
    }
    questions = Question.objects.filter(questionnaire=questionnaire).select_related("indicator")
    by_indicator: dict[int, list[CheckedQuestion]] = defaultdict(list)
    for question in questions:
        value, text = answers.get(question.pk, (None, ""))
        checked = CheckedQuestion(question, value, text)
        if question.indicator_id is None:
            check.unlinked.append(checked)
        else:
            by_indicator[question.indicator_id].append(checked)

    indicators = Indicator.objects.filter(system_id=questionnaire.system_id).order_by("dimension__order", "order")
    weight_of_dimension: dict[int, float] = defaultdict(float)
    shown: dict[int, list[CheckedIndicator]] = defaultdict(list)
    for indicator in indicators:
        weight_of_dimension[indicator.dimension_id] += indicator.weight
        if indicator.pk in by_indicator:
            shown[indicator.dimension_id].append(CheckedIndicator(indicator, by_indicator[indicator.pk]))
    for dimension in Dimension.objects.filter(pk__in=list(shown)).order_by("order"):
        check.dimensions.append(CheckedDimension(dimension, shown[dimension.pk], weight_of_dimension[dimension.pk]))
    return check
