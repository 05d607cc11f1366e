"""Weighting methods (DESIGN.md "Indicator systems"): AHP and entropy weights. Pure NumPy/pandas.

Nothing here touches the database, so the services (`indicators.services.ahp`,
`reports.services.entropy`) and the tests call the same arithmetic.

AHP (Saaty 1980). A judgement `a_ij` says how much more important item i (the row) is than item j
(the column) on the 1–9 scale; `a_ji = 1 / a_ij` and `a_ii = 1`. The weights are the principal
(Perron) eigenvector normalised to sum 1; `CI = (λmax − n) / (n − 1)`; `CR = CI / RI(n)` with Saaty's
random index; `CR < 0.1` is acceptably consistent.

Which judgements are "most inconsistent", and what would fit: for a pair (i, j) the other items give
indirect comparisons `a_ik · a_kj`; in a consistent matrix each of them equals `a_ij`. Their geometric
mean `g_ij = (Π_{k≠i,j} a_ik · a_kj)^(1/(n−2))` is what the *other* judgements say about i against j,
and `|ln(a_ij / g_ij)|` ranks how far each judgement departs from them. We suggest the scale value
nearest to `g_ij` and report the CR the matrix would have with that one change. Unlike `w_i / w_j` from
the eigenvector, `g_ij` does not contain `a_ij` itself, so one mistyped judgement cannot drag its own
suggestion toward the mistake: in an otherwise consistent matrix `g_ij` recovers the intended value
exactly. (With n = 3 each pair has one indirect comparison and all three deviate equally: one triangle
cannot say which of its sides is wrong; the CR after each change breaks the tie.)

Entropy weights (the standard entropy-weight method, 熵权法). We normalise by **proportion**,
`p_ij = x_ij / Σ_i x_ij`, not min-max: the scores are already on one 0–100 scale, and proportion keeps
how much an indicator actually separates the members (a column that only runs from 80 to 81 carries
almost no information), whereas min-max would stretch any spread, however small, to 0–1. Then
`e_j = −(1 / ln n_j) · Σ_i p_ij ln p_ij` (0 · ln 0 = 0), `d_j = 1 − e_j`, `w_j = d_j / Σ_k d_k`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd

from common.errors import DomainError

# Saaty's random index RI(n) for n = 1..10 (Saaty 1980, The Analytic Hierarchy Process): the mean CI of
# random reciprocal matrices of that size.
RANDOM_INDEX: dict[int, float] = {
    1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49,
}  # fmt: skip
MAX_ITEMS = max(RANDOM_INDEX)
CR_LIMIT = 0.1
SAATY_MIN, SAATY_MAX = 1 / 9, 9.0
# Typed reciprocals such as 0.333 for 1/3 must pass: a_ij · a_ji may miss 1 by this much.
RECIPROCAL_TOLERANCE = 0.01
# The 17 values of the scale, 1/9 … 9, used to suggest a replacement judgement.
SAATY_VALUES: tuple[Fraction, ...] = tuple(
    [Fraction(1, k) for k in range(9, 1, -1)] + [Fraction(k) for k in range(1, 10)]
)
TOP_INCONSISTENT = 3
# A judgement within 0.1% of what the others imply is not worth naming.
DEVIATION_FLOOR = math.log(1.001)


class WeightingInputError(DomainError):
    """A matrix or score table the method cannot use; the message names the cell."""


@dataclass(frozen=True)
class InconsistentPair:
    """One judgement (upper triangle, row < column) against what the other judgements imply."""

    row: int
    column: int
    row_label: str
    column_label: str
    judgement: float  # a_ij as given
    implied: float  # g_ij: the geometric mean of the indirect comparisons a_ik · a_kj
    suggested: str  # the scale value nearest to `implied`, e.g. "3" or "1/5"
    log_deviation: float  # |ln(a_ij / g_ij)|
    cr_if_suggested: float  # the CR with only this judgement changed to `suggested`


@dataclass(frozen=True)
class AhpResult:
    labels: list[str]
    matrix: list[list[float]]  # the matrix used: upper triangle as given, lower its exact reciprocal
    weights: list[float]
    lambda_max: float
    ci: float
    ri: float
    cr: float
    # Every upper-triangle pair, most inconsistent first.
    pairs: list[InconsistentPair] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.weights)

    @property
    def consistent(self) -> bool:
        return self.cr < CR_LIMIT

    @property
    def most_inconsistent(self) -> list[InconsistentPair]:
        return [p for p in self.pairs[:TOP_INCONSISTENT] if p.log_deviation > DEVIATION_FLOOR]


def format_judgement(value: float) -> str:
    """9 → "9", 0.2 → "1/5", 2.5 → "2.5": how a judgement is written on the Saaty scale."""
    if value >= 1:
        return f"{value:g}" if abs(value - round(value)) > 1e-9 else str(round(value))
    inverse = 1 / value
    if abs(inverse - round(inverse)) <= 1e-6:
        return f"1/{round(inverse)}"
    return f"{value:.3g}"


def nearest_saaty(value: float) -> str:
    """The scale value closest to `value` on a log scale (ratios, not differences, matter)."""
    target = math.log(min(max(value, SAATY_MIN), SAATY_MAX))
    best = min(SAATY_VALUES, key=lambda v: abs(math.log(float(v)) - target))
    return str(best)


def _cell(labels: Sequence[str], i: int, j: int) -> str:
    return f"“{labels[i]}”对“{labels[j]}”（第 {i + 1} 行第 {j + 1} 列）"


def _cell_en(labels: Sequence[str], i: int, j: int) -> str:
    return f"{labels[i]} over {labels[j]}, row {i + 1} column {j + 1}"


def parse_judgement(value: object) -> float:
    """A judgement as a number: 3, 0.5, "3", "1/3" (how the scale is written); NaN when it is none."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return math.nan
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, str):
        return float(Fraction(value.strip().replace(" ", "")))
    if isinstance(value, int | float | Fraction | np.integer | np.floating):
        return float(value)
    raise ValueError(value)


def as_square_matrix(matrix: object) -> np.ndarray:
    """The judgements as a square float array, or `WeightingInputError` saying what shape it is."""
    rows = matrix.tolist() if isinstance(matrix, np.ndarray) else matrix
    if not isinstance(rows, list | tuple) or not all(isinstance(row, list | tuple) for row in rows):
        raise WeightingInputError("判断矩阵须是由数字组成的方阵 (the matrix must be a square table of numbers)")
    n = len(rows)
    widths = sorted({len(row) for row in rows})
    if n == 0 or widths != [n]:
        shape = f"{n}×{'/'.join(map(str, widths)) or 0}"
        raise WeightingInputError(f"判断矩阵须是方阵，收到的是 {shape} (the matrix must be square; got {shape})")
    a = np.empty((n, n))
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            try:
                a[i, j] = parse_judgement(value)
            except (ValueError, ZeroDivisionError, ArithmeticError) as exc:
                raise WeightingInputError(
                    f"第 {i + 1} 行第 {j + 1} 列的判断“{value}”不是数字"
                    f" (the judgement in row {i + 1}, column {j + 1} is not a number: {value!r})"
                ) from exc
    return a


def validate_matrix(matrix: object, labels: Sequence[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """The matrix as floats and its labels, or `WeightingInputError` naming the first bad cell."""
    a = as_square_matrix(matrix)
    n = a.shape[0]
    if n > MAX_ITEMS:
        raise WeightingInputError(f"判断矩阵最多 {MAX_ITEMS} 项，收到 {n} 项 (at most {MAX_ITEMS} items; got {n})")
    names = [str(label) for label in labels] if labels is not None else [str(k + 1) for k in range(n)]
    if len(names) != n:
        raise WeightingInputError(
            f"名称有 {len(names)} 个，判断矩阵是 {n}×{n} (got {len(names)} labels for a {n}×{n} matrix)"
        )
    for i in range(n):
        for j in range(n):
            value = a[i, j]
            where, where_en = _cell(names, i, j), _cell_en(names, i, j)
            if not math.isfinite(value):
                raise WeightingInputError(f"{where}的判断缺失 (the judgement of {where_en} is missing)")
            if value <= 0:
                raise WeightingInputError(
                    f"{where}的判断 {value:g} 须为正数 (the judgement of {where_en} is {value:g}; it must be positive)"
                )
    for i in range(n):
        if abs(a[i, i] - 1) > 1e-9:
            raise WeightingInputError(
                f"对角线须为 1：“{names[i]}”对自身（第 {i + 1} 行第 {i + 1} 列）是 {a[i, i]:g}"
                f" (the diagonal must be 1: {names[i]} against itself, row {i + 1}, is {a[i, i]:g})"
            )
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            value = a[i, j]
            if value < SAATY_MIN * (1 - RECIPROCAL_TOLERANCE) or value > SAATY_MAX * (1 + 1e-9):
                raise WeightingInputError(
                    f"{_cell(names, i, j)}的判断 {format_judgement(value)} 超出 1/9–9 的范围"
                    f" (the judgement of {_cell_en(names, i, j)} is {format_judgement(value)}, outside 1/9–9)"
                )
            if j > i and abs(value * a[j, i] - 1) > RECIPROCAL_TOLERANCE:
                raise WeightingInputError(
                    f"判断矩阵须互反：{_cell(names, i, j)}是 {format_judgement(value)}，"
                    f"则{_cell(names, j, i)}应为 {format_judgement(1 / value)}，而不是 {format_judgement(a[j, i])}"
                    f" (the matrix must be reciprocal: {_cell_en(names, i, j)} is {format_judgement(value)},"
                    f" so {_cell_en(names, j, i)} must be {format_judgement(1 / value)},"
                    f" not {format_judgement(a[j, i])})"
                )
    return a, names


def _principal_eigenvector(a: np.ndarray) -> tuple[float, np.ndarray]:
    eigenvalues, eigenvectors = np.linalg.eig(a)
    k = int(np.argmax(eigenvalues.real))
    # Perron–Frobenius: for a positive matrix this eigenpair is real and the vector has one sign.
    vector = np.abs(eigenvectors[:, k].real)
    return float(eigenvalues[k].real), vector / vector.sum()


def _reciprocal(given: np.ndarray) -> np.ndarray:
    """The upper triangle as given, the lower its exact reciprocal, 1 on the diagonal."""
    n = given.shape[0]
    a = np.ones((n, n))
    upper = np.triu_indices(n, k=1)
    a[upper] = given[upper]
    a[(upper[1], upper[0])] = 1 / given[upper]
    return a


def _consistency(a: np.ndarray) -> tuple[float, np.ndarray, float, float]:
    """λmax, weights, CI, CR of a reciprocal matrix."""
    n = a.shape[0]
    lambda_max, w = _principal_eigenvector(a)
    if n <= 2:
        lambda_max = float(n)  # any reciprocal 1×1 or 2×2 matrix is consistent; drop rounding noise
    ci = max((lambda_max - n) / (n - 1), 0.0) if n > 1 else 0.0
    if ci < 1e-12:
        ci = 0.0
    ri = RANDOM_INDEX[n]
    return lambda_max, w, ci, ci / ri if ri > 0 else 0.0


def _indirect(a: np.ndarray) -> np.ndarray:
    """g_ij: the geometric mean over k ≠ i, j of a_ik · a_kj (a_ij itself where n < 3)."""
    n = a.shape[0]
    if n < 3:
        return a.copy()
    logs = np.log(a)
    # Σ_k (ln a_ik + ln a_kj) over every k includes k = i and k = j, which each add ln a_ij.
    through_all = logs.sum(axis=1)[:, np.newaxis] + logs.sum(axis=0)[np.newaxis, :]
    return np.exp((through_all - 2 * logs) / (n - 2))


def _changed_cr(a: np.ndarray, i: int, j: int, value: float) -> float:
    b = a.copy()
    b[i, j], b[j, i] = value, 1 / value
    return _consistency(b)[3]


def ahp(matrix: object, labels: Sequence[str] | None = None) -> AhpResult:
    """Weights, λmax, CI, CR of a pairwise comparison matrix, and its judgements ranked by inconsistency.

    The upper triangle is authoritative: after validation (reciprocal within 1%) the lower triangle is
    replaced by exact reciprocals, so 0.333 typed for 1/3 does not move the result.
    """
    given, names = validate_matrix(matrix, labels)
    a = _reciprocal(given)
    lambda_max, w, ci, cr = _consistency(a)
    n = a.shape[0]
    implied = _indirect(a)
    pairs = []
    for i, j in zip(*np.triu_indices(n, k=1), strict=True):
        i, j = int(i), int(j)
        suggested = nearest_saaty(float(implied[i, j]))
        pairs.append(
            InconsistentPair(
                row=i,
                column=j,
                row_label=names[i],
                column_label=names[j],
                judgement=float(a[i, j]),
                implied=float(implied[i, j]),
                suggested=suggested,
                log_deviation=abs(math.log(a[i, j] / implied[i, j])),
                cr_if_suggested=_changed_cr(a, i, j, float(Fraction(suggested))) if cr > 0 else 0.0,
            )
        )
    pairs.sort(key=lambda p: (-round(p.log_deviation, 9), p.cr_if_suggested, p.row, p.column))
    return AhpResult(
        labels=names,
        matrix=a.tolist(),
        weights=[float(x) for x in w],
        lambda_max=lambda_max,
        ci=ci,
        ri=RANDOM_INDEX[n],
        cr=cr,
        pairs=pairs,
    )


def explain_inconsistency(result: AhpResult) -> str:
    """Why CR is too high, in words a committee can act on: the worst judgements and what fits better."""
    parts_zh, parts_en = [], []
    for pair in result.most_inconsistent:
        given = format_judgement(pair.judgement)
        # At the end of the scale the nearest value can be the one given: then there is nothing to try.
        if pair.suggested != given:
            try_zh = f"，建议改为 {pair.suggested}（改后 CR ≈ {pair.cr_if_suggested:.3f}）"
            try_en = f"; try {pair.suggested} (CR then ≈ {pair.cr_if_suggested:.3f})"
        else:
            try_zh, try_en = "，已是量表端点", "; already at the end of the scale"
        parts_zh.append(
            f"“{pair.row_label}”对“{pair.column_label}”填了 {given}，其他判断推得约 {pair.implied:.2f}{try_zh}"
        )
        parts_en.append(
            f"{pair.row_label} over {pair.column_label} is {given} where the other judgements imply about"
            f" {pair.implied:.2f}{try_en}"
        )
    return (
        f"一致性比率 CR = {result.cr:.3f} ≥ {CR_LIMIT:g}，判断前后矛盾。最不一致的判断："
        + "；".join(parts_zh)
        + "。请修改这些判断，或选择强制应用。"
        + f" (the consistency ratio CR = {result.cr:.3f} is not below {CR_LIMIT:g}: the judgements contradict"
        f" each other. Most inconsistent: {'; '.join(parts_en)}. Revise them, or force.)"
    )


def rounded_weights(weights: Sequence[float], places: int = 4) -> list[float]:
    """Weights rounded to `places`, still summing to 1: the last absorbs the rounding (the largest
    does where the last would go below 0), so the ±0.001 check of a weight group always passes."""
    values = [round(float(w), places) for w in weights]
    if not values:
        return values
    k = len(values) - 1
    rest = sum(values) - values[k]
    if 1 - rest < 0:
        k = max(range(len(values)), key=lambda i: values[i])
        rest = sum(values) - values[k]
    values[k] = round(1 - rest, places)
    return values


def entropies(scores: pd.DataFrame) -> pd.Series:
    """The entropy `e_j` (0–1) of each column (indicator) of `scores` (rows: subjects).

    Proportion normalisation (see the module docstring). Missing values are dropped column by column:
    each indicator uses the subjects that have a score for it, and `n_j` is their count. A column
    that cannot tell subjects apart — constant, all zero, or fewer than two scores — has entropy 1.
    Negative values have no proportion and are refused.
    """
    if scores.shape[1] == 0:
        return pd.Series(dtype=float)
    x = scores.apply(pd.to_numeric, errors="coerce").astype(float)
    negative = x.lt(0).any()
    if negative.any():
        column = str(negative[negative].index[0])
        raise WeightingInputError(
            f"指标 {column} 有负值，不能计算熵权 (indicator {column} has negative values; entropy needs x ≥ 0)"
        )
    counts = x.notna().sum()
    totals = x.sum(skipna=True)
    p = x.div(totals.where(totals > 0), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = (p * np.log(p)).where(p > 0, 0.0)
    scale = 1 / np.log(counts.where(counts >= 2).astype(float))
    entropy = (-plogp.sum() * scale).where((counts >= 2) & (totals > 0), 1.0)
    return entropy.clip(lower=0.0, upper=1.0).astype(float)


def entropy_weights(scores: pd.DataFrame) -> pd.Series:
    """Entropy weights of the columns (indicators) of `scores` (rows: subjects), summing to 1:
    `w_j = (1 − e_j) / Σ_k (1 − e_k)`. A column with entropy 1 weighs 0; when no column tells
    anything apart, every column gets the same weight."""
    entropy = entropies(scores)
    if entropy.empty:
        return entropy
    divergence = 1 - entropy
    divergence[divergence < 1e-12] = 0.0
    if divergence.sum() == 0:
        return pd.Series(1 / len(entropy), index=entropy.index, dtype=float)
    return (divergence / divergence.sum()).astype(float)
