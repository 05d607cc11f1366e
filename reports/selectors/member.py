"""A member's results for one period: his card, his branch's mean, last year, the indicators behind
each dimension and the 对标检查 figures (DESIGN.md "Scoring", "Self vs others").

`member_profile` answers in a fixed number of queries (about eight), whatever the size of the
branch or the system.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Q

from indicators.models import Dimension, Grade, Indicator, RaterRole, Source
from indicators.periods import Period
from org.models import Member, Unit
from reports.models import IndicatorScore, RunStatus, ScoreCard, ScoreRun
from reports.scoring.types import DIMENSIONS

# The others' score is shown only where at least this many distinct raters other than the member
# contributed, so that nobody can work out one person's rating (DESIGN.md "Self vs others").
MIN_OTHER_RATERS = 3
ROLE_FIELDS = ("self_score", "peer_score", "secretary_score", "masses_score")
ROLE_LABELS = {f"{role.value}_score": role.label for role in RaterRole}


def _official_runs_q() -> Q:
    return Q(is_current=True, provisional=False, status=RunStatus.DONE)


def recency(period: Period) -> tuple[int, int, int]:
    """Order periods by when they end; of those ending together the wider one is the later result
    (the annual result comes after H2 and Q4, which end on the same day)."""
    if period.is_annual:
        return (period.year, 12, 2)
    number = int(period.stage[1])
    if period.stage[0] == "H":
        return (period.year, 6 * number, 1)
    return (period.year, 3 * number, 0)


def official_periods() -> list[Period]:
    """Periods that have a current official run, latest first."""
    codes = ScoreRun.objects.filter(_official_runs_q()).values_list("period", flat=True).distinct()
    return sorted({Period.parse(code) for code in codes}, key=recency, reverse=True)


def latest_card(*, member: Member) -> ScoreCard | None:
    """The member's card in the latest period that has a current official run and a card for him."""
    cards = list(
        ScoreCard.objects.filter(
            member=member, run__is_current=True, run__provisional=False, run__status=RunStatus.DONE
        )
        .select_related("run", "branch")
        .order_by()
    )
    if not cards:
        return None
    return max(cards, key=lambda card: recency(Period.parse(card.run.period)))


def latest_period_for(*, member: Member) -> Period | None:
    """His latest period with a card, else the latest official period (where he then has none)."""
    card = latest_card(member=member)
    if card is not None:
        return Period.parse(card.run.period)
    periods = official_periods()
    return periods[0] if periods else None


def official_run(*, period: Period) -> ScoreRun | None:
    return ScoreRun.objects.filter(_official_runs_q(), period=period.code).select_related("system").first()


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    name: str
    name_en: str
    weight: float
    source: str
    source_label: str
    description: str
    measure_unit: str
    score: float | None
    self_score: float | None
    peer_score: float | None
    secretary_score: float | None
    masses_score: float | None
    raters: int
    # The role scores in the order of the profile's role columns.
    role_cells: tuple[float | None, ...] = ()

    @property
    def is_kpi(self) -> bool:
        return self.source == Source.KPI

    @property
    def other_raters(self) -> int:
        # `raters` adds up each role's distinct raters; the self role is the member alone.
        return max(self.raters - (1 if self.self_score is not None else 0), 0)

    @property
    def has_other_roles(self) -> bool:
        return any(value is not None for value in (self.peer_score, self.secretary_score, self.masses_score))

    @property
    def others_visible(self) -> bool:
        return self.other_raters >= MIN_OTHER_RATERS


@dataclass(frozen=True)
class DimensionRow:
    key: str
    name: str
    name_en: str
    score: float | None
    coverage: float | None
    branch_mean: float | None
    last_year: float | None
    self_score: float | None
    others_score: float | None
    others_raters: int
    indicators: list[IndicatorRow] = field(default_factory=list)

    @property
    def others_visible(self) -> bool:
        return self.others_score is not None and self.others_raters >= MIN_OTHER_RATERS

    @property
    def gap(self) -> float | None:
        """Self minus others: positive where he rates himself higher than the others do."""
        if not self.others_visible or self.self_score is None or self.others_score is None:
            return None
        return self.self_score - self.others_score

    @property
    def has_self_others(self) -> bool:
        return self.self_score is not None or self.others_score is not None


@dataclass(frozen=True)
class MemberProfile:
    member: Member
    period: Period
    run: ScoreRun
    card: ScoreCard
    branch: Unit
    ranked: int  # members ranked in his branch in this run
    scored: int  # members with a card in his branch in this run
    branch_total_mean: float | None
    last_year_period: Period
    last_year_card: ScoreCard | None
    grades: list[Grade]
    dimensions: list[DimensionRow]
    # (field, label) of the rater roles that scored any of his indicators: the tables' columns.
    role_columns: list[tuple[str, str]] = field(default_factory=list)

    @property
    def has_self_column(self) -> bool:
        return any(name == "self_score" for name, _label in self.role_columns)

    @property
    def other_role_columns(self) -> int:
        return sum(1 for name, _label in self.role_columns if name != "self_score")

    @property
    def coverage_complete(self) -> bool:
        return round(self.card.coverage, 9) >= 1.0

    @property
    def missing_dimensions(self) -> list[DimensionRow]:
        return [row for row in self.dimensions if row.score is None]


def _optional(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def member_profile(*, member: Member, period: Period) -> MemberProfile | None:
    """The member's results in the current official run of `period`; None when he has no card there."""
    run = official_run(period=period)
    if run is None:
        return None
    card = (
        ScoreCard.objects.filter(run=run, member=member).select_related("branch", "unit", "category", "member").first()
    )
    if card is None:
        return None

    branch_figures = ScoreCard.objects.filter(run=run, branch_id=card.branch_id).aggregate(
        total_mean=Avg("total"),
        ranked=Count("pk", filter=Q(rank__isnull=False)),
        scored=Count("pk"),
        **{f"{key}_mean": Avg(key) for key in DIMENSIONS},
    )
    last_year_period = period.same_period_last_year()
    last_year_run = official_run(period=last_year_period)
    last_year_card = (
        ScoreCard.objects.filter(run=last_year_run, member=member).first() if last_year_run is not None else None
    )

    scores = {row.indicator_id: row for row in IndicatorScore.objects.filter(run=run, member=member)}
    columns = [name for name in ROLE_FIELDS if any(getattr(row, name) is not None for row in scores.values())]
    by_dimension: dict[int, list[IndicatorRow]] = defaultdict(list)
    for indicator in Indicator.objects.filter(system_id=run.system_id).order_by("dimension__order", "order", "code"):
        by_dimension[indicator.dimension_id].append(_indicator_row(indicator, scores.get(indicator.pk), columns))

    self_others = card.self_others or {}
    coverage = card.dimension_coverage or {}
    dimensions = []
    for dimension in Dimension.objects.order_by("order"):
        pair = self_others.get(dimension.key) or {}
        dimensions.append(
            DimensionRow(
                key=dimension.key,
                name=dimension.name,
                name_en=dimension.name_en,
                score=_optional(getattr(card, dimension.key, None)),
                coverage=_optional(coverage.get(dimension.key)),
                branch_mean=_optional(branch_figures.get(f"{dimension.key}_mean")),
                last_year=_optional(getattr(last_year_card, dimension.key, None)) if last_year_card else None,
                self_score=_optional(pair.get("self")),
                others_score=_optional(pair.get("others")),
                others_raters=int(pair.get("raters") or 0),
                indicators=by_dimension.get(dimension.pk, []),
            )
        )
    return MemberProfile(
        member=card.member,
        period=period,
        run=run,
        card=card,
        branch=card.branch,
        ranked=int(branch_figures["ranked"]),
        scored=int(branch_figures["scored"]),
        branch_total_mean=_optional(branch_figures["total_mean"]),
        last_year_period=last_year_period,
        last_year_card=last_year_card,
        grades=list(Grade.objects.filter(system_id=run.system_id).order_by("-min_score")),
        dimensions=dimensions,
        role_columns=[(name, str(ROLE_LABELS[name])) for name in columns],
    )


def _indicator_row(indicator: Indicator, score: IndicatorScore | None, columns: list[str]) -> IndicatorRow:
    roles = {name: (getattr(score, name) if score is not None else None) for name in ROLE_FIELDS}
    return IndicatorRow(
        code=indicator.code,
        name=indicator.name,
        name_en=indicator.name_en,
        weight=indicator.weight,
        source=indicator.source,
        source_label=str(indicator.get_source_display()),
        description=indicator.description,
        measure_unit=indicator.measure_unit,
        score=score.score if score is not None else None,
        raters=score.raters if score is not None else 0,
        role_cells=tuple(roles[name] for name in columns),
        **roles,
    )
