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


def keyed_values(values: pd.DataFrame, questions: pd.DataFrame) -> pd.DataFrame:
    """Reverse keys applied, column by column: v' = lo + hi − v for reverse-keyed items."""
    lo = questions["lo"].to_numpy(dtype=float)
    hi = questions["hi"].to_numpy(dtype=float)
    reverse = questions["reverse"].to_numpy(dtype=bool)
    keyed = values.to_numpy(dtype=float, copy=True)
    # Only the reverse-keyed columns are touched: a year's matrix is hundreds of megabytes.
    keyed[:, reverse] = (lo + hi)[reverse] - keyed[:, reverse]
    return pd.DataFrame(keyed, index=values.index, columns=values.columns)


def normalised_scores(keyed: pd.DataFrame, questions: pd.DataFrame) -> pd.DataFrame:
    """Scoring rule 1 on keyed values: (v' − lo) / (hi − lo) × 100."""
    lo = questions["lo"].to_numpy(dtype=float)
    hi = questions["hi"].to_numpy(dtype=float)
    scores = keyed.to_numpy(dtype=float, copy=True)
    scores -= lo
    scores /= hi - lo
    scores *= 100
    return pd.DataFrame(scores, index=keyed.index, columns=keyed.columns)


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


def answer_matrix(*, respondents: pd.Index, answers: pd.DataFrame, question_ids: list[int]) -> pd.DataFrame:
    """One row per respondent (response id), one column per question id, NaN where not answered.

    Filled by position rather than with `pivot`: at a year's scale (millions of answers) the pivot's
    intermediate index costs several times the time and memory of the matrix itself."""
    matrix = np.full((len(respondents), len(question_ids)), np.nan)
    if not answers.empty:
        rows = respondents.get_indexer(answers["response_id"])
        columns = pd.Index(question_ids).get_indexer(answers["question_id"])
        known = (rows >= 0) & (columns >= 0)
        matrix[rows[known], columns[known]] = answers["value"].to_numpy(dtype=float)[known]
    return pd.DataFrame(matrix, index=respondents, columns=question_ids)


def analyze(
    *, respondents: pd.Index, answers: pd.DataFrame, questions: pd.DataFrame, dimension_order: list[str]
) -> Analysis:
    """The whole analysis of one sample.

    `respondents`: the response ids analysed (every one counts for the missing share, even one
    without any answer). `answers`: response_id, question_id, value (numeric answers only).
    `questions`: QUESTION_COLUMNS, in the order to show them; `dimension` None for an item linked to
    no indicator (it gets item statistics only). `dimension_order`: the dimension keys to report.
    """
    questions = questions.reset_index(drop=True)
    ids = [int(pk) for pk in questions["question_id"]]
    raw = answer_matrix(respondents=respondents, answers=answers, question_ids=ids)
    keyed = keyed_values(raw, questions)
    del raw  # at a year's scale each of these matrices is hundreds of megabytes
    scores = normalised_scores(keyed, questions)
    total = len(respondents)

    items = questions[[c for c in QUESTION_COLUMNS if c != "discrete"]].copy()
    values = keyed.to_numpy()
    n = (~np.isnan(values)).sum(axis=0)
    items["n"] = n.astype(int)
    items["missing_share"] = 1 - n / total if total else np.nan
    lo = questions["lo"].to_numpy(dtype=float)
    hi = questions["hi"].to_numpy(dtype=float)
    # NumPy rather than DataFrame.std: the same two-pass formula, several times faster on a year's answers.
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(n > 0, np.nansum(values, axis=0) / n, np.nan)
        items["mean"] = mean
        items["sd"] = np.where(n > 1, np.sqrt(np.nansum((values - mean) ** 2, axis=0) / (n - 1)), np.nan)
        items["ceiling_share"] = np.where(n > 0, (values == hi).sum(axis=0) / n, np.nan)
        items["floor_share"] = np.where(n > 0, (values == lo).sum(axis=0) / n, np.nan)
    items["item_total"] = np.nan
    items["alpha_if_deleted"] = np.nan

    dimension_rows = []
    for key in dimension_order:
        members = questions.index[questions["dimension"] == key]
        if len(members) == 0:
            continue
        complete = scores.iloc[:, members].dropna()
        matrix = complete.to_numpy()
        item_total, alpha_deleted = item_statistics(matrix)
        items.loc[members, "item_total"] = item_total
        items.loc[members, "alpha_if_deleted"] = alpha_deleted
        dimension_rows.append(
            {"dimension": key, "items": len(members), "n_complete": len(complete), "alpha": cronbach_alpha(matrix)}
        )
    dimensions = pd.DataFrame(dimension_rows, columns=DIMENSION_COLUMNS[:-1])
    dimensions["alpha"] = dimensions["alpha"].astype(float)
    dimensions["flag_alpha"] = [_below(a, ALPHA_MIN) for a in dimensions["alpha"]]

    items["flag_item_total"] = [_below(v, ITEM_TOTAL_MIN) for v in items["item_total"]]
    items["flag_ceiling"] = [_above(v, CEILING_MAX) for v in items["ceiling_share"]]
    items["flag_missing"] = [_above(v, MISSING_MAX) for v in items["missing_share"]]
    items = items[ITEM_COLUMNS]

    return Analysis(
        respondents=total,
        items=items,
        distribution=_distribution(keyed, questions),
        dimensions=dimensions,
        correlations=_correlations(scores, questions, list(dimensions["dimension"])),
        flags=_flags(items, dimensions),
    )


def _distribution(keyed: pd.DataFrame, questions: pd.DataFrame) -> pd.DataFrame:
    """Counts and shares of the keyed answers at each whole scale point lo..hi of discrete items."""
    frames = []
    for position, question in enumerate(questions.itertuples()):  # one row per question, not per answer
        if not question.discrete:
            continue
        points = np.arange(int(question.lo), int(question.hi) + 1, dtype=float)
        answered = keyed.iloc[:, position].dropna()
        counts = answered.value_counts().reindex(points, fill_value=0).to_numpy()
        frames.append(
            pd.DataFrame(
                {
                    "question_id": int(question.question_id),
                    "code": question.code,
                    "point": points.astype(int),
                    "count": counts.astype(int),
                    "share": counts / len(answered) if len(answered) else np.nan,
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=DISTRIBUTION_COLUMNS)
    return pd.concat(frames, ignore_index=True)[DISTRIBUTION_COLUMNS]


def dimension_scores(scores: pd.DataFrame, questions: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per respondent and dimension, the mean of his normalised item scores (missing skipped)."""
    columns = {}
    for key in keys:
        positions = questions.index[questions["dimension"] == key]
        columns[key] = scores.iloc[:, positions].mean(axis=1, skipna=True)
    return pd.DataFrame(columns, index=scores.index)


def _correlations(scores: pd.DataFrame, questions: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return dimension_scores(scores, questions, keys).corr(method="pearson", min_periods=3)


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
