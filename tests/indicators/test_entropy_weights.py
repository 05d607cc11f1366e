"""Entropy weights (`indicators.weighting.entropy_weights`) on hand-worked score tables."""

import math

import numpy as np
import pandas as pd
import pytest

from indicators.weighting import WeightingInputError, entropy_weights


def test_entropy_weights_on_a_hand_worked_table():
    """Three members, three indicators (scores 0–100):

    A = 50, 50, 100  →  p = 1/4, 1/4, 1/2
        e_A = (2 · ¼ · ln 4 + ½ · ln 2) / ln 3 = 1.5 · ln 2 / ln 3 = 1.039721 / 1.098612 = 0.946395
        d_A = 1 − e_A = 0.0536054
    B = 25, 50, 75   →  p = 1/6, 1/3, 1/2
        e_B = (⅙ · ln 6 + ⅓ · ln 3 + ½ · ln 2) / ln 3 = 1.011404 / 1.098612 = 0.920620
        d_B = 0.0793802
    C = 80, 80, 80   →  p = 1/3 each, e_C = ln 3 / ln 3 = 1, d_C = 0 (it separates no one)

    w_A = 0.0536054 / (0.0536054 + 0.0793802) = 0.403092,  w_B = 0.596908,  w_C = 0.
    """
    scores = pd.DataFrame({"A": [50, 50, 100], "B": [25, 50, 75], "C": [80, 80, 80]})

    weights = entropy_weights(scores)

    assert list(weights.index) == ["A", "B", "C"]
    assert weights["A"] == pytest.approx(0.403092, abs=1e-6)
    assert weights["B"] == pytest.approx(0.596908, abs=1e-6)
    assert weights["C"] == 0.0
    assert weights.sum() == pytest.approx(1.0)


def test_entropy_weights_agree_with_the_formula_written_out():
    rng = np.random.default_rng(3)
    scores = pd.DataFrame(rng.uniform(40, 100, size=(25, 4)), columns=list("wxyz"))

    expected = {}
    for column in scores:
        p = scores[column] / scores[column].sum()
        expected[column] = 1 - (-(p * np.log(p)).sum() / math.log(len(p)))
    total = sum(expected.values())

    assert entropy_weights(scores).to_dict() == pytest.approx({k: v / total for k, v in expected.items()}, abs=1e-12)


def test_a_missing_score_is_skipped_not_counted_as_zero():
    """B's third member has no score: B is worked over its two members, 25 and 75 → p = ¼, ¾,
    e_B = (¼ ln 4 + ¾ ln 4/3) / ln 2 = 0.8112781, d_B = 0.1887219; A as in the hand-worked table
    (d_A = 0.0536054), so w_A = 0.0536054 / 0.2423273 = 0.221211."""
    scores = pd.DataFrame({"A": [50, 50, 100], "B": [25, 75, None]})

    weights = entropy_weights(scores)

    assert weights["A"] == pytest.approx(0.221211, abs=1e-6)
    assert weights["B"] == pytest.approx(0.778789, abs=1e-6)


def test_when_no_indicator_separates_anyone_the_weights_are_equal():
    weights = entropy_weights(pd.DataFrame({"A": [70, 70], "B": [0, 0], "C": [90, None]}))

    assert weights.to_dict() == pytest.approx({"A": 1 / 3, "B": 1 / 3, "C": 1 / 3})


def test_negative_scores_are_refused():
    with pytest.raises(WeightingInputError) as refused:
        entropy_weights(pd.DataFrame({"A": [10, -5], "B": [1, 2]}))

    assert "指标 A 有负值" in refused.value.message
