"""Empirical analysis of a questionnaire (实证分析, DESIGN.md "Empirical analysis"): item statistics,
reliability per dimension and the correlations between dimensions. Pure NumPy and pandas over
frames the selectors read; no database, no Django.

Decisions, printed in the workbook's notes sheet as well:

- A *respondent* is one submitted response: one rater's answers about one subject in one role (an
  anonymous masses form is a response of its own). The same member rated by five peers gives five rows.
- Items are the scored-type questions (likert, choice, number). Values are *keyed*: a reverse-keyed
  item is turned round first, v' = lo + hi − v, so the high end is always the favourable one. Mean,
  sd, the distribution, ceiling (share at hi) and floor (share at lo) are on keyed values in the
  item's own scale units; the missing share is 1 − n / respondents.
- Reliability (Cronbach's alpha, corrected item-total correlation, alpha if the item were deleted)
  works per dimension over the items of the dimension's indicators, on the normalised 0–100 scores
  s = (v' − lo) / (hi − lo) × 100 of scoring rule 1, so that items on different scales weigh alike
  (on a common scale this is the same alpha as on raw values). Listwise: only respondents who
  answered every item of the dimension; alpha-if-deleted and item-total use that same sample.
  Variances and covariances with ddof = 1.
- A respondent's dimension score, for the correlation matrix, is the mean of his normalised item
  scores in that dimension (missing answers skipped). That is the questionnaire alone, at the same
  unit of analysis as alpha: no weights, no KPIs, no scoring run needed, so it can be looked at before
  the indicator system is trusted. Pearson correlations over the respondents with both scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

ALPHA_MIN = 0.7
ITEM_TOTAL_MIN = 0.3
CEILING_MAX = 0.8
MISSING_MAX = 0.2
# Thresholds compare values rounded to 9 decimals (DESIGN.md rule 8): 4/5 is 0.8, never just above it.
DECIMALS = 9

FLAG_ALPHA = "alpha_low"
FLAG_ITEM_TOTAL = "item_total_low"
FLAG_CEILING = "ceiling"
FLAG_MISSING = "missing"
FLAG_THRESHOLDS = {
    FLAG_ALPHA: ALPHA_MIN,
    FLAG_ITEM_TOTAL: ITEM_TOTAL_MIN,
    FLAG_CEILING: CEILING_MAX,
    FLAG_MISSING: MISSING_MAX,
}

# What `analyze` expects of its inputs.
QUESTION_COLUMNS = [
    "question_id", "code", "text", "type", "lo", "hi", "reverse", "order", "indicator", "dimension", "discrete",
]  # fmt: skip
ITEM_COLUMNS = [
    "question_id", "code", "text", "type", "indicator", "dimension", "lo", "hi", "reverse", "order",
    "n", "missing_share", "mean", "sd", "ceiling_share", "floor_share", "item_total", "alpha_if_deleted",
    "flag_item_total", "flag_ceiling", "flag_missing",
]  # fmt: skip
DIMENSION_COLUMNS = ["dimension", "items", "n_complete", "alpha", "flag_alpha"]
DISTRIBUTION_COLUMNS = ["question_id", "code", "point", "count", "share"]
FLAG_COLUMNS = ["level", "dimension", "code", "flag", "value", "threshold"]


# ── the formulas ─────────────────────────────────────────────────────────────────────────────────


def _covariance(matrix: np.ndarray) -> np.ndarray:
    return np.atleast_2d(np.cov(matrix, rowvar=False, ddof=1))


def cronbach_alpha(matrix: np.ndarray) -> float:
    """k/(k−1) × (1 − Σ item variances / variance of the sum), ddof = 1, over complete rows.
    NaN with fewer than two items or two rows, or when the sum does not vary."""
    data = np.asarray(matrix, dtype=float)
    data = data[~np.isnan(data).any(axis=1)]
    n, k = data.shape
    if k < 2 or n < 2:
        return float("nan")
    cov = _covariance(data)
    total = cov.sum()
    if total <= 0:
        return float("nan")
    return float(k / (k - 1) * (1 - np.trace(cov) / total))


def item_statistics(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column of a complete matrix: the corrected item-total correlation (the item against the sum
    of the other items) and alpha if the item were deleted, both from one covariance matrix."""
    data = np.asarray(matrix, dtype=float)
    n, k = data.shape
    nan = np.full(k, np.nan)
    if k < 2 or n < 2:
        return nan, nan.copy()
    cov = _covariance(data)
    item_var = np.diag(cov)
    row_sum = cov.sum(axis=1)
    total = cov.sum()
    # var(T − x_i) = var(T) − 2 cov(x_i, T) + var(x_i); cov(x_i, T − x_i) = cov(x_i, T) − var(x_i)
    rest_var = total - 2 * row_sum + item_var
    rest_cov = row_sum - item_var
    with np.errstate(divide="ignore", invalid="ignore"):
        denominator = np.sqrt(item_var * rest_var)
        item_total = np.where(denominator > 0, rest_cov / denominator, np.nan)
        if k >= 3:
            alpha_deleted = np.where(
                rest_var > 0, (k - 1) / (k - 2) * (1 - (np.trace(cov) - item_var) / rest_var), np.nan
            )
        else:
            alpha_deleted = nan.copy()
    return item_total.astype(float), alpha_deleted.astype(float)


def keyed_values(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, reverse: np.ndarray) -> np.ndarray:
    """Reverse keys applied: v' = lo + hi − v where `reverse` (all arrays aligned, one entry per answer)."""
    return np.where(reverse, lo + hi - values, values)


def normalised_scores(keyed: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Scoring rule 1 on keyed values: (v' − lo) / (hi − lo) × 100."""
    return (keyed - lo) / (hi - lo) * 100


def _below(value: float, threshold: float) -> bool:
    return bool(np.isfinite(value) and round(value, DECIMALS) < threshold)


def _above(value: float, threshold: float) -> bool:
    return bool(np.isfinite(value) and round(value, DECIMALS) > threshold)


# ── the analysis ─────────────────────────────────────────────────────────────────────────────────


@dataclass
class Analysis:
    respondents: int
    items: pd.DataFrame
    distribution: pd.DataFrame
    dimensions: pd.DataFrame
    correlations: pd.DataFrame
    flags: pd.DataFrame


@dataclass
class _Answers:
    """The sample's answers as aligned arrays, one entry per answer: the respondent's row, the
    question's position, the keyed value and its 0–100 score."""

    rows: np.ndarray
    columns: np.ndarray
    keyed: np.ndarray
    scores: np.ndarray


def _positions(respondents: pd.Index, answers: pd.DataFrame, questions: pd.DataFrame) -> _Answers:
    rows = respondents.get_indexer(answers["response_id"])
    columns = pd.Index(questions["question_id"]).get_indexer(answers["question_id"])
    known = (rows >= 0) & (columns >= 0)  # an answer outside the sample counts for nothing
    rows, columns = rows[known], columns[known]
    lo = questions["lo"].to_numpy(dtype=float)[columns]
    hi = questions["hi"].to_numpy(dtype=float)[columns]
    reverse = questions["reverse"].to_numpy(dtype=bool)[columns]
    keyed = keyed_values(answers["value"].to_numpy(dtype=float)[known], lo, hi, reverse)
    return _Answers(rows=rows, columns=columns, keyed=keyed, scores=normalised_scores(keyed, lo, hi))


def _dense_matrix(sample: _Answers, *, respondents: int, columns: np.ndarray) -> np.ndarray:
    """Respondents × the given question positions of 0–100 scores, NaN where not answered."""
    local = pd.Index(columns).get_indexer(sample.columns)
    picked = local >= 0
    matrix = np.full((respondents, len(columns)), np.nan)
    matrix[sample.rows[picked], local[picked]] = sample.scores[picked]
    return matrix


def analyze(
    *, respondents: pd.Index, answers: pd.DataFrame, questions: pd.DataFrame, dimension_order: list[str]
) -> Analysis:
    """The whole analysis of one sample.

    `respondents`: the response ids analysed (every one counts for the missing share, even one
    without any answer). `answers`: response_id, question_id, value (numeric answers only).
    `questions`: QUESTION_COLUMNS, in the order to show them; `dimension` None for an item linked to
    no indicator (it gets item statistics only). `dimension_order`: the dimension keys to report.

    Item statistics are sums over the answers as they come (one pass of `bincount` each), never a
    respondents × questions matrix: at a year's scale that matrix would be gigabytes. Only the
    reliability of one dimension at a time needs its respondents × items matrix.
    """
    questions = questions.reset_index(drop=True)
    total = len(respondents)
    sample = _positions(respondents, answers, questions)
    items = questions[[c for c in QUESTION_COLUMNS if c != "discrete"]].copy()
    _item_statistics(items, sample, total)

    dimension_rows = []
    for key in dimension_order:
        members = questions.index[questions["dimension"] == key]
        if len(members) == 0:
            continue
        matrix = _dense_matrix(sample, respondents=total, columns=members.to_numpy())
        complete = matrix[~np.isnan(matrix).any(axis=1)]
        item_total, alpha_deleted = item_statistics(complete)
        items.loc[members, "item_total"] = item_total
        items.loc[members, "alpha_if_deleted"] = alpha_deleted
        dimension_rows.append(
            {"dimension": key, "items": len(members), "n_complete": len(complete), "alpha": cronbach_alpha(complete)}
        )
    dimensions = pd.DataFrame(dimension_rows, columns=DIMENSION_COLUMNS[:-1])
    dimensions["alpha"] = dimensions["alpha"].astype(float)
    dimensions["flag_alpha"] = [_below(a, ALPHA_MIN) for a in dimensions["alpha"]]

    items["flag_item_total"] = [_below(v, ITEM_TOTAL_MIN) for v in items["item_total"]]
    items["flag_ceiling"] = [_above(v, CEILING_MAX) for v in items["ceiling_share"]]
    items["flag_missing"] = [_above(v, MISSING_MAX) for v in items["missing_share"]]
    items = items[ITEM_COLUMNS]

    keys = list(dimensions["dimension"])
    return Analysis(
        respondents=total,
        items=items,
        distribution=_distribution(sample, questions),
        dimensions=dimensions,
        correlations=dimension_scores(sample, questions, keys, respondents=total).corr(min_periods=3),
        flags=_flags(items, dimensions),
    )


def _item_statistics(items: pd.DataFrame, sample: _Answers, total: int) -> None:
    """n, missing share, mean, sd (two passes), ceiling and floor shares, per question position."""
    count = len(items)
    columns = sample.columns
    n = np.bincount(columns, minlength=count)
    lo = items["lo"].to_numpy(dtype=float)
    hi = items["hi"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.bincount(columns, weights=sample.keyed, minlength=count) / n
        squares = np.bincount(columns, weights=(sample.keyed - mean[columns]) ** 2, minlength=count)
        items["n"] = n.astype(int)
        items["missing_share"] = 1 - n / total if total else np.nan
        items["mean"] = np.where(n > 0, mean, np.nan)
        items["sd"] = np.where(n > 1, np.sqrt(squares / (n - 1)), np.nan)
        at_top = np.bincount(columns, weights=sample.keyed == hi[columns], minlength=count)
        at_bottom = np.bincount(columns, weights=sample.keyed == lo[columns], minlength=count)
        items["ceiling_share"] = np.where(n > 0, at_top / n, np.nan)
        items["floor_share"] = np.where(n > 0, at_bottom / n, np.nan)
    items["item_total"] = np.nan
    items["alpha_if_deleted"] = np.nan


def _distribution(sample: _Answers, questions: pd.DataFrame) -> pd.DataFrame:
    """Counts and shares of the keyed answers at each whole scale point lo..hi of discrete items:
    every (question, point) pair gets a slot, and one `bincount` fills them all."""
    discrete = questions[questions["discrete"].astype(bool)]
    if discrete.empty:
        return pd.DataFrame(columns=DISTRIBUTION_COLUMNS)
    lo = discrete["lo"].to_numpy(dtype=float).astype(int)
    hi = discrete["hi"].to_numpy(dtype=float).astype(int)
    widths = hi - lo + 1
    starts = np.concatenate([[0], np.cumsum(widths)[:-1]])
    slot_of = np.full(len(questions), -1)
    slot_of[discrete.index.to_numpy()] = np.arange(len(discrete))
    slot = slot_of[sample.columns]
    on_scale = slot >= 0
    point = sample.keyed - lo[np.where(on_scale, slot, 0)]
    on_scale &= (point == np.round(point)) & (point >= 0) & (point < widths[np.where(on_scale, slot, 0)])
    place = starts[slot[on_scale]] + point[on_scale].astype(int)
    counts = np.bincount(place, minlength=int(widths.sum()))
    owner = np.repeat(np.arange(len(discrete)), widths)
    answered = np.bincount(owner, weights=counts, minlength=len(discrete))[owner]
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(answered > 0, counts / answered, np.nan)
    return pd.DataFrame(
        {
            "question_id": discrete["question_id"].to_numpy(dtype="int64")[owner],
            "code": discrete["code"].to_numpy()[owner],
            "point": np.concatenate([np.arange(a, b + 1) for a, b in zip(lo, hi, strict=True)]),
            "count": counts.astype(int),
            "share": shares,
        }
    )[DISTRIBUTION_COLUMNS]


def dimension_scores(sample: _Answers, questions: pd.DataFrame, keys: list[str], *, respondents: int) -> pd.DataFrame:
    """Per respondent and dimension, the mean of his 0–100 item scores (missing skipped): sums and
    counts per (respondent, dimension) by `bincount`, NaN where he answered none of its items."""
    dimension_of = questions["dimension"].map({key: i for i, key in enumerate(keys)})
    dimension = dimension_of.fillna(-1).to_numpy(dtype=int)[sample.columns]
    scored = dimension >= 0
    place = sample.rows[scored] * len(keys) + dimension[scored]
    size = respondents * len(keys)
    sums = np.bincount(place, weights=sample.scores[scored], minlength=size)
    counts = np.bincount(place, minlength=size)
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.where(counts > 0, sums / counts, np.nan).reshape(respondents, len(keys))
    return pd.DataFrame(means, columns=keys)


def _flags(items: pd.DataFrame, dimensions: pd.DataFrame) -> pd.DataFrame:
    rows = [
        {"level": "dimension", "dimension": row.dimension, "code": row.dimension, "flag": FLAG_ALPHA,
         "value": row.alpha, "threshold": ALPHA_MIN}
        for row in dimensions.itertuples() if row.flag_alpha
    ]  # fmt: skip
    checks = [
        ("flag_item_total", FLAG_ITEM_TOTAL, "item_total"),
        ("flag_ceiling", FLAG_CEILING, "ceiling_share"),
        ("flag_missing", FLAG_MISSING, "missing_share"),
    ]
    for row in items.itertuples():
        for column, flag, value in checks:
            if getattr(row, column):
                rows.append(
                    {"level": "item", "dimension": row.dimension, "code": row.code, "flag": flag,
                     "value": getattr(row, value), "threshold": FLAG_THRESHOLDS[flag]}
                )  # fmt: skip
    return pd.DataFrame(rows, columns=FLAG_COLUMNS)
