"""How far a questionnaire has got: assignments total / submitted / draft / pending, per unit and per rater.

Counts only, and only by rater: a secretary following his branch learns who still has forms to
fill in, never whom a peer rated nor what anybody answered. Everything comes from a few aggregate
queries (values + annotate) whatever the size of the organisation; the roll-up of members into
their units happens in memory over those aggregates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet

from common.errors import NotInScope
from indicators.models import RaterRole
from org.models import Member, Unit
from org.scope import is_administrator, member_of, secretary_units
from org.services.directory import unit_in_scope
from org.services.units import subtree_q
from surveys.models import Assignment, AssignmentStatus, Questionnaire, Response, ResponseStatus

# ── scope ────────────────────────────────────────────────────────────────────────────────────────


def questionnaires_visible_to(user: Any) -> QuerySet[Questionnaire]:
    """Administrators: all. A member: those he is asked to fill in. A secretary: also those with
    assignments of raters in his units."""
    if is_administrator(user):
        return Questionnaire.objects.all()
    query = Q(pk__in=[])
    member = member_of(user)
    if member is not None:
        query |= Q(Exists(Assignment.objects.filter(questionnaire=OuterRef("pk"), rater=member)))
    paths = list(secretary_units(user).values_list("path", flat=True))
    if paths:
        in_units = Assignment.objects.filter(subtree_q(paths, field="rater__unit__path"), questionnaire=OuterRef("pk"))
        query |= Q(Exists(in_units))
    return Questionnaire.objects.filter(query)


def outermost(units: Iterable[Unit]) -> list[Unit]:
    """Drop units lying inside another unit of the list, so no subtree is counted twice."""
    ordered = sorted(units, key=lambda unit: unit.path)
    kept: list[Unit] = []
    for unit in ordered:
        if not any(unit.path.startswith(outer.path) for outer in kept):
            kept.append(unit)
    return kept


def followed_units(*, user: Any, code: str | None = None) -> list[Unit] | None:
    """The units whose progress this user follows: the unit named (404 outside his scope), else all
    (None) for an administrator and his own units for a secretary. A plain member follows none."""
    if not is_administrator(user) and not secretary_units(user).exists():
        raise NotInScope("只有管理员和书记可以查看填写进度 (only administrators and secretaries follow progress)")
    if code:
        unit = unit_in_scope(user=user, code=code)
        if not is_administrator(user):
            # A member may see his own unit, but following it is for the secretaries above it.
            paths = secretary_units(user).values_list("path", flat=True)
            if not any(unit.path.startswith(path) for path in paths):
                raise NotInScope(f"组织 {code} 不存在 (unit {code} not found)")
        return [unit]
    if is_administrator(user):
        return None
    return outermost(secretary_units(user))


# ── completion ───────────────────────────────────────────────────────────────────────────────────


@dataclass
class Counts:
    total: int = 0
    submitted: int = 0
    draft: int = 0
    pending: int = 0

    @property
    def unfinished(self) -> int:
        return self.draft + self.pending

    @property
    def rate(self) -> float | None:
        """Share submitted (0–1); none when nothing is assigned."""
        return self.submitted / self.total if self.total else None

    def add(self, status: str, n: int) -> None:
        self.total += n
        if status == AssignmentStatus.SUBMITTED:
            self.submitted += n
        elif status == AssignmentStatus.DRAFT:
            self.draft += n
        else:
            self.pending += n

    def merge(self, other: Counts) -> None:
        self.total += other.total
        self.submitted += other.submitted
        self.draft += other.draft
        self.pending += other.pending


@dataclass
class MemberCompletion:
    employee_no: str
    name: str
    unit: str
    unit_name: str
    counts: Counts = field(default_factory=Counts)
    reminded_at: datetime | None = None


@dataclass
class UnitCompletion:
    code: str
    name: str
    kind: str
    depth: int
    path: str
    counts: Counts = field(default_factory=Counts)
    raters: int = 0
    raters_done: int = 0
    masses_forms: int = 0


@dataclass
class Completion:
    questionnaire: Questionnaire
    total: Counts
    units: list[UnitCompletion]
    members: list[MemberCompletion]
    masses_forms: int

    @property
    def unfinished(self) -> list[MemberCompletion]:
        """Raters with something still to fill in, most outstanding first."""
        waiting = [m for m in self.members if m.counts.unfinished]
        return sorted(waiting, key=lambda m: (-m.counts.unfinished, m.employee_no))


def _within(queryset: QuerySet[Any], units: Sequence[Unit] | None, field: str) -> QuerySet[Any]:
    return queryset if units is None else queryset.filter(subtree_q([u.path for u in units], field=field))


def completion_status(*, questionnaire: Questionnaire, units: Sequence[Unit] | None = None) -> Completion:
    """Completion of the questionnaire by raters in the units' subtrees (None: the whole organisation)."""
    assignments = _within(Assignment.objects.filter(questionnaire=questionnaire), units, "rater__unit__path")
    by_rater = (
        assignments.order_by()
        .values("rater_id", "status")
        .annotate(n=Count("pk"), reminded=Max("reminded_at"))
        .values_list("rater_id", "status", "n", "reminded")
    )
    counts: dict[int, Counts] = defaultdict(Counts)
    reminded: dict[int, datetime | None] = {}
    for rater_id, status, n, last_reminded in by_rater:
        counts[rater_id].add(status, n)
        current = reminded.get(rater_id)
        if last_reminded is not None and (current is None or last_reminded > current):
            reminded[rater_id] = last_reminded

    raters = Member.objects.filter(pk__in=list(counts)).values_list(
        "pk", "employee_no", "name", "unit__code", "unit__name", "unit__path"
    )
    members: list[MemberCompletion] = []
    path_of_rater: dict[int, str] = {}
    for pk, employee_no, name, unit_code, unit_name, unit_path in raters:
        path_of_rater[pk] = unit_path
        members.append(
            MemberCompletion(employee_no, name, unit_code, unit_name, counts[pk], reminded_at=reminded.get(pk))
        )
    members.sort(key=lambda m: (m.unit, m.employee_no))

    unit_rows = _within(Unit.objects.all(), units, "path").values_list("pk", "code", "name", "kind", "path")
    shown = {
        path: UnitCompletion(code, name, kind, max(path.count("/") - 2, 0), path)
        for _pk, code, name, kind, path in unit_rows
    }

    def shown_above(path: str) -> list[UnitCompletion]:
        """The unit with this path and its ancestors, as far as they are shown."""
        prefixes = ["/".join(path.split("/")[: i + 1]) + "/" for i in range(1, path.count("/"))]
        return [shown[prefix] for prefix in prefixes if prefix in shown]

    for pk, path in path_of_rater.items():
        for row in shown_above(path):
            row.counts.merge(counts[pk])
            row.raters += 1
            row.raters_done += counts[pk].unfinished == 0

    masses = _within(
        Response.objects.filter(questionnaire=questionnaire, role=RaterRole.MASSES, status=ResponseStatus.SUBMITTED),
        units,
        "subject__unit__path",
    )
    masses_total = 0
    by_subject_unit = masses.order_by().values("subject__unit__path").annotate(n=Count("pk"))
    for path, n in by_subject_unit.values_list("subject__unit__path", "n"):
        masses_total += n
        for row in shown_above(path):
            row.masses_forms += n

    total = Counts()
    for member_counts in counts.values():
        total.merge(member_counts)
    return Completion(
        questionnaire=questionnaire,
        total=total,
        units=sorted(shown.values(), key=lambda row: row.path),
        members=members,
        masses_forms=masses_total,
    )
