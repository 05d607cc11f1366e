"""Model posts on the article's three axes (DESIGN.md "Comparisons", last paragraph): pure pandas.

A post's period is compared with

- `previous_stage`: the stage before it (`Period.previous_stage`: 2025-Q2 → 2025-Q1, 2025-Q1 → 2024-Q4,
  2025-H1 → 2024-H2; an annual period's previous stage is the year before);
- `same_period_last_year`: the same stage a year earlier (2025-Q2 → 2024-Q2);
- `last_year`: last year's annual figure (2025-Q2 → 2024).

For an annual period the three axes name the same year, so they carry the same numbers. Each axis
is `{now, before, delta, pct, trend}` by `reports.comparison.compare_values` (the flat threshold and
rule 8's rounding included): the trend is None when either side is missing. The stage series is
always the quarters of the period's year beside those of the year before, whatever the period's
kind, so a half or a year still draws its quarter-by-quarter line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from indicators.periods import Period
from reports.comparison import DEFAULT_TREND_THRESHOLD, compare_values

AXES = ("previous_stage", "same_period_last_year", "last_year")
FIELDS = ("now", "before", "delta", "pct", "trend")


@dataclass(frozen=True)
class PostPeriods:
    """The period, what each axis compares it with, and the quarters of the two series."""

    period: Period
    previous_stage: Period
    same_period_last_year: Period
    last_year: Period
    series_now: tuple[Period, ...]
    series_before: tuple[Period, ...]

    @classmethod
    def of(cls, period: Period) -> PostPeriods:
        return cls(
            period=period,
            previous_stage=period.previous_stage(),
            same_period_last_year=period.same_period_last_year(),
            last_year=Period(period.year - 1),
            series_now=tuple(Period(period.year, "Q1").stages_of_year()),
            series_before=tuple(Period(period.year - 1, "Q1").stages_of_year()),
        )

    def baseline(self, axis: str) -> Period:
        baseline: Period = getattr(self, axis)
        return baseline

    @property
    def compared(self) -> list[str]:
        """The period and its axes' baselines, without repeats: whose data makes a post listed."""
        return list(dict.fromkeys([self.period.code, *(self.baseline(axis).code for axis in AXES)]))

    @property
    def everything(self) -> list[str]:
        """Every period the comparison reads: the compared ones and both series."""
        series = [p.code for p in (*self.series_now, *self.series_before)]
        return list(dict.fromkeys([*self.compared, *series]))


def wide_scores(frame: pd.DataFrame, *, key: list[str]) -> pd.DataFrame:
    """`key` columns + `period` + `score` (one row per key and period) → one row per key, one score
    column per period code. A row present with no score stays as NaN, so its key is kept."""
    if frame.empty:
        return pd.DataFrame(
            index=pd.MultiIndex.from_tuples([], names=key) if len(key) > 1 else pd.Index([], name=key[0])
        )
    wide = frame.set_index([*key, "period"])["score"].astype("float64").unstack("period")
    wide.columns.name = None
    return wide


def _column(wide: pd.DataFrame, period: Period) -> pd.Series:
    if period.code in wide.columns:
        return wide[period.code].astype("float64")
    return pd.Series(np.nan, index=wide.index, dtype="float64")


def compare_axes(
    wide: pd.DataFrame, periods: PostPeriods, *, threshold: float = DEFAULT_TREND_THRESHOLD
) -> pd.DataFrame:
    """One row per row of `wide` (see `wide_scores`): `now` and, for each axis,
    `<axis>_now`, `<axis>_before`, `<axis>_delta`, `<axis>_pct`, `<axis>_trend`."""
    now = _column(wide, periods.period)
    out = pd.DataFrame({"now": now}, index=wide.index)
    for axis in AXES:
        compared = compare_values(now, _column(wide, periods.baseline(axis)), threshold=threshold)
        for name in FIELDS:
            out[f"{axis}_{name}"] = compared[name]
    return out


def series_of(wide: pd.DataFrame, periods: PostPeriods) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The quarters of this year and of last year, one column each (NaN where not scored)."""
    now = pd.DataFrame({p.code: _column(wide, p) for p in periods.series_now}, index=wide.index)
    before = pd.DataFrame({p.code: _column(wide, p) for p in periods.series_before}, index=wide.index)
    return now, before
