"""The secretary's comparison dashboard (issue 6, DESIGN.md "Comparisons"): what the page shows for
a unit, a period and a baseline, assembled from the comparison service and the period's score cards.

The page reads its choices from a GET query; `read_choices` turns that query into a `Choices`
(falling back to the defaults with a message where a value is unusable, and raising NotInScope for a
unit outside the user's units), and `dashboard` builds everything the template draws.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.db.models import Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from common.errors import NotInScope
from indicators.models import Dimension
from indicators.periods import Period
from indicators.views import localized_name
from org.models import Unit, UnitKind
from org.scope import is_administrator, members_visible_to, secretary_units
from org.services.units import subtree_q
from reports.comparison import DEFAULT_TREND_THRESHOLD
from reports.scoring.types import DIMENSIONS
from reports.selectors.member import official_periods
from reports.selectors.scores import score_frame
from reports.services.comparisons import branch_comparisons, member_comparisons

# Baseline choices besides a named period.
LAST_YEAR = ""
PREVIOUS_STAGE = "previous"
# How many members the 最大进步 / 最大退步 lists show.
MOVERS = 5
# The members table shows this many rows in the chosen order; "show all" lifts it up to ALL_LIMIT
# (a 党委 of thousands reads its full list in the exported workbook, not in a web page).
MEMBER_ROWS = 200
ALL_LIMIT = 3000
DEFAULT_SORT = "-change"


def can_compare(user: Any) -> bool:
    """Administrators and secretaries have a dashboard; a plain member has none."""
    return is_administrator(user) or secretary_units(user).exists()


def dashboard_units(user: Any) -> QuerySet[Unit]:
    """The units the picker offers: every branch and unit above it for an administrator; for a
    secretary, his own units and the branches and units above branches below them."""
    if is_administrator(user):
        return Unit.objects.exclude(kind=UnitKind.GROUP)
    own = secretary_units(user)
    below = subtree_q(own.values_list("path", flat=True)) & ~Q(kind=UnitKind.GROUP)
    return Unit.objects.filter(below | Q(pk__in=own.values_list("pk", flat=True)))


def _top_unit(units: list[Unit]) -> Unit | None:
    return min(units, key=lambda unit: (unit.depth, unit.path)) if units else None


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    selected: bool


@dataclass
class Choices:
    """What the user picked, completed with the defaults."""

    periods: list[Period]
    units: list[Unit]
    period: Period | None = None
    baseline_choice: str = LAST_YEAR
    baseline: Period | None = None
    unit: Unit | None = None
    threshold: float = DEFAULT_TREND_THRESHOLD
    sort: str = DEFAULT_SORT
    show_all: bool = False
    errors: list[str] = field(default_factory=list)

    def query(self, **changes: str) -> dict[str, str]:
        """The GET parameters that show this same view (with `changes`), for links."""
        values = {
            "period": self.period.code if self.period else "",
            "baseline": self.baseline_choice,
            "unit": self.unit.code if self.unit else "",
            "threshold": _number(self.threshold),
            "sort": self.sort,
            "all": "1" if self.show_all else "",
        }
        values.update(changes)
        return {key: value for key, value in values.items() if value}

    @property
    def period_options(self) -> list[Option]:
        return [Option(p.code, _period_label(p), p == self.period) for p in self.periods]

    @property
    def baseline_options(self) -> list[Option]:
        if self.period is None:
            return []
        last_year, previous = self.period.same_period_last_year(), self.period.previous_stage()
        options = [
            Option(LAST_YEAR, _("去年同期（%(period)s）") % {"period": _period_label(last_year)}, False),
        ]
        if previous != last_year:
            options.append(
                Option(PREVIOUS_STAGE, _("上一阶段（%(period)s）") % {"period": _period_label(previous)}, False)
            )
        options += [Option(p.code, _period_label(p), False) for p in self.periods if p != self.period]
        return [Option(o.value, o.label, o.value == self.baseline_choice) for o in options]

    @property
    def unit_options(self) -> list[Option]:
        top = min((unit.depth for unit in self.units), default=0)
        return [Option(unit.code, "\u3000" * (unit.depth - top) + unit.name, unit == self.unit) for unit in self.units]

    @property
    def export_parameters(self) -> dict[str, Any]:
        """What the 导出 Excel form posts, and the `export_report` job receives."""
        return {
            "period": self.period.code if self.period else "",
            "baseline": self.baseline.code if self.baseline else "",
            "unit": self.unit.code if self.unit else "",
            "threshold": self.threshold,
        }


def _period_label(period: Period) -> str:
    return period.label_en if (get_language() or "").startswith("en") else period.label


def _number(value: float) -> str:
    return f"{value:g}"


def read_choices(*, user: Any, params: Mapping[str, str]) -> Choices:
    """The dashboard's choices from a query. A unit outside the user's units raises NotInScope; an
    unusable period, baseline or threshold falls back to its default with a message in `errors`."""
    units = sorted(dashboard_units(user), key=lambda unit: unit.path)
    choices = Choices(periods=official_periods(), units=units)
    code = (params.get("unit") or "").strip()
    if code:
        unit = next((u for u in units if u.code == code), None)
        if unit is None:
            raise NotInScope(f"组织 {code} 不存在 (no such unit)")
        choices.unit = unit
    else:
        choices.unit = _top_unit(units)

    choices.period = _default_period(choices.periods)
    text = (params.get("period") or "").strip()
    if text:
        try:
            chosen = Period.parse(text)
        except ValueError as exc:
            choices.errors.append(str(exc))
        else:
            if chosen in choices.periods:
                choices.period = chosen
            else:
                choices.errors.append(
                    _("%(period)s 还没有正式成绩，显示默认期间。") % {"period": _period_label(chosen)}
                )

    choices.baseline_choice = (params.get("baseline") or "").strip()
    choices.baseline = _baseline(choices)
    if choices.baseline is None and choices.period is not None:
        choices.errors.append(_("基期 “%(baseline)s” 无效，改用去年同期。") % {"baseline": choices.baseline_choice})
        choices.baseline_choice = LAST_YEAR
        choices.baseline = _baseline(choices)

    threshold = (params.get("threshold") or "").strip()
    if threshold:
        try:
            value = float(threshold)
        except ValueError:
            value = math.nan
        if math.isfinite(value) and value >= 0:
            choices.threshold = value
        else:
            choices.errors.append(_("持平阈值应为不小于 0 的数，已使用默认值 1.0。"))
    sort = (params.get("sort") or "").strip()
    choices.sort = sort if sort.lstrip("-") in SORT_KEYS else DEFAULT_SORT
    choices.show_all = (params.get("all") or "").strip() == "1"
    return choices


def _default_period(periods: list[Period]) -> Period | None:
    """The latest annual period with an official run, else the latest period."""
    return next((p for p in periods if p.is_annual), periods[0] if periods else None)


def _baseline(choices: Choices) -> Period | None:
    if choices.period is None:
        return None
    if choices.baseline_choice == LAST_YEAR:
        return choices.period.same_period_last_year()
    if choices.baseline_choice == PREVIOUS_STAGE:
        return choices.period.previous_stage()
    try:
        return Period.parse(choices.baseline_choice)
    except ValueError:
        return None


# ── the page's figures ───────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Dashboard:
    choices: Choices
    baseline_scored: bool
    dimensions: list[dict[str, str]]
    summary: dict[str, Any] | None
    branches: list[dict[str, Any]]
    members: list[dict[str, Any]]
    risers: list[dict[str, Any]]
    fallers: list[dict[str, Any]]
    chart: dict[str, Any]
    members_total: int = 0

    @property
    def members_cut(self) -> bool:
        return len(self.members) < self.members_total

    @property
    def can_show_all(self) -> bool:
        return self.members_cut and self.members_total <= ALL_LIMIT


def _sort_value(row: dict[str, Any], key: str) -> Any:
    return SORT_KEYS[key](row)


def _text(key: str) -> Callable[[dict[str, Any]], Any]:
    return lambda row: row.get(key) or ""


SORT_KEYS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "employee_no": _text("employee_no"),
    "name": _text("name"),
    "unit": _text("unit_name"),
    "total": lambda row: row["total"]["now"],
    "rank": lambda row: row["rank"],
    "before": lambda row: row["total"]["before"],
    "delta": lambda row: row["total"]["delta"],
    "change": lambda row: None if row["total"]["delta"] is None else abs(row["total"]["delta"]),
    **{f"d_{key}": (lambda row, key=key: row["dimensions"][key]["delta"]) for key in DIMENSIONS},  # type: ignore[misc]
}
# Columns whose first click sorts the biggest first.
DESCENDING_FIRST = {"total", "before", "delta", "change", *(f"d_{key}" for key in DIMENSIONS)}


def sort_members(rows: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """Rows in the order `sort` names (`key` ascending, `-key` descending); missing values last,
    ties by 工号. The default `change` puts the biggest movers, up or down, on top."""
    if sort.lstrip("-") not in SORT_KEYS:
        sort = DEFAULT_SORT
    key, descending = sort.lstrip("-"), sort.startswith("-")
    by_number = sorted(rows, key=lambda row: row["employee_no"])
    present = [row for row in by_number if _sort_value(row, key) is not None]
    missing = [row for row in by_number if _sort_value(row, key) is None]
    present.sort(key=lambda row: _sort_value(row, key), reverse=descending)
    return present + missing


def _movers(rows: list[dict[str, Any]], trend: str) -> list[dict[str, Any]]:
    moved = [row for row in rows if row["total"]["trend"] == trend]
    moved.sort(key=lambda row: (-abs(row["total"]["delta"]), row["employee_no"]))
    return moved[:MOVERS]


def _one_decimal(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _card_facts(*, user: Any, choices: Choices) -> pd.DataFrame:
    """Rank, grade and unit name of each member scored in the period, by employee_no."""
    assert choices.period is not None
    frame = score_frame(period=choices.period.code, unit=choices.unit, user=user)
    return frame.set_index("employee_no")[["rank", "grade"]]


def dashboard(*, user: Any, choices: Choices) -> Dashboard:
    """Everything the page shows for `choices` (which `read_choices` has checked against the scope)."""
    dimensions = [
        {"key": d.key, "name": localized_name(d)}
        for d in Dimension.objects.filter(key__in=DIMENSIONS).order_by("order")
    ]
    if choices.period is None or choices.unit is None or choices.baseline is None:
        return Dashboard(choices, False, dimensions, None, [], [], [], [], {})
    arguments = {
        "user": user,
        "period": choices.period.code,
        "baseline": choices.baseline.code,
        "unit_code": choices.unit.code,
        "threshold": choices.threshold,
    }
    members = member_comparisons(**arguments)
    units = branch_comparisons(**arguments)

    facts = _card_facts(user=user, choices=choices)
    names = dict(Unit.objects.filter(code__in={row["unit"] for row in members}).values_list("code", "name"))
    linkable = set(
        members_visible_to(user)
        .filter(employee_no__in=[row["employee_no"] for row in members])
        .values_list("employee_no", flat=True)
    )
    for row in members:
        known = row["employee_no"] in facts.index and row["status"] != "left"
        rank = facts.at[row["employee_no"], "rank"] if known else None
        row["rank"] = None if rank is None or pd.isna(rank) else int(rank)
        row["grade"] = facts.at[row["employee_no"], "grade"] if known else None
        row["unit_name"] = names.get(row["unit"], row["unit"])
        row["linkable"] = row["employee_no"] in linkable
        # A member who left has no card this period: his page is the baseline's.
        row["link_period"] = row["baseline"] if row["status"] == "left" else row["period"]
        row["dimension_list"] = [row["dimensions"][d["key"]] | {"key": d["key"]} for d in dimensions]

    summary = next((row for row in units if row["unit"] == choices.unit.code), None)
    if summary is not None:
        summary["tests"] = [
            {"key": key, "label": label, "p": _p_value(summary[key]), "hint": significance_hint(summary[key])}
            for key, label in (("paired_t_p", _("配对 t 检验")), ("wilcoxon_p", _("Wilcoxon 符号秩检验")))
        ]
    branches = [row for row in units if row["unit"] != choices.unit.code]
    depths = {unit.code: unit.depth for unit in choices.units}
    for row in branches:
        row["indent"] = max(depths.get(row["unit"], 0) - choices.unit.depth - 1, 0)
    chart = {
        "dimensions": [d["name"] for d in dimensions],
        "max": 100,
        "series": [
            {
                "key": key,
                "name": label,
                "values": [_one_decimal(summary["dimensions"][d["key"]][key]) if summary else None for d in dimensions],
            }
            for key, label in (
                ("now", _("本期（%(period)s）") % {"period": _period_label(choices.period)}),
                ("before", _("基期（%(period)s）") % {"period": _period_label(choices.baseline)}),
            )
        ],
    }
    return Dashboard(
        choices=choices,
        baseline_scored=choices.baseline in choices.periods,
        dimensions=dimensions,
        summary=summary,
        branches=branches,
        members=sort_members(members, choices.sort)[: ALL_LIMIT if choices.show_all else MEMBER_ROWS],
        risers=_movers(members, "up"),
        fallers=_movers(members, "down"),
        chart=chart,
        members_total=len(members),
    )


def _p_value(p: float | None) -> str:
    if p is None:
        return "—"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def significance_hint(p: float | None) -> str:
    """A p-value in words a secretary can act on."""
    if p is None:
        return _("人数不足或没有变化，不作检验")
    if p < 0.01:
        return _("p < 0.01：变化非常显著")
    if p < 0.05:
        return _("p < 0.05：变化显著")
    return _("p ≥ 0.05：变化不显著，可能是正常波动")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = True
    sortable: bool = True
    # The `sort=` value a click on the header asks for, and the header's current aria-sort.
    next_sort: str = ""
    aria_sort: str = ""

    @property
    def first_direction(self) -> str:
        return "descending" if self.key in DESCENDING_FIRST else "ascending"


def member_columns(*, choices: Choices, dimensions: list[dict[str, str]]) -> list[Column]:
    """The members table's headers, with the sort each one asks for when clicked."""
    specs: list[tuple[str, str, bool, bool]] = [
        ("employee_no", _("工号"), False, True),
        ("name", _("姓名"), False, True),
        ("unit", _("所在组织"), False, True),
        ("total", _("总分"), True, True),
        ("grade", _("等级"), False, False),
        ("rank", _("支部排名"), True, True),
        ("before", _("基期总分"), True, True),
        ("delta", _("变化"), True, True),
        *((f"d_{d['key']}", d["name"], True, True) for d in dimensions),
        ("status", _("状态"), False, False),
    ]
    current, descending = choices.sort.lstrip("-"), choices.sort.startswith("-")
    columns = []
    for key, label, numeric, sortable in specs:
        first = f"-{key}" if key in DESCENDING_FIRST else key
        if key == current:
            next_sort = key if descending else f"-{key}"
            aria = "descending" if descending else "ascending"
        else:
            next_sort, aria = first, ""
        columns.append(Column(key, label, numeric, sortable, next_sort if sortable else "", aria))
    return columns
