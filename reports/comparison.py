"""Comparing a period with its baseline (DESIGN.md "Comparisons"): pure functions over DataFrames.

Members: for the total and each dimension, `now`, `before`, `delta = now − before`,
`pct = delta / before × 100` (none when before is missing or 0) and `trend` (flat when |delta| is
below the threshold; at exactly the threshold it moves), compared on values rounded to 9 decimals.
Units: means over the members scored in each period in the unit's subtree, members up/flat/down,
and a paired t-test and a Wilcoxon signed-rank test on the totals of the members present in both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from reports.scoring.types import DECISION_DECIMALS, DIMENSIONS, decision_round

MEASURES = ("total", *DIMENSIONS)
DEFAULT_TREND_THRESHOLD = 1.0


def trend_of(delta: pd.Series, threshold: float = DEFAULT_TREND_THRESHOLD) -> pd.Series:
    """`up`, `down` or `flat`; None where the delta is missing."""
    rounded = delta.astype("float64").round(DECISION_DECIMALS)
    limit = decision_round(threshold)
    up = (rounded >= limit) & (rounded > 0)  # a zero delta is flat whatever the threshold
    down = (rounded <= -limit) & (rounded < 0)
    trend = pd.Series(np.where(up, "up", np.where(down, "down", "flat")), index=delta.index)
    return trend.astype(object).where(rounded.notna(), None)


def compare_values(now: pd.Series, before: pd.Series, *, threshold: float = DEFAULT_TREND_THRESHOLD) -> pd.DataFrame:
    now = now.astype("float64")
    before = before.astype("float64")
    delta = now - before
    has_base = before.notna() & (before.round(DECISION_DECIMALS) != 0)
    pct = (delta / before.where(has_base) * 100.0).where(has_base)
    return pd.DataFrame({"now": now, "before": before, "delta": delta, "pct": pct, "trend": trend_of(delta, threshold)})


def member_comparison(
    now_cards: pd.DataFrame, before_cards: pd.DataFrame, *, threshold: float = DEFAULT_TREND_THRESHOLD
) -> pd.DataFrame:
    """One row per member scored in either period.

    Inputs: `member_id` plus the MEASURES columns (and any descriptive columns, taken from the
    current period where present). Output columns: member_id, status (`both`, `new`, `left`), and
    for each measure `<measure>_now`, `_before`, `_delta`, `_pct`, `_trend`.
    """
    now = now_cards.set_index("member_id")
    before = before_cards.set_index("member_id")
    index = now.index.union(before.index)
    frame = pd.DataFrame(index=index)
    in_now, in_before = index.isin(now.index), index.isin(before.index)
    frame["status"] = np.where(in_now & in_before, "both", np.where(in_now, "new", "left"))
    for measure in MEASURES:
        values = compare_values(
            now[measure].reindex(index) if measure in now else pd.Series(np.nan, index=index),
            before[measure].reindex(index) if measure in before else pd.Series(np.nan, index=index),
            threshold=threshold,
        )
        for column in values.columns:
            frame[f"{measure}_{column}"] = values[column]
    frame.index.name = "member_id"
    return frame.reset_index()


def _ancestor_rows(cards: pd.DataFrame) -> pd.DataFrame:
    """cards × every unit on their unit's path: (unit_id, member_id, measures…)."""
    ancestor_ids = cards["unit_path"].str.strip("/").str.split("/")
    exploded = cards.assign(unit_id=ancestor_ids).explode("unit_id")
    exploded["unit_id"] = exploded["unit_id"].astype("int64")
    return exploded


def _paired_tests(differences: pd.Series) -> tuple[float | None, float | None]:
    values = differences.dropna().to_numpy(dtype="float64")
    if len(values) < 2 or np.all(np.round(values, DECISION_DECIMALS) == 0):
        return None, None
    t_p = stats.ttest_rel(values, np.zeros_like(values)).pvalue
    try:
        w_p = stats.wilcoxon(values).pvalue
    except ValueError:  # SciPy refuses when every difference is zero after its own zero handling
        w_p = np.nan
    return (None if np.isnan(t_p) else float(t_p)), (None if np.isnan(w_p) else float(w_p))


def unit_comparison(
    now_cards: pd.DataFrame,
    before_cards: pd.DataFrame,
    *,
    units: pd.DataFrame,
    threshold: float = DEFAULT_TREND_THRESHOLD,
) -> pd.DataFrame:
    """One row per unit in `units` (unit_id …): the unit's subtree in each period as scored then.

    Cards need member_id, unit_path and the MEASURES columns. Output: unit_id, members_now,
    members_before, members_both, up, flat, down, `<measure>_now/_before/_delta` and paired_t_p,
    wilcoxon_p.
    """
    now_rows = _ancestor_rows(now_cards)
    before_rows = _ancestor_rows(before_cards)
    result = units[["unit_id"]].copy().set_index("unit_id")
    result["members_now"] = now_rows.groupby("unit_id")["member_id"].nunique()
    result["members_before"] = before_rows.groupby("unit_id")["member_id"].nunique()
    for measure in MEASURES:
        result[f"{measure}_now"] = now_rows.groupby("unit_id")[measure].mean()
        result[f"{measure}_before"] = before_rows.groupby("unit_id")[measure].mean()
        result[f"{measure}_delta"] = result[f"{measure}_now"] - result[f"{measure}_before"]

    # Members present in both periods count in a unit when they were in it in the current period.
    totals_before = before_cards.set_index("member_id")["total"]
    both = now_rows[now_rows["member_id"].isin(before_cards["member_id"])].copy()
    both["difference"] = both["total"] - both["member_id"].map(totals_before)
    both["trend"] = trend_of(both["difference"], threshold)
    result["members_both"] = both.groupby("unit_id")["member_id"].nunique()
    for trend in ("up", "flat", "down"):
        result[trend] = both[both["trend"] == trend].groupby("unit_id")["member_id"].nunique()
    counts = ["members_now", "members_before", "members_both", "up", "flat", "down"]
    result[counts] = result[counts].fillna(0).astype("int64")

    # The tests only for the units asked about: a whole organisation has thousands of 党小组.
    asked = both[both["unit_id"].isin(result.index)]
    tests = {unit: _paired_tests(group["difference"]) for unit, group in asked.groupby("unit_id")}
    # object dtype: "no test" stays None rather than becoming NaN like a failed computation.
    for position, column in enumerate(("paired_t_p", "wilcoxon_p")):
        result[column] = pd.Series(
            [tests.get(unit, (None, None))[position] for unit in result.index], index=result.index, dtype=object
        )
    return result.reset_index()


@dataclass
class SystemChanges:
    added: list[dict[str, object]] = field(default_factory=list)
    removed: list[dict[str, object]] = field(default_factory=list)
    reweighted: list[dict[str, object]] = field(default_factory=list)
    moved: list[dict[str, object]] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.reweighted or self.moved)


def system_changes(now_indicators: pd.DataFrame, before_indicators: pd.DataFrame) -> SystemChanges:
    """What changed between two systems' indicators (code, name, dimension, weight), matched by code."""
    now = now_indicators.set_index("code")
    before = before_indicators.set_index("code")
    changes = SystemChanges()
    for code in now.index.difference(before.index):
        changes.added.append({"code": code, "name": now.at[code, "name"], "dimension": now.at[code, "dimension"]})
    for code in before.index.difference(now.index):
        changes.removed.append(
            {"code": code, "name": before.at[code, "name"], "dimension": before.at[code, "dimension"]}
        )
    for code in now.index.intersection(before.index):
        if now.at[code, "dimension"] != before.at[code, "dimension"]:
            changes.moved.append(
                {
                    "code": code,
                    "name": now.at[code, "name"],
                    "from": before.at[code, "dimension"],
                    "to": now.at[code, "dimension"],
                }
            )
        if decision_round(now.at[code, "weight"]) != decision_round(before.at[code, "weight"]):
            changes.reweighted.append(
                {
                    "code": code,
                    "name": now.at[code, "name"],
                    "before": float(before.at[code, "weight"]),
                    "now": float(now.at[code, "weight"]),
                }
            )
    return changes
