"""Model posts' scores for one period (DESIGN.md "Scoring" rule 2 and "Model posts"): pure pandas.

For each model post and KPI indicator of the period's system:

- **Target.** The post's own floor and target for the period (a `PostTarget`, the branch's target
  task) where set; else the indicator's own floor and target. This is the same target DESIGN.md rule 2
  gives the post's holders ("that post's floor and target for the period where set, else the
  indicator's"), so a holder who takes his KPI score from the post gets exactly the post's indicator
  score, and an annual figure without its own target task still scores against the system's.
- **Which indicators a post has.** Those the post has a value for in the period, and those the
  branch set a target task for in the period even without a value yet (value None, score None: "no
  data yet"). The indicator's own target alone does not make it the post's: otherwise every post
  would list every KPI of the system.
- **Indicator score.** `s = clamp((a − f) / (t − f) × 100, 0, 100)` (lower is better when f > t);
  None without a value or a usable target (t = f or either missing). Completion = a / t as a ratio,
  None when t is 0 or either is missing.
- **Post score.** The indicator scores combined with the indicators' weights renormalised over the
  indicators scored; an indicator with weight 0 is never present (rule 6). None when nothing is
  scored. Each row's `weight` is its share of the post score (summing to 1 over the scored
  indicators; 0 for one not scored).

Only the period's own data counts: nothing falls back from another period.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from reports.scoring.types import DECISION_DECIMALS

POST_COLUMNS = ("post_id", "unit_id")
INDICATOR_ROW_COLUMNS = ("post_id", "indicator_id", "value", "floor", "target", "completion", "score", "weight")
POST_SCORE_COLUMNS = ("post_id", "unit_id", "score")


@dataclass
class PostScoring:
    """indicators: one row per post and indicator (INDICATOR_ROW_COLUMNS); posts: one row per model post
    with at least one indicator row (POST_SCORE_COLUMNS), score NaN where nothing was scored."""

    indicators: pd.DataFrame
    posts: pd.DataFrame


def kpi_score(value: pd.Series, floor: pd.Series, target: pd.Series) -> pd.Series:
    """Rule 2, vectorised. A target equal to its floor scores nothing rather than dividing by zero."""
    span = (target - floor).where(target.round(DECISION_DECIMALS) != floor.round(DECISION_DECIMALS))
    return ((value - floor) / span * 100.0).clip(lower=0.0, upper=100.0)


def completion_of(value: pd.Series, target: pd.Series) -> pd.Series:
    """actual / target; None (NaN) where the target is 0 or either side is missing."""
    usable = target.notna() & (target.round(DECISION_DECIMALS) != 0)
    return (value / target.where(usable)).where(usable & value.notna())


def _empty() -> PostScoring:
    indicators = pd.DataFrame(
        {c: pd.Series(dtype="int64" if c.endswith("_id") else "float64") for c in INDICATOR_ROW_COLUMNS}
    )
    posts = pd.DataFrame({c: pd.Series(dtype="int64" if c.endswith("_id") else "float64") for c in POST_SCORE_COLUMNS})
    return PostScoring(indicators=indicators, posts=posts)


def score_posts(
    *, posts: pd.DataFrame, indicators: pd.DataFrame, measurements: pd.DataFrame, post_targets: pd.DataFrame
) -> PostScoring:
    """Score the model posts of one period.

    posts:        post_id, unit_id — the model posts (others' values and targets are ignored).
    indicators:   indicator_id, weight, source, floor, target — the period's system.
    measurements: subject_kind ("member" | "post"), subject_id, indicator_id, value — the period's.
    post_targets: post_id, indicator_id, floor, target — the period's target tasks.
    """
    if posts.empty:
        return _empty()
    kpi = indicators.loc[indicators["source"] == "kpi", ["indicator_id", "weight", "floor", "target"]]
    kpi = kpi.astype({"indicator_id": "int64"}).drop_duplicates("indicator_id")
    kpi = kpi.assign(
        **{c: pd.to_numeric(kpi[c], errors="coerce").astype("float64") for c in ("weight", "floor", "target")}
    )
    model_posts = posts[list(POST_COLUMNS)].astype("int64").drop_duplicates("post_id")

    values = measurements[measurements["subject_kind"] == "post"]
    values = pd.DataFrame(
        {
            "post_id": values["subject_id"].astype("int64"),
            "indicator_id": values["indicator_id"].astype("int64"),
            "value": pd.to_numeric(values["value"], errors="coerce").astype("float64"),
        }
    ).dropna(subset=["value"])
    targets = post_targets[["post_id", "indicator_id", "floor", "target"]]
    targets = pd.DataFrame(
        {
            "post_id": targets["post_id"].astype("int64"),
            "indicator_id": targets["indicator_id"].astype("int64"),
            "floor_post": pd.to_numeric(targets["floor"], errors="coerce").astype("float64"),
            "target_post": pd.to_numeric(targets["target"], errors="coerce").astype("float64"),
        }
    ).dropna(subset=["floor_post", "target_post"])

    keys = ["post_id", "indicator_id"]
    rows = values.merge(targets, on=keys, how="outer")
    rows = rows[rows["post_id"].isin(model_posts["post_id"])].merge(kpi, on="indicator_id")
    if rows.empty:
        return _empty()
    own = rows["floor_post"].notna()
    rows["floor"] = rows["floor_post"].where(own, rows["floor"])
    rows["target"] = rows["target_post"].where(own, rows["target"])
    rows["score"] = kpi_score(rows["value"], rows["floor"], rows["target"])
    rows["completion"] = completion_of(rows["value"], rows["target"])

    present = rows["score"].notna() & (rows["weight"] > 0)
    present_weight = rows["weight"].where(present, 0.0)
    weight_sum = present_weight.groupby(rows["post_id"]).transform("sum")
    rows["weight"] = (present_weight / weight_sum.where(weight_sum > 0)).fillna(0.0)
    rows["weighted"] = rows["score"].where(present, 0.0) * rows["weight"]

    totals = rows.groupby("post_id").agg(weighted=("weighted", "sum"), share=("weight", "sum"))
    totals["score"] = totals["weighted"].where(totals["share"] > 0)
    scored = model_posts.merge(totals["score"].reset_index(), on="post_id")

    indicator_rows = rows[list(INDICATOR_ROW_COLUMNS)].sort_values(keys).reset_index(drop=True)
    post_rows = scored[list(POST_SCORE_COLUMNS)].sort_values("post_id").reset_index(drop=True)
    return PostScoring(
        indicators=indicator_rows.astype({"post_id": "int64", "indicator_id": "int64"}),
        posts=post_rows.astype({"post_id": "int64", "unit_id": "int64", "score": "float64"}),
    )
