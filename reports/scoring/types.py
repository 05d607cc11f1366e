"""The engine's inputs and outputs: plain DataFrames with fixed columns, no Django.

Keys are integers. Anonymous (masses) raters are keyed by the negative id of their response, so each
anonymous form is a rater of its own (DESIGN.md rule 1) and never collides with a member id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

ROLES = ("self", "peer", "secretary", "masses")
DIMENSIONS = ("performance", "execution", "wisdom", "culture", "team", "belief")
DECISION_DECIMALS = 9  # rule 8: ranks, grades, trends and thresholds compare values rounded to this

# Column sets of each input frame. Extra columns are ignored; missing ones are an error.
ANSWER_COLUMNS = ("subject_id", "rater_key", "role", "question_id", "value")
QUESTION_COLUMNS = ("question_id", "indicator_id", "lo", "hi", "reverse")
INDICATOR_COLUMNS = ("indicator_id", "code", "dimension", "weight", "source", "floor", "target")
MEMBER_COLUMNS = ("member_id", "employee_no", "branch_id", "category_id")
CATEGORY_WEIGHT_COLUMNS = ("category_id", "dimension", "weight")
MEASUREMENT_COLUMNS = ("subject_kind", "subject_id", "indicator_id", "value")
POST_TARGET_COLUMNS = ("post_id", "indicator_id", "floor", "target")
POST_HOLDER_COLUMNS = ("post_id", "member_id")


def empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype="object") for name in columns})


@dataclass
class ScoringInputs:
    """Everything one period's scoring needs.

    answers:       one row per submitted answer that carries a number — subject_id (member),
                   rater_key (member id, or −response id for an anonymous form), role (one of ROLES),
                   question_id, value (raw, on the question's scale). Text answers are not here.
    questions:     question_id, indicator_id (None/NaN: scores nothing), lo, hi, reverse (bool).
    indicators:    indicator_id, code, dimension (one of DIMENSIONS), weight (inside the dimension),
                   source ("questionnaire" | "rating" | "kpi"), floor, target (KPI only, else NaN).
    members:       member_id, employee_no (str), branch_id (the 党支部 he ranks in), category_id.
    category_weights: category_id, dimension, weight.
    rater_weights: role → weight.
    grades:        (label, min_score, max_share or None), any order; only the top grade may cap.
    measurements:  subject_kind ("member" | "post"), subject_id, indicator_id, value.
    post_targets:  post_id, indicator_id, floor, target (the post's own, for this period).
    post_holders:  post_id, member_id (model posts only).
    """

    answers: pd.DataFrame
    questions: pd.DataFrame
    indicators: pd.DataFrame
    members: pd.DataFrame
    category_weights: pd.DataFrame
    rater_weights: dict[str, float]
    grades: list[tuple[str, float, float | None]]
    measurements: pd.DataFrame = field(default_factory=lambda: empty(MEASUREMENT_COLUMNS))
    post_targets: pd.DataFrame = field(default_factory=lambda: empty(POST_TARGET_COLUMNS))
    post_holders: pd.DataFrame = field(default_factory=lambda: empty(POST_HOLDER_COLUMNS))


@dataclass
class ScoringResult:
    """What the engine returns. Every score is on 0–100 at full precision.

    role_scores:      member_id, indicator_id, role, score, raters (distinct raters counted) —
                      rule 3, questionnaire and rating indicators only.
    indicator_scores: member_id, indicator_id, score — rule 4 for questionnaire/rating, rule 2 for KPI;
                      only indicators that have a score.
    dimension_scores: member_id, dimension, score, coverage — rule 5; only dimensions with a score.
    cards:            member_id, total (NaN when no dimension with profile weight > 0 is present),
                      coverage, rank (Int64, <NA> without total), grade (label or None) — one row per
                      member with at least one indicator score (rule 6).
    self_others:      member_id, dimension, self_score, others_score, others_raters (distinct raters
                      other than the member in the other roles) — the 对标检查 figures; NaN where none.
    """

    role_scores: pd.DataFrame
    indicator_scores: pd.DataFrame
    dimension_scores: pd.DataFrame
    cards: pd.DataFrame
    self_others: pd.DataFrame


def decision_round(value: float) -> float:
    """Rule 8's rounding for one value: NumPy's, exactly as the engine and comparisons round whole
    columns (pandas' `.round` is `numpy.round`), so a scalar and a column never decide differently at
    a half-way point such as 59.9999999995."""
    return float(np.round(float(value), DECISION_DECIMALS))
