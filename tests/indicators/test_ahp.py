"""AHP arithmetic (`indicators.weighting`): weights, λmax, CI, CR, the explanation, and bad matrices."""

import math

import numpy as np
import pytest

from indicators.weighting import (
    RANDOM_INDEX,
    WeightingInputError,
    ahp,
    explain_inconsistency,
    nearest_saaty,
    rounded_weights,
    validate_matrix,
)

# Saaty, T. L. (1990). "How to make a decision: The Analytic Hierarchy Process". European Journal of
# Operational Research 48, 9–26: the criteria for buying a house (Table 2), with the published
# priority vector .173 .054 .188 .018 .031 .036 .167 .333, λmax = 9.669, C.I. = 0.238, C.R. = 0.169.
HOUSE_CRITERIA = ["size", "transport", "neighbourhood", "age", "yard", "modern", "condition", "financing"]
HOUSE = [
    [1, 5, 3, 7, 6, 6, 1 / 3, 1 / 4],
    [1 / 5, 1, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7],
    [1 / 3, 3, 1, 6, 3, 4, 6, 1 / 5],
    [1 / 7, 1 / 5, 1 / 6, 1, 1 / 3, 1 / 4, 1 / 7, 1 / 8],
    [1 / 6, 1 / 3, 1 / 3, 3, 1, 1 / 2, 1 / 5, 1 / 6],
    [1 / 6, 1 / 3, 1 / 4, 4, 2, 1, 1 / 5, 1 / 6],
    [3, 5, 1 / 6, 7, 5, 5, 1, 1 / 2],
    [4, 7, 5, 8, 6, 6, 2, 1],
]
HOUSE_WEIGHTS = [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333]

# Saaty, T. L. (1980). The Analytic Hierarchy Process (McGraw-Hill), the relative wealth of nations
# (US, USSR, China, France, UK, Japan, West Germany): published weights .427 .230 .021 .052 .052 .123
# .094 with λmax = 7.61; consistent enough to accept (CR below 0.1).
WEALTH = [
    [1, 4, 9, 6, 6, 5, 5],
    [1 / 4, 1, 7, 5, 5, 3, 4],
    [1 / 9, 1 / 7, 1, 1 / 5, 1 / 5, 1 / 7, 1 / 5],
    [1 / 6, 1 / 5, 5, 1, 1, 1 / 3, 1 / 3],
    [1 / 6, 1 / 5, 5, 1, 1, 1 / 3, 1 / 3],
    [1 / 5, 1 / 3, 7, 3, 3, 1, 2],
    [1 / 5, 1 / 4, 5, 3, 3, 1 / 2, 1],
]
WEALTH_WEIGHTS = [0.427, 0.230, 0.021, 0.052, 0.052, 0.123, 0.094]


def power_iteration(matrix, steps: int = 500) -> tuple[list[float], float]:
    """The principal eigenvector by repeated multiplication, written independently of numpy.linalg.eig."""
    n = len(matrix)
    x = [1.0 / n] * n
    for _ in range(steps):
        y = [sum(matrix[i][j] * x[j] for j in range(n)) for i in range(n)]
        total = sum(y)
        x = [v / total for v in y]
    ax = [sum(matrix[i][j] * x[j] for j in range(n)) for i in range(n)]
    return x, sum(ax[i] / x[i] for i in range(n)) / n


def consistent_matrix(weights):
    return [[wi / wj for wj in weights] for wi in weights]


def test_a_consistent_matrix_has_cr_zero_and_gives_back_its_weights():
    weights = [0.4, 0.2, 0.2, 0.1, 0.05, 0.05]  # ratios 1–8: every judgement on the scale
    result = ahp(consistent_matrix(weights))

    assert result.cr == pytest.approx(0.0, abs=1e-9)
    assert result.ci == pytest.approx(0.0, abs=1e-9)
    assert result.lambda_max == pytest.approx(6.0, abs=1e-9)
    assert result.weights == pytest.approx(weights, abs=1e-9)
    assert result.ri == 1.24


def test_saatys_house_example_gives_the_published_weights_and_consistency():
    """Saaty, T. L. (1990), "How to make a decision: The Analytic Hierarchy Process", European Journal
    of Operational Research 48, 9–26, Table 2 (criteria for buying a house): priority vector .173 .054
    .188 .018 .031 .036 .167 .333, λmax = 9.669, C.I. = 0.238, C.R. = 0.169 (with RI(8) = 1.41)."""
    result = ahp(HOUSE, HOUSE_CRITERIA)

    assert [round(w, 3) for w in result.weights] == HOUSE_WEIGHTS
    assert round(result.lambda_max, 3) == 9.669
    assert round(result.ci, 3) == 0.238
    assert round(result.cr, 3) == 0.169
    assert not result.consistent


def test_saatys_house_weights_agree_with_an_independent_power_iteration():
    """The same matrix (Saaty 1990, Table 2) through `power_iteration`, which shares no code with
    numpy.linalg.eig: the weights and λmax agree to 1e-9, and CR follows from λmax by its definition."""
    weights, lambda_max = power_iteration(HOUSE)
    result = ahp(HOUSE)

    assert result.weights == pytest.approx(weights, abs=1e-9)
    assert result.lambda_max == pytest.approx(lambda_max, abs=1e-9)
    assert result.cr == pytest.approx((lambda_max - 8) / 7 / RANDOM_INDEX[8], abs=1e-9)


def test_saatys_wealth_of_nations_is_accepted_with_the_published_weights():
    """Saaty (1980), The Analytic Hierarchy Process, the relative wealth of seven nations: published
    weights .427 .230 .021 .052 .052 .123 .094 and λmax = 7.61, so CR < 0.1 and it is accepted."""
    result = ahp(WEALTH)

    assert [round(w, 3) for w in result.weights] == WEALTH_WEIGHTS
    assert round(result.lambda_max, 2) == 7.61
    assert result.weights == pytest.approx(power_iteration(WEALTH)[0], abs=1e-9)
    assert result.consistent


def test_the_explanation_names_the_mistyped_judgement_first_and_the_value_that_fits():
    weights = [0.4, 0.2, 0.2, 0.1, 0.1]
    labels = ["绩效", "执行", "智慧", "文化", "团队"]
    matrix = consistent_matrix(weights)
    matrix[0][3], matrix[3][0] = 1 / 4, 4  # 绩效 over 文化 should be 4; typed the wrong way round

    result = ahp(matrix, labels)
    worst = result.pairs[0]
    text = explain_inconsistency(result)

    assert not result.consistent
    assert (worst.row_label, worst.column_label) == ("绩效", "文化")
    assert worst.implied == pytest.approx(4.0)
    assert worst.suggested == "4"
    assert worst.cr_if_suggested == pytest.approx(0.0, abs=1e-9)
    assert text.index("“绩效”对“文化”填了 1/4") < text.index("建议改为 4")
    assert "绩效 over 文化 is 1/4" in text and "try 4" in text


def test_the_house_example_blames_neighbourhood_over_condition():
    result = ahp(HOUSE, HOUSE_CRITERIA)
    worst = result.pairs[0]

    assert (worst.row_label, worst.column_label, worst.judgement) == ("neighbourhood", "condition", 6)
    assert worst.suggested == "1/2"
    assert worst.cr_if_suggested < 0.1  # the one change the explanation proposes is enough
    assert "“neighbourhood”对“condition”填了 6" in explain_inconsistency(result)


def test_nearest_scale_value_is_judged_on_ratios():
    assert nearest_saaty(4.0) == "4"
    assert nearest_saaty(0.47) == "1/2"
    assert nearest_saaty(1 / 3.2) == "1/3"
    assert nearest_saaty(40) == "9"
    assert nearest_saaty(0.01) == "1/9"


def test_typed_fractions_and_rounded_reciprocals_are_read_as_the_scale_values():
    typed = [[1, "3", "1/5"], [0.333, 1, "1/7"], ["5", 7.0, "1"]]
    exact = [[1, 3, 1 / 5], [1 / 3, 1, 1 / 7], [5, 7, 1]]

    assert ahp(typed).weights == pytest.approx(ahp(exact).weights, abs=1e-12)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[1, 3], [3, 1]], "须互反"),
        ([[1, 3], [0.5, 1]], "应为 1/3，而不是 1/2"),
        ([[1, 12], [1 / 12, 1]], "超出 1/9–9"),
        ([[1, "1/10"], [10, 1]], "超出 1/9–9"),
        ([[1, 2, 3], [1 / 2, 1, 1]], "须是方阵"),
        ([[1, 2], [1 / 2, 2]], "对角线须为 1"),
        ([[1, -2], [-0.5, 1]], "须为正数"),
        ([[1, None], [None, 1]], "缺失"),
        ([[1, "三"], ["1/3", 1]], "不是数字"),
        ("9", "须是由数字组成的方阵"),
        ([[1] * 11] * 11, "最多 10 项"),
    ],
)
def test_bad_matrices_are_refused_with_a_message_naming_the_problem(matrix, message):
    with pytest.raises(WeightingInputError) as refused:
        validate_matrix(matrix)

    assert message in refused.value.message
    assert "(" in refused.value.message  # the English follows in parentheses


def test_a_non_reciprocal_cell_is_named_by_its_labels_and_position():
    matrix = [[1, 2, 3], [1 / 2, 1, 4], [1 / 3, 1 / 2, 1]]

    with pytest.raises(WeightingInputError) as refused:
        validate_matrix(matrix, ["绩效", "执行", "智慧"])

    assert "“执行”对“智慧”（第 2 行第 3 列）是 4" in refused.value.message
    assert "应为 1/4，而不是 1/2" in refused.value.message


def test_rounded_weights_still_sum_to_one_within_the_rule():
    for weights in ([1 / 3] * 3, [1 / 7] * 7, ahp(HOUSE).weights, [0.00004, 0.00004, 0.99992]):
        rounded = rounded_weights(weights)
        assert abs(sum(rounded) - 1) < 1e-9
        assert all(w >= 0 for w in rounded)
        assert max(abs(a - b) for a, b in zip(rounded, weights, strict=True)) < 0.001


def test_two_items_are_always_consistent():
    result = ahp([[1, 9], [1 / 9, 1]])

    assert result.weights == pytest.approx([0.9, 0.1])
    assert result.cr == 0.0
    assert math.isclose(result.lambda_max, 2.0)
    assert np.isclose(sum(result.weights), 1.0)
