"""The scoring engine: DESIGN.md rules 1–8 over whole DataFrames, no Django, no per-row Python.

The answer-level steps (rules 1 and 3) run on tens of millions of rows, so they group through one
int64 key per row (factorised member, indicator, role and rater codes packed together) and
`numpy.bincount`, rather than multi-column pandas groupbys. Everything after that works on at most
one row per member and indicator and role, and reads as ordinary pandas.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from reports.scoring.types import (
    ANSWER_COLUMNS,
    CATEGORY_WEIGHT_COLUMNS,
    DECISION_DECIMALS,
    INDICATOR_COLUMNS,
    MEMBER_COLUMNS,
    QUESTION_COLUMNS,
    ROLES,
    ScoringInputs,
    ScoringResult,
    decision_round,
)

SCORED_BY_PEOPLE = ("questionnaire", "rating")
OTHER_ROLES = tuple(role for role in ROLES if role != "self")


def score(inputs: ScoringInputs) -> ScoringResult:
    _require_columns(inputs)
    indicators = _indicators(inputs.indicators)
    members = inputs.members[list(MEMBER_COLUMNS)].drop_duplicates("member_id").reset_index(drop=True)

    per_rater = _per_rater_scores(inputs, indicators, members)
    role_scores = _role_scores(per_rater)
    rater_weights = {role: float(inputs.rater_weights.get(role, 0.0)) for role in ROLES}

    people_scores = _combine_roles(role_scores, rater_weights, roles=ROLES)
    kpi_scores = _kpi_scores(inputs, indicators, members)
    indicator_scores = pd.concat([people_scores, kpi_scores], ignore_index=True)

    dimension_scores = _dimension_scores(indicator_scores, indicators)
    cards = _cards(indicator_scores, dimension_scores, members, inputs)
    self_others = _self_vs_others(per_rater, role_scores, rater_weights, indicators)

    return ScoringResult(
        role_scores=role_scores.reset_index(drop=True),
        indicator_scores=indicator_scores.sort_values(["member_id", "indicator_id"]).reset_index(drop=True),
        dimension_scores=dimension_scores.reset_index(drop=True),
        cards=cards.reset_index(drop=True),
        self_others=self_others.reset_index(drop=True),
    )


# --- inputs -----------------------------------------------------------------------------------


def _require_columns(inputs: ScoringInputs) -> None:
    required = {
        "answers": (inputs.answers, ANSWER_COLUMNS),
        "questions": (inputs.questions, QUESTION_COLUMNS),
        "indicators": (inputs.indicators, INDICATOR_COLUMNS),
        "members": (inputs.members, MEMBER_COLUMNS),
        "category_weights": (inputs.category_weights, CATEGORY_WEIGHT_COLUMNS),
    }
    for name, (frame, columns) in required.items():
        missing = [column for column in columns if column not in frame.columns]
        if missing:
            raise ValueError(f"{name} lacks columns {missing}")


def _indicators(frame: pd.DataFrame) -> pd.DataFrame:
    indicators = frame[list(INDICATOR_COLUMNS)].copy()
    indicators["indicator_id"] = indicators["indicator_id"].astype("int64")
    indicators["weight"] = indicators["weight"].astype("float64")
    indicators["floor"] = pd.to_numeric(indicators["floor"], errors="coerce").astype("float64")
    indicators["target"] = pd.to_numeric(indicators["target"], errors="coerce").astype("float64")
    return indicators.drop_duplicates("indicator_id").reset_index(drop=True)


# --- rules 1 and 3: answers → one score per rater, then per role ---------------------------------


def _per_rater_scores(inputs: ScoringInputs, indicators: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """member_id, indicator_id, role, rater_key, score: each rater's mean over the questions he answered."""
    answers = inputs.answers
    empty = pd.DataFrame(
        {
            "member_id": pd.Series(dtype="int64"),
            "indicator_id": pd.Series(dtype="int64"),
            "role": pd.Series(dtype="object"),
            "rater_key": pd.Series(dtype="int64"),
            "score": pd.Series(dtype="float64"),
        }
    )
    if answers.empty:
        return empty

    # Questions that score: linked to a questionnaire or rating indicator (rule 1).
    people_indicators = indicators.loc[indicators["source"].isin(SCORED_BY_PEOPLE), "indicator_id"]
    questions = inputs.questions[list(QUESTION_COLUMNS)].dropna(subset=["indicator_id"])
    questions = questions[questions["indicator_id"].astype("int64").isin(people_indicators)]
    questions = questions.drop_duplicates("question_id").set_index("question_id")
    if questions.empty:
        return empty

    position = questions.index.get_indexer(answers["question_id"])
    member_position = pd.Index(members["member_id"]).get_indexer(answers["subject_id"])
    role_code = _role_codes(answers["role"])
    value = pd.to_numeric(answers["value"], errors="coerce").to_numpy(dtype="float64")
    keep = (position >= 0) & (member_position >= 0) & (role_code >= 0) & ~np.isnan(value)
    position, member_position, role_code, value = (
        position[keep],
        member_position[keep],
        role_code[keep],
        value[keep],
    )
    rater_key = answers["rater_key"].to_numpy(dtype="int64")[keep]

    lo = questions["lo"].to_numpy(dtype="float64")[position]
    hi = questions["hi"].to_numpy(dtype="float64")[position]
    reverse = questions["reverse"].to_numpy(dtype="bool")[position]
    indicator_id = questions["indicator_id"].to_numpy(dtype="int64")[position]

    reversed_value = np.where(reverse, lo + hi - value, value)
    normalised = (reversed_value - lo) / (hi - lo) * 100.0

    indicator_codes, indicator_uniques = pd.factorize(indicator_id)
    rater_codes, rater_uniques = pd.factorize(rater_key)
    n_indicators, n_raters, n_roles = len(indicator_uniques), len(rater_uniques), len(ROLES)
    # One int64 per (member, indicator, role, rater); the widths are the number of distinct values.
    key = ((member_position.astype("int64") * n_indicators + indicator_codes) * n_roles + role_code) * n_raters
    key = key + rater_codes
    groups, group_keys = pd.factorize(key)
    sums = np.bincount(groups, weights=normalised)
    counts = np.bincount(groups)

    group_keys = np.asarray(group_keys, dtype="int64")
    rater_code, rest = group_keys % n_raters, group_keys // n_raters
    role_of, rest = rest % n_roles, rest // n_roles
    indicator_code, member_of = rest % n_indicators, rest // n_indicators
    return pd.DataFrame(
        {
            "member_id": members["member_id"].to_numpy()[member_of],
            "indicator_id": np.asarray(indicator_uniques)[indicator_code],
            "role": np.asarray(ROLES, dtype=object)[role_of],
            "rater_key": np.asarray(rater_uniques)[rater_code],
            "score": sums / counts,
        }
    )


def _role_codes(roles: pd.Series) -> np.ndarray:
    """Each answer's position in ROLES (−1 for anything else), without a string per row when categorical."""
    if isinstance(roles.dtype, pd.CategoricalDtype):
        of_category = np.append(pd.Index(ROLES).get_indexer(roles.cat.categories), -1)
        return of_category[roles.cat.codes.to_numpy()]  # code −1 (missing) picks the appended −1
    return pd.Index(ROLES).get_indexer(roles)


def _role_scores(per_rater: pd.DataFrame) -> pd.DataFrame:
    """Rule 3: the mean over a role's raters, with how many raters there were."""
    grouped = per_rater.groupby(["member_id", "indicator_id", "role"], sort=True)["score"]
    frame = grouped.agg(score="mean", raters="count").reset_index()
    frame["raters"] = frame["raters"].astype("int64")
    return frame


# --- rule 4: roles → indicator ------------------------------------------------------------------


def _combine_roles(
    role_scores: pd.DataFrame, rater_weights: dict[str, float], *, roles: tuple[str, ...]
) -> pd.DataFrame:
    """Role scores weighted by rater weight, renormalised over the roles present (weight > 0)."""
    frame = role_scores[role_scores["role"].isin(roles)].copy()
    frame["weight"] = frame["role"].map(rater_weights).astype("float64")
    frame = frame[frame["weight"] > 0]
    return _weighted_mean(frame, by=["member_id", "indicator_id"], value="score", weight="weight")


def _weighted_mean(frame: pd.DataFrame, *, by: list[str], value: str, weight: str) -> pd.DataFrame:
    weighted = frame.assign(_product=frame[value] * frame[weight])
    sums = weighted.groupby(by, sort=True)[["_product", weight]].sum()
    result = (sums["_product"] / sums[weight]).rename("score").reset_index()
    return result.astype({column: "int64" for column in by if column.endswith("_id")})


# --- rule 2: KPI values --------------------------------------------------------------------------


def _kpi_score(value: pd.Series, floor: pd.Series, target: pd.Series) -> pd.Series:
    return ((value - floor) / (target - floor) * 100.0).clip(lower=0.0, upper=100.0)


def _kpi_scores(inputs: ScoringInputs, indicators: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """member_id, indicator_id, score for KPI indicators: the member's own value, else his posts'."""
    kpi = indicators.loc[indicators["source"] == "kpi", ["indicator_id", "floor", "target"]]
    columns = ["member_id", "indicator_id", "score"]
    measurements = inputs.measurements
    if kpi.empty or measurements.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "score" else "int64") for c in columns})
    measurements = measurements.assign(
        indicator_id=measurements["indicator_id"].astype("int64"),
        value=pd.to_numeric(measurements["value"], errors="coerce"),
    ).dropna(subset=["value"])
    member_ids = members["member_id"]

    own = measurements[measurements["subject_kind"] == "member"].rename(columns={"subject_id": "member_id"})
    own = own[own["member_id"].isin(member_ids)].merge(kpi, on="indicator_id")
    own = own.assign(score=_kpi_score(own["value"], own["floor"], own["target"]))
    own = own.groupby(["member_id", "indicator_id"], as_index=False)["score"].mean()

    posts = measurements[measurements["subject_kind"] == "post"].rename(columns={"subject_id": "post_id"})
    posts = posts.merge(kpi, on="indicator_id")
    if not inputs.post_targets.empty:
        targets = inputs.post_targets[["post_id", "indicator_id", "floor", "target"]].astype(
            {"indicator_id": "int64", "floor": "float64", "target": "float64"}
        )
        posts = posts.merge(targets, on=["post_id", "indicator_id"], how="left", suffixes=("", "_post"))
        has_own_target = posts["floor_post"].notna() & posts["target_post"].notna()
        posts["floor"] = posts["floor"].where(~has_own_target, posts["floor_post"])
        posts["target"] = posts["target"].where(~has_own_target, posts["target_post"])
    posts = posts.assign(score=_kpi_score(posts["value"], posts["floor"], posts["target"]))
    held = posts.merge(inputs.post_holders[["post_id", "member_id"]], on="post_id")
    held = held[held["member_id"].isin(member_ids)]
    held = held.groupby(["member_id", "indicator_id"], as_index=False)["score"].mean()
    held = held.merge(own[["member_id", "indicator_id"]], on=["member_id", "indicator_id"], how="left", indicator=True)
    held = held.loc[held["_merge"] == "left_only", columns]

    result = pd.concat([own[columns], held], ignore_index=True)
    return result.astype({"member_id": "int64", "indicator_id": "int64", "score": "float64"})


# --- rule 5: indicators → dimension -------------------------------------------------------------


def _dimension_scores(indicator_scores: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """member_id, dimension, score, coverage: weights renormalised over the indicators present."""
    frame = indicator_scores.merge(indicators[["indicator_id", "dimension", "weight"]], on="indicator_id")
    frame = frame[frame["weight"] > 0]
    scores = _weighted_mean(frame, by=["member_id", "dimension"], value="score", weight="weight")
    present = frame.groupby(["member_id", "dimension"], sort=True)["weight"].sum().rename("present").reset_index()
    totals = indicators.groupby("dimension")["weight"].sum().rename("dimension_weight").reset_index()
    scores = scores.merge(present, on=["member_id", "dimension"]).merge(totals, on="dimension")
    scores["coverage"] = (scores["present"] / scores["dimension_weight"]).clip(upper=1.0)
    return scores[["member_id", "dimension", "score", "coverage"]]


# --- rules 6–8: total, rank, grade --------------------------------------------------------------


def _cards(
    indicator_scores: pd.DataFrame,
    dimension_scores: pd.DataFrame,
    members: pd.DataFrame,
    inputs: ScoringInputs,
) -> pd.DataFrame:
    scored_members = members[members["member_id"].isin(indicator_scores["member_id"])]
    profile = inputs.category_weights[list(CATEGORY_WEIGHT_COLUMNS)].astype({"weight": "float64"})
    frame = dimension_scores.merge(scored_members[["member_id", "category_id"]], on="member_id")
    frame = frame.merge(profile, on=["category_id", "dimension"])
    frame = frame[frame["weight"] > 0]
    totals = _weighted_mean(frame, by=["member_id"], value="score", weight="weight").rename(columns={"score": "total"})
    coverage = frame.groupby("member_id")["weight"].sum().rename("coverage").reset_index()

    cards = scored_members[["member_id", "employee_no", "branch_id"]].merge(totals, on="member_id", how="left")
    cards = cards.merge(coverage, on="member_id", how="left")
    cards["coverage"] = cards["coverage"].fillna(0.0)
    cards["rank"], cards["grade"] = _rank_and_grade(cards, inputs.grades)
    return cards[["member_id", "total", "coverage", "rank", "grade"]].sort_values("member_id")


def _rank_and_grade(cards: pd.DataFrame, grades: list[tuple[str, float, float | None]]) -> tuple[pd.Series, pd.Series]:
    rounded = cards["total"].round(DECISION_DECIMALS)
    rank = rounded.groupby(cards["branch_id"]).rank(method="min", ascending=False).astype("Int64")

    ordered = sorted(grades, key=lambda grade: -grade[1])
    grade = pd.Series(None, index=cards.index, dtype="object")
    for label, minimum, _cap in reversed(ordered):  # best grade last, so it wins
        grade = grade.mask(rounded >= decision_round(minimum), label)
    grade = grade.where(rounded.notna(), None)

    if ordered and ordered[0][2] is not None and len(ordered) > 1:
        top_label, next_label, share = ordered[0][0], ordered[1][0], float(ordered[0][2])
        ranked = cards.assign(_rank=rank, _grade=grade)[rank.notna()]
        allowed = (ranked.groupby("branch_id")["member_id"].transform("size") * share + 1e-9).apply(math.floor)
        top = ranked[ranked["_grade"] == top_label].sort_values(["branch_id", "_rank", "employee_no"], kind="stable")
        # Code-point order of employee numbers: Python's own string order, which sort_values uses.
        position = top.groupby("branch_id").cumcount()
        demoted = top.index[position.to_numpy() >= allowed.loc[top.index].to_numpy()]
        grade.loc[demoted] = next_label
    return rank, grade


# --- self vs others (对标检查) --------------------------------------------------------------------


def _self_vs_others(
    per_rater: pd.DataFrame,
    role_scores: pd.DataFrame,
    rater_weights: dict[str, float],
    indicators: pd.DataFrame,
) -> pd.DataFrame:
    people = indicators[indicators["source"].isin(SCORED_BY_PEOPLE)]
    self_scores = _dimension_scores(_combine_roles(role_scores, rater_weights, roles=("self",)), people)
    others = _dimension_scores(_combine_roles(role_scores, rater_weights, roles=OTHER_ROLES), people)

    # The raters whose answers reached the others' score: a weighted role, a weighted indicator.
    contributing = per_rater[
        per_rater["role"].isin([role for role in OTHER_ROLES if rater_weights[role] > 0])
        & (per_rater["rater_key"] != per_rater["member_id"])
    ].merge(people.loc[people["weight"] > 0, ["indicator_id", "dimension"]], on="indicator_id")
    raters = (
        contributing.groupby(["member_id", "dimension"])["rater_key"].nunique().rename("others_raters").reset_index()
    )

    frame = self_scores.rename(columns={"score": "self_score"})[["member_id", "dimension", "self_score"]].merge(
        others.rename(columns={"score": "others_score"})[["member_id", "dimension", "others_score"]],
        on=["member_id", "dimension"],
        how="outer",
    )
    frame = frame.merge(raters, on=["member_id", "dimension"], how="left")
    frame["others_raters"] = frame["others_raters"].fillna(0).astype("int64")
    frame.loc[frame["others_score"].isna(), "others_raters"] = 0
    return frame.sort_values(["member_id", "dimension"])
