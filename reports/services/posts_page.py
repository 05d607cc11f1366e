"""The secretary's model-posts page: the choices it offers and what it draws (issue 7, "Pages").

Secretaries and administrators only: a plain member who holds a model post reads it through the API
but has no page of branch posts. Everything shown comes from `post_comparisons`, in the reader's
scope; a unit outside it is not found.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from common.errors import NotInScope
from indicators.models import Indicator
from indicators.periods import Period
from indicators.views import localized_name
from org.models import Unit
from org.scope import is_administrator, secretary_units
from org.services.units import subtree_q
from reports.comparison import DEFAULT_TREND_THRESHOLD
from reports.models import RunStatus
from reports.post_comparison import AXES, PostPeriods
from reports.selectors.member import recency
from reports.selectors.posts import post_scores_visible_to
from reports.services.post_comparisons import post_comparisons


def can_follow_posts(user: Any) -> bool:
    return is_administrator(user) or secretary_units(user).exists()


def page_units(user: Any) -> list[Unit]:
    """Every unit for an administrator; a secretary's units and everything below them."""
    units = Unit.objects.all()
    if not is_administrator(user):
        units = units.filter(subtree_q(secretary_units(user).values_list("path", flat=True)))
    return sorted(units, key=lambda unit: unit.path)


def post_periods(user: Any) -> list[Period]:
    """Periods whose current official run scored a model post the user may see, latest first."""
    codes = (
        post_scores_visible_to(user)
        .filter(Q(run__provisional=False, run__is_current=True, run__status=RunStatus.DONE))
        .values_list("run__period", flat=True)
        .order_by()
        .distinct()
    )
    return sorted({Period.parse(code) for code in codes}, key=recency, reverse=True)


def default_period(periods: list[Period]) -> Period | None:
    """The latest quarter with data, else the latest period with data."""
    quarters = [period for period in periods if period.kind == "quarter"]
    latest = quarters or periods
    return latest[0] if latest else None


@dataclass
class PostChoices:
    period: Period | None
    periods: list[Period]
    unit: Unit | None
    units: list[Unit]
    errors: list[str] = field(default_factory=list)

    @property
    def unit_options(self) -> list[dict[str, Any]]:
        """The unit picker: each unit indented under its parent (full-width spaces show in a select)."""
        top = min((unit.depth for unit in self.units), default=0)
        return [
            {"value": unit.code, "label": "\u3000" * (unit.depth - top) + unit.name, "selected": unit == self.unit}
            for unit in self.units
        ]

    def query(self, **changes: str) -> dict[str, str]:
        values = {"period": self.period.code if self.period else "", "unit": self.unit.code if self.unit else ""}
        values.update(changes)
        return {key: value for key, value in values.items() if value}


def read_choices(*, user: Any, params: Mapping[str, str]) -> PostChoices:
    """The page's period and unit from its query. An unreadable period falls back to the default with
    a message; a unit outside the user's units is NotInScope. A secretary of one unit starts there."""
    periods = post_periods(user)
    units = page_units(user)
    errors: list[str] = []
    period = default_period(periods)
    if params.get("period"):
        try:
            period = Period.parse(params["period"])
        except ValueError as exc:
            errors.append(str(exc))
    unit: Unit | None = None
    if params.get("unit"):
        unit = next((u for u in units if u.code == params["unit"]), None)
        if unit is None:
            raise NotInScope(f"组织 {params['unit']} 不存在 (no such unit)")
    elif not is_administrator(user):
        own = list(secretary_units(user))
        unit = own[0] if len(own) == 1 else None
    return PostChoices(period=period, periods=periods, unit=unit, units=units, errors=errors)


@dataclass(frozen=True)
class Axis:
    key: str
    label: str
    baseline: Period


def axes_of(period: Period) -> list[Axis]:
    periods = PostPeriods.of(period)
    labels = {
        "previous_stage": _("比上一阶段"),
        "same_period_last_year": _("比去年同期"),
        "last_year": _("比去年全年"),
    }
    return [Axis(key=axis, label=labels[axis], baseline=periods.baseline(axis)) for axis in AXES]


def _one_decimal(values: list[float | None]) -> list[float | None]:
    return [None if value is None else round(value, 1) for value in values]


def _indicator_names(period: Period) -> dict[str, str]:
    rows = Indicator.objects.filter(system__year__in=[period.year, period.year - 1], source="kpi").order_by(
        "system__year"
    )
    return {row.code: localized_name(row) for row in rows}  # this year's name wins


def posts_page(*, user: Any, choices: PostChoices, threshold: float = DEFAULT_TREND_THRESHOLD) -> dict[str, Any]:
    """What the template draws: each post's comparison row with localized indicator names and the
    axes to show, and the data of every post's series chart (for post_series.js)."""
    if choices.period is None:
        return {"posts": [], "axes": [], "charts": {}}
    period = choices.period
    rows = post_comparisons(
        user=user, period=period.code, unit_code=choices.unit.code if choices.unit else None, threshold=threshold
    )
    names = _indicator_names(period)
    for row in rows:
        for item in row["indicators"]:
            item["label"] = names.get(item["code"], item["name"])
    quarters = [Period(period.year, f"Q{n}") for n in range(1, 5)]  # type: ignore[arg-type]
    charts = {
        row["post"]: {
            "stages": [stage.label_en.split(" ")[-1] for stage in quarters],
            "now_name": _("%(year)s 年") % {"year": period.year},
            "before_name": _("%(year)s 年") % {"year": period.year - 1},
            "now": _one_decimal(row["series"]["now"]),
            "before": _one_decimal(row["series"]["before"]),
        }
        for row in rows
    }
    return {"posts": rows, "axes": axes_of(period), "charts": charts}
