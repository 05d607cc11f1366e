"""Period-against-baseline comparisons for the API, the dashboard and the report (DESIGN.md
"Comparisons"): the rules live in reports.comparison; this module feeds them a user's cards."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from common.errors import DomainError
from indicators.periods import Period
from org.models import Unit, UnitKind
from org.scope import is_administrator, secretary_units
from org.services.units import subtree_q
from reports.comparison import DEFAULT_TREND_THRESHOLD, member_comparison, unit_comparison
from reports.scoring.types import DIMENSIONS
from reports.selectors.scores import score_frame, unit_in_scope


def periods(*, period: str, baseline: str | None) -> tuple[Period, Period]:
    try:
        now = Period.parse(period)
        before = Period.parse(baseline) if baseline else now.same_period_last_year()
    except ValueError as exc:
        raise DomainError(str(exc)) from None
    return now, before


def _frames(*, user: Any, now: Period, before: Period, unit: Unit | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    frames = tuple(score_frame(period=p.code, unit=unit, user=user) for p in (now, before))
    paths = dict(Unit.objects.values_list("pk", "path"))
    for frame in frames:
        frame["unit_path"] = frame["unit_id"].map(paths)
    return frames[0], frames[1]


TREND_KEYS = ("now", "before", "delta", "pct", "trend")


def _value(row: pd.Series, measure: str, *, with_trend: bool = True) -> dict[str, Any]:
    keys = TREND_KEYS if with_trend else ("now", "before", "delta")
    return {key: _plain(row[f"{measure}_{key}"]) for key in keys}


def _column(frame: pd.DataFrame, name: str) -> list[Any]:
    """A column as plain Python values, None where missing (JSON has no NaN)."""
    series = frame[name]
    return [None if value is None or value != value else value for value in series.astype(object).tolist()]


def _values(frame: pd.DataFrame, measure: str, keys: tuple[str, ...] = TREND_KEYS) -> list[dict[str, Any]]:
    """Per row `{now, before, delta, pct, trend}` of one measure, built column-wise for a whole organisation."""
    columns = [_column(frame, f"{measure}_{key}") for key in keys]
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def member_comparisons(
    *,
    user: Any,
    period: str,
    baseline: str | None = None,
    unit_code: str | None = None,
    threshold: float = DEFAULT_TREND_THRESHOLD,
) -> list[dict[str, Any]]:
    """FORMATS.md `comparisons/`: one row per member scored in either period, within scope."""
    now, before = periods(period=period, baseline=baseline)
    unit = unit_in_scope(user=user, code=unit_code) if unit_code else None
    now_cards, before_cards = _frames(user=user, now=now, before=before, unit=unit)
    compared = member_comparison(now_cards, before_cards, threshold=threshold)
    described = pd.concat([now_cards, before_cards]).drop_duplicates("member_id")  # current period first
    compared = compared.merge(described[["member_id", "employee_no", "name", "unit"]], on="member_id")
    compared = compared.sort_values(["unit", "employee_no"])
    values = {measure: _values(compared, measure) for measure in ("total", *DIMENSIONS)}
    rows = []
    for position, (employee_no, name, unit_code, status) in enumerate(
        zip(compared["employee_no"], compared["name"], compared["unit"], compared["status"], strict=True)
    ):
        rows.append(
            {
                "employee_no": employee_no,
                "name": name,
                "unit": unit_code,
                "status": status,
                "period": now.code,
                "baseline": before.code,
                "total": values["total"][position],
                "dimensions": {dimension: values[dimension][position] for dimension in DIMENSIONS},
            }
        )
    return rows


def branch_comparisons(
    *,
    user: Any,
    period: str,
    baseline: str | None = None,
    unit_code: str | None = None,
    threshold: float = DEFAULT_TREND_THRESHOLD,
) -> list[dict[str, Any]]:
    """FORMATS.md `branches/comparisons/`: each branch and unit above it in the user's scope.

    Members who are neither administrators nor secretaries have no units to compare: an empty list.
    """
    now, before = periods(period=period, baseline=baseline)
    unit = unit_in_scope(user=user, code=unit_code) if unit_code else None
    units = Unit.objects.exclude(kind=UnitKind.GROUP)
    if not is_administrator(user):
        units = units.filter(subtree_q(secretary_units(user).values_list("path", flat=True)))
    if unit is not None:
        units = units.filter(path__startswith=unit.path)
    listed = pd.DataFrame.from_records(
        units.values_list("pk", "code", "name", "path"), columns=["unit_id", "code", "name", "path"]
    )
    if listed.empty:
        return []
    now_cards, before_cards = _frames(user=user, now=now, before=before, unit=unit)
    compared = unit_comparison(now_cards, before_cards, units=listed, threshold=threshold)
    compared = compared.merge(listed, on="unit_id").sort_values("path")
    rows = []
    for _, row in compared.iterrows():
        rows.append(
            {
                "unit": row["code"],
                "unit_name": row["name"],
                "period": now.code,
                "baseline": before.code,
                **{
                    key: int(row[key])
                    for key in ("members_now", "members_before", "members_both", "up", "flat", "down")
                },
                "total": _value(row, "total", with_trend=False),
                "dimensions": {d: _value(row, d, with_trend=False) for d in DIMENSIONS},
                "paired_t_p": _plain(row["paired_t_p"]),
                "wilcoxon_p": _plain(row["wilcoxon_p"]),
            }
        )
    return rows
