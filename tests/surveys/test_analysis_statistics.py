"""The statistics of the empirical analysis (`surveys.analysis`), with no database."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from surveys.analysis import (
    QUESTION_COLUMNS,
    analyze,
    cronbach_alpha,
    item_statistics,
)

# Three items of one dimension, four respondents, keyed values (the favourable end high).
HAND = np.array(
    [
        [1, 2, 1],
        [2, 2, 3],
        [3, 4, 2],
        [4, 4, 4],
    ],
    dtype=float,
)


def test_alpha_item_total_and_alpha_if_deleted_match_the_hand_worked_case():
    """Items x1 = 1 2 3 4, x2 = 2 2 4 4, x3 = 1 3 2 4 (ddof = 1 throughout).

    Deviations: x1 −1.5 −.5 .5 1.5 (SS 5, var 5/3); x2 −1 −1 1 1 (SS 4, var 4/3);
    x3 −1.5 .5 −.5 1.5 (SS 5, var 5/3). Total T = 4 7 9 12, mean 8, deviations −4 −1 1 4,
    SS 34, var 34/3.

    alpha = k/(k−1) (1 − Σ var / var T) = 3/2 × (1 − (14/3)/(34/3)) = 3/2 × 20/34 = 15/17.

    Corrected item-total (the item against the sum of the other two):
    x1: rest = 3 5 6 8 (dev −2.5 −.5 .5 2.5, SS 13); Σ dev·dev = 3.75 + .25 + .25 + 3.75 = 8;
        r = 8 / √(5 × 13) = 8/√65.
    x2: rest = 2 5 5 8 (dev −3 0 0 3, SS 18); Σ = 3 + 0 + 0 + 3 = 6; r = 6/√(4 × 18) = 1/√2.
    x3: rest = 3 4 7 8 (dev −2.5 −1.5 1.5 2.5, SS 17); Σ = 3.75 − .75 − .75 + 3.75 = 6; r = 6/√85.

    Alpha if deleted (two items left: 2 × (1 − Σ var / var rest)):
    x1: 2 × (1 − (4/3 + 5/3)/(13/3)) = 2 × 4/13 = 8/13;
    x2: 2 × (1 − (5/3 + 5/3)/(18/3)) = 2 × 8/18 = 8/9;
    x3: 2 × (1 − (5/3 + 4/3)/(17/3)) = 2 × 8/17 = 16/17.
    """
    assert cronbach_alpha(HAND) == pytest.approx(15 / 17)
    item_total, alpha_deleted = item_statistics(HAND)
    assert item_total == pytest.approx([8 / np.sqrt(65), 1 / np.sqrt(2), 6 / np.sqrt(85)])
    assert alpha_deleted == pytest.approx([8 / 13, 8 / 9, 16 / 17])


def alpha_by_the_formula(matrix: np.ndarray) -> float:
    """Straight from the definition: item variances and the variance of the row totals."""
    k = matrix.shape[1]
    item_variances = sum(np.var(matrix[:, i], ddof=1) for i in range(k))
    return k / (k - 1) * (1 - item_variances / np.var(matrix.sum(axis=1), ddof=1))


@pytest.mark.parametrize("seed", range(8))
def test_alpha_and_item_statistics_agree_with_the_formula_on_random_data(seed):
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(5, 60)), int(rng.integers(3, 9))
    trait = rng.normal(size=(n, 1))
    matrix = np.clip(np.round(3 + trait * rng.uniform(0, 1.2, size=k) + rng.normal(size=(n, k))), 1, 5)

    assert cronbach_alpha(matrix) == pytest.approx(alpha_by_the_formula(matrix))
    item_total, alpha_deleted = item_statistics(matrix)
    for i in range(k):
        rest = np.delete(matrix, i, axis=1)
        assert item_total[i] == pytest.approx(np.corrcoef(matrix[:, i], rest.sum(axis=1))[0, 1])
        assert alpha_deleted[i] == pytest.approx(alpha_by_the_formula(rest))


def test_alpha_is_not_defined_for_one_item_or_one_respondent_or_no_variation():
    assert np.isnan(cronbach_alpha(HAND[:, :1]))
    assert np.isnan(cronbach_alpha(HAND[:1]))
    assert np.isnan(cronbach_alpha(np.full((4, 3), 2.0)))


def test_alpha_uses_only_complete_rows():
    with_gap = np.vstack([HAND, [5, np.nan, 1]])
    assert cronbach_alpha(with_gap) == pytest.approx(15 / 17)


# ── the whole analysis ───────────────────────────────────────────────────────────────────────────


def questions(*rows: tuple) -> pd.DataFrame:
    """(code, dimension, reverse[, lo, hi]) per item; ids 1, 2, … in order."""
    records = []
    for position, row in enumerate(rows, start=1):
        code, dimension, reverse, *scale = row
        lo, hi = scale or (1, 5)
        records.append(
            {
                "question_id": position, "code": code, "text": f"题目 {code}", "type": "likert", "lo": lo,
                "hi": hi, "reverse": reverse, "order": position, "indicator": dimension and f"{dimension}_q",
                "dimension": dimension, "discrete": True,
            }
        )  # fmt: skip
    return pd.DataFrame.from_records(records, columns=QUESTION_COLUMNS)


def long_answers(matrix: np.ndarray) -> pd.DataFrame:
    """Row r, column c of the matrix is response r + 1's answer to question c + 1 (NaN: none)."""
    rows = [
        (r + 1, c + 1, value)
        for r, values in enumerate(matrix)
        for c, value in enumerate(values)
        if not np.isnan(value)
    ]
    return pd.DataFrame(rows, columns=["response_id", "question_id", "value"])


def run(matrix: np.ndarray, items: pd.DataFrame, respondents: int | None = None):
    ids = pd.Index(range(1, (respondents or len(matrix)) + 1), name="response_id")
    return analyze(
        respondents=ids,
        answers=long_answers(matrix),
        questions=items,
        dimension_order=["performance", "execution"],
    )


def test_a_reverse_keyed_item_is_turned_round_before_anything_is_computed():
    # x3 stored as answered on a reverse-worded item: 6 − keyed.
    stored = HAND.copy()
    stored[:, 2] = 6 - stored[:, 2]
    result = run(
        stored, questions(("a", "performance", False), ("b", "performance", False), ("c", "performance", True))
    )

    assert result.dimensions.loc[0, "alpha"] == pytest.approx(15 / 17)
    assert result.items["item_total"].tolist() == pytest.approx([8 / np.sqrt(65), 1 / np.sqrt(2), 6 / np.sqrt(85)])
    assert result.items.loc[2, "mean"] == pytest.approx(2.5)  # keyed: 1 3 2 4
    # Read as stored, the reverse item would count against the others.
    unkeyed = run(
        stored, questions(("a", "performance", False), ("b", "performance", False), ("c", "performance", False))
    )
    assert unkeyed.dimensions.loc[0, "alpha"] < 0.5
    assert unkeyed.items.loc[2, "item_total"] < 0


def test_reliability_is_the_same_on_any_common_scale_and_items_on_different_scales_weigh_alike():
    # On a 0–10 scale the same answers are (v − 1) × 2.5: a common linear change leaves alpha alone.
    rescaled = (HAND - 1) * 2.5
    result = run(
        rescaled,
        questions(
            ("a", "performance", False, 0, 10), ("b", "performance", False, 0, 10), ("c", "performance", False, 0, 10)
        ),
    )
    assert result.dimensions.loc[0, "alpha"] == pytest.approx(15 / 17)
    # One item on 0–10, two on 1–5: normalised to 0–100 first, so the mixed scales change nothing.
    mixed = HAND.copy()
    mixed[:, 0] = rescaled[:, 0]
    mixed_result = run(
        mixed, questions(("a", "performance", False, 0, 10), ("b", "performance", False), ("c", "performance", False))
    )
    assert mixed_result.dimensions.loc[0, "alpha"] == pytest.approx(15 / 17)


def test_item_statistics_and_the_distribution_on_keyed_values():
    stored = np.array([[5, 1], [4, 1], [5, 2], [1, 5], [np.nan, 4]], dtype=float)
    result = run(stored, questions(("a", "performance", False), ("b", "performance", True)))
    a, b = result.items.iloc[0], result.items.iloc[1]

    assert (a["n"], a["missing_share"], a["mean"]) == (4, pytest.approx(0.2), pytest.approx(3.75))
    assert a["sd"] == pytest.approx(np.std([5, 4, 5, 1], ddof=1))
    assert (a["ceiling_share"], a["floor_share"]) == (pytest.approx(0.5), pytest.approx(0.25))
    # b keyed: 5 5 4 1 2
    assert (b["mean"], b["ceiling_share"], b["floor_share"]) == (pytest.approx(3.4), 0.4, 0.2)
    shares = result.distribution[result.distribution["code"] == "b"].set_index("point")
    assert shares["count"].tolist() == [1, 1, 0, 1, 2]
    assert shares["share"].tolist() == pytest.approx([0.2, 0.2, 0, 0.2, 0.4])
    # Listwise: the fifth respondent skipped item a, so reliability uses the first four.
    assert result.dimensions.loc[0, "n_complete"] == 4


def test_flags_mark_a_weak_item_a_ceiling_item_too_many_blanks_and_a_low_alpha():
    rng = np.random.default_rng(7)
    n = 40
    trait = rng.normal(size=n)
    good = [np.clip(np.round(3 + 1.2 * trait + rng.normal(0, 0.5, n)), 1, 5) for _ in range(3)]
    noise = rng.integers(1, 6, n).astype(float)  # unrelated to anything
    ceiling = np.where(np.arange(n) < 34, 5.0, 4.0)  # 34/40 = 85 % at the top
    sparse = good[0].copy()
    sparse[:10] = np.nan  # 25 % blank
    matrix = np.column_stack([*good, noise, ceiling, sparse, rng.integers(1, 6, (n, 2)).astype(float)])
    items = questions(
        ("g1", "performance", False), ("g2", "performance", False), ("g3", "performance", False),
        ("noise", "performance", False), ("top", "performance", False), ("sparse", "performance", False),
        ("r1", "execution", False), ("r2", "execution", False),
    )  # fmt: skip
    result = run(matrix, items)

    flagged = {(row.code, row.flag) for row in result.flags.itertuples()}
    assert ("noise", "item_total_low") in flagged
    assert ("top", "ceiling") in flagged
    assert ("sparse", "missing") in flagged
    assert ("execution", "alpha_low") in flagged  # two unrelated random items
    assert ("performance", "alpha_low") not in flagged
    assert not {code for code, _flag in flagged} & {"g1", "g2", "g3"}
    top = result.flags[(result.flags["code"] == "top") & (result.flags["flag"] == "ceiling")].iloc[0]
    assert (top["value"], top["threshold"]) == (pytest.approx(0.85), 0.8)


def test_a_share_exactly_at_the_threshold_is_not_flagged():
    # 1 blank of 5 is a missing share of 0.2 (1 − 4/5 is 0.19999999999999996 in floating point);
    # 4 of 5 at the top is a ceiling share of 0.8: neither is above its threshold.
    stored = np.array([[5, 1], [5, 2], [5, 3], [5, 4], [4, np.nan]], dtype=float)
    result = run(stored, questions(("a", "performance", False), ("b", "performance", False)))

    assert result.items.loc[0, "ceiling_share"] == pytest.approx(0.8)
    assert result.items.loc[1, "missing_share"] == pytest.approx(0.2)
    assert not result.items.loc[0, "flag_ceiling"]
    assert not result.items.loc[1, "flag_missing"]


def test_a_respondent_without_any_answer_counts_as_missing_on_every_item():
    result = run(HAND, questions(("a", "performance", False), ("b", "performance", False)), respondents=5)

    assert result.respondents == 5
    assert result.items["missing_share"].tolist() == pytest.approx([0.2, 0.2])


def test_dimension_correlations_use_each_respondents_mean_item_score():
    # Dimension scores (0–100): performance = mean of a and b, execution = c.
    stored = np.array([[1, 3, 1], [2, 4, 3], [3, 3, 2], [5, 5, 5], [4, 2, np.nan]], dtype=float)
    result = run(stored, questions(("a", "performance", False), ("b", "performance", False), ("c", "execution", False)))

    performance = (stored[:4, :2] - 1).mean(axis=1) * 25
    execution = (stored[:4, 2] - 1) * 25
    expected = np.corrcoef(performance, execution)[0, 1]
    assert result.correlations.loc["performance", "execution"] == pytest.approx(expected)
    assert result.correlations.loc["execution", "performance"] == pytest.approx(expected)
    assert result.correlations.loc["performance", "performance"] == pytest.approx(1)


def test_an_item_linked_to_no_indicator_gets_item_statistics_but_no_reliability():
    result = run(HAND, questions(("a", "performance", False), ("b", "performance", False), ("loose", None, False)))

    loose = result.items.iloc[2]
    assert loose["n"] == 4 and loose["mean"] == pytest.approx(2.5)
    assert np.isnan(loose["item_total"]) and np.isnan(loose["alpha_if_deleted"])
    assert list(result.dimensions["dimension"]) == ["performance"]


def test_answers_of_responses_outside_the_sample_or_to_other_questions_count_for_nothing():
    answers = pd.DataFrame(
        {"response_id": [10, 10, 30, 99, 10], "question_id": [2, 1, 2, 1, 7], "value": [4.0, 3.0, 5.0, 1.0, 2.0]}
    )
    result = analyze(
        respondents=pd.Index([10, 20, 30]),
        answers=answers,
        questions=questions(("a", "performance", False), ("b", "performance", False)),
        dimension_order=["performance"],
    )

    assert result.items["n"].tolist() == [1, 2]
    assert result.items["mean"].tolist() == pytest.approx([3.0, 4.5])
    assert result.items["missing_share"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert result.dimensions.loc[0, "n_complete"] == 1
