"""Model posts' scores and their three-axis comparison, for the API, the posts page and the report.

`post_scores` is FORMATS.md `posts/scores/`; `post_comparisons` is `posts/comparisons/` and the
Excel report's 精品岗位 sheet. Both read the current official runs in the reader's scope
(`reports.selectors.posts`); `user=None` reads everything (commands and reports that have already
checked who asked). The comparison rules live in `reports.post_comparison`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from common.errors import DomainError, NotInScope
from indicators.periods import Period
from org.models import Unit
from reports.comparison import DEFAULT_TREND_THRESHOLD
from reports.post_comparison import AXES, FIELDS, PostPeriods, compare_axes, series_of, wide_scores
from reports.selectors.member import recency
from reports.selectors.posts import post_indicator_frames, post_score_frames
from reports.selectors.scores import unit_in_scope

INDICATOR_VALUES = ("value", "floor", "target", "completion", "score", "weight")


def plain(value: Any) -> Any:
    """A plain Python value for JSON and Excel: None for NaN/NA, floats and ints out of NumPy."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def parse_period(period: str) -> Period:
    try:
        return Period.parse(period)
    except ValueError as exc:
        raise DomainError(str(exc)) from None


def scoped_unit(*, user: Any, unit_code: str | None) -> Unit | None:
    """The unit a `unit=` filter names; unknown, or outside the user's scope, is not found."""
    if not unit_code:
        return None
    if user is not None:
        return unit_in_scope(user=user, code=unit_code)
    unit = Unit.objects.filter(code=unit_code).first()
    if unit is None:
        raise NotInScope(f"组织 {unit_code} 不存在 (no such unit)")
    return unit


def _latest_first(frame: pd.DataFrame, first: str) -> pd.DataFrame:
    """Rows of the period `first` before the others, the others latest first: the row a post (or an
    indicator) is described by is the one of the period asked for, else its most recent one."""
    rank = frame["period"].map(lambda code: (code == first, recency(Period.parse(code))))
    return frame.assign(_rank=rank).sort_values("_rank", ascending=False, kind="stable").drop(columns="_rank")


def _indicator_row(row: pd.Series) -> dict[str, Any]:
    return {
        "code": row["code"],
        "name": row["indicator_name"],
        "unit": row["measure_unit"] or "",
        **{name: plain(row[name]) for name in INDICATOR_VALUES},
    }


def post_scores(*, user: Any, period: str, unit_code: str | None = None) -> list[dict[str, Any]]:
    """FORMATS.md `posts/scores/`: one row per model post scored in the period, in scope, ordered by
    unit path then post code; each with its indicators in the system's order."""
    code = parse_period(period).code
    unit = scoped_unit(user=user, unit_code=unit_code)
    posts = post_score_frames(periods=[code], unit=unit, user=user)
    indicators = post_indicator_frames(periods=[code], unit=unit, user=user)
    by_post = dict(list(indicators.groupby("post_id", sort=False)))
    rows = []
    for _, post in _in_unit_order(posts).iterrows():
        listed = by_post.get(post["post_id"], indicators.iloc[0:0])
        rows.append(
            {
                "post": post["post"],
                "name": post["name"],
                "unit": post["unit"],
                "unit_name": post["unit_name"],
                "period": code,
                "score": plain(post["score"]),
                "indicators": [_indicator_row(row) for _, row in listed.iterrows()],
            }
        )
    return rows


def _in_unit_order(frame: pd.DataFrame) -> pd.DataFrame:
    # Code-point order in Python: the same on SQLite and on PostgreSQL whatever its collation.
    return frame.sort_values(["unit_path", "post"], kind="stable")


def _axes(row: pd.Series) -> dict[str, dict[str, Any]]:
    return {axis: {name: plain(row[f"{axis}_{name}"]) for name in FIELDS} for axis in AXES}


def post_comparisons(
    *, user: Any, period: str, unit_code: str | None = None, threshold: float = DEFAULT_TREND_THRESHOLD
) -> list[dict[str, Any]]:
    """Each model post in scope on the three axes (see `reports.post_comparison`), for its score and
    for each of its indicators (compared on the indicator score, which already points the right way
    for a lower-is-better KPI; indicators are matched by code across years).

    One dict per post that has a score row in the period or in one of its comparison periods,
    ordered by unit path then post code (the unit as scored: in the period where the post has a row
    there, else its latest comparison period):

        post, name, unit, unit_name, period, score (None when not scored in the period),
        previous_stage / same_period_last_year / last_year: {now, before, delta, pct, trend},
        series: {periods_now: [year's Q1..Q4], now: [4 scores or None], periods_before, before},
        indicators: [{code, name, unit (measurement unit), value, floor, target, completion, score,
                      weight, previous_stage, same_period_last_year, last_year}]

    For an annual period `previous_stage` is the previous year, the same as `last_year` and
    `same_period_last_year`; the series is still the quarters of that year and the year before.
    Every number is a plain float or None, never NaN.
    """
    periods = PostPeriods.of(parse_period(period))
    unit = scoped_unit(user=user, unit_code=unit_code)
    scores = post_score_frames(periods=periods.everything, unit=unit, user=user)
    compared_scores = scores[scores["period"].isin(periods.compared)]
    if compared_scores.empty:
        return []
    wide = wide_scores(scores, key=["post_id"])
    listed = wide.index.isin(compared_scores["post_id"].unique())
    axes = compare_axes(wide[listed], periods, threshold=threshold)
    series_now, series_before = series_of(wide[listed], periods)
    described = _latest_first(compared_scores, periods.period.code).drop_duplicates("post_id")

    indicators = post_indicator_frames(periods=periods.compared, unit=unit, user=user)
    indicator_axes = compare_axes(wide_scores(indicators, key=["post_id", "code"]), periods, threshold=threshold)
    now_rows = indicators[indicators["period"] == periods.period.code].set_index(["post_id", "code"])
    indicator_names = _latest_first(indicators, periods.period.code).drop_duplicates(["post_id", "code"])
    indicator_names = indicator_names.sort_values(["dimension_order", "indicator_order", "code"], kind="stable")
    indicators_of = dict(list(indicator_names.groupby("post_id", sort=False)))

    rows = []
    for _, post in _in_unit_order(described).iterrows():
        post_id = post["post_id"]
        listed_indicators = []
        for _, indicator in indicators_of.get(post_id, indicator_names.iloc[0:0]).iterrows():
            key = (post_id, indicator["code"])
            current = now_rows.loc[key] if key in now_rows.index else None
            listed_indicators.append(
                {
                    "code": indicator["code"],
                    "name": indicator["indicator_name"],
                    "unit": indicator["measure_unit"] or "",
                    **{name: None if current is None else plain(current[name]) for name in INDICATOR_VALUES},
                    **_axes(indicator_axes.loc[key]),
                }
            )
        rows.append(
            {
                "post": post["post"],
                "name": post["name"],
                "unit": post["unit"],
                "unit_name": post["unit_name"],
                "period": periods.period.code,
                "score": plain(axes.at[post_id, "now"]),
                **_axes(axes.loc[post_id]),
                "series": {
                    "periods_now": [p.code for p in periods.series_now],
                    "now": [plain(v) for v in series_now.loc[post_id]],
                    "periods_before": [p.code for p in periods.series_before],
                    "before": [plain(v) for v in series_before.loc[post_id]],
                },
                "indicators": listed_indicators,
            }
        )
    return rows
