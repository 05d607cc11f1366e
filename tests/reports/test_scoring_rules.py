"""Hand-worked examples of DESIGN.md "Scoring" rules 1–8 and "Self vs others", the arithmetic in comments.

Every example runs against the engine and against the reference scorer (the `scorer` fixture), so the
reference that the property tests trust is itself held to the same hand arithmetic.
"""

import math

import pytest

from reports.scoring.types import DIMENSIONS, decision_round
from tests.reports.strategies import make_inputs


def approx(value: float):
    return pytest.approx(value, abs=1e-9)


NAN = math.nan
ALL_ON_PERFORMANCE = {1: {dimension: (1.0 if dimension == "performance" else 0.0) for dimension in DIMENSIONS}}
ROLE_WEIGHTS = {"self": 0.1, "peer": 0.3, "secretary": 0.4, "masses": 0.2}


def questionnaire(
    indicator_id: int, weight: float = 1.0, dimension: str = "performance", source: str = "questionnaire"
):
    return (indicator_id, f"Q{indicator_id}", dimension, weight, source, NAN, NAN)


def kpi(indicator_id: int, floor: float, target: float, weight: float = 1.0, dimension: str = "performance"):
    return (indicator_id, f"K{indicator_id}", dimension, weight, "kpi", floor, target)


def member(member_id: int, employee_no: str | None = None, branch_id: int = 1, category_id: int = 1):
    return (member_id, employee_no or str(member_id), branch_id, category_id)


def ten_point(question_id: int, indicator_id: int | None, reverse: bool = False):
    # A 0–10 number question: s = v × 10, easy to follow by hand.
    return (question_id, indicator_id, 0.0, 10.0, reverse)


def one_question_members(totals: dict[tuple[int, str, int], float]):
    """Members each scored by himself on one 0–10 question, so that his total is v × 10."""
    return make_inputs(
        answers=[(member_id, member_id, "self", 10, total / 10) for (member_id, _, _), total in totals.items()],
        questions=[ten_point(10, 1)],
        indicators=[questionnaire(1)],
        members=[member(member_id, employee_no, branch) for (member_id, employee_no, branch) in totals],
        category_weights=ALL_ON_PERFORMANCE,
    )


# ------------------------------------------------------------------------------------------------- rule 1


def test_a_reverse_keyed_answer_is_mirrored_on_its_scale(scorer):
    result = scorer(
        make_inputs(
            # q10 reverse-keyed on 1–5, answered 2: v' = 1 + 5 − 2 = 4, s = (4 − 1) / 4 × 100 = 75
            # q11 on 1–5, answered 5: s = 100;  the rater's mean = (75 + 100) / 2 = 87.5
            answers=[(1, 1, "self", 10, 2), (1, 1, "self", 11, 5)],
            questions=[(10, 1, 1.0, 5.0, True), (11, 1, 1.0, 5.0, False)],
            indicators=[questionnaire(1)],
            members=[member(1)],
            category_weights=ALL_ON_PERFORMANCE,
        )
    )
    assert result.role_scores[(1, 1, "self")] == (approx(87.5), 1)
    assert result.indicator_scores[(1, 1)] == approx(87.5)
    assert result.dimension_scores[(1, "performance")] == (approx(87.5), approx(1.0))
    assert result.cards[1][:2] == (approx(87.5), approx(1.0))


def test_a_number_question_with_a_fractional_scale_normalises_on_its_bounds(scorer):
    result = scorer(
        make_inputs(
            # scale 0.5–2.5: q10 answered 1.0 → s = 0.5 / 2 × 100 = 25;
            # q11 reverse-keyed answered 1.0 → v' = 0.5 + 2.5 − 1.0 = 2.0, s = 1.5 / 2 × 100 = 75
            answers=[(1, 1, "self", 10, 1.0), (1, 2, "peer", 11, 1.0)],
            questions=[(10, 1, 0.5, 2.5, False), (11, 1, 0.5, 2.5, True)],
            indicators=[questionnaire(1)],
            members=[member(1)],
            category_weights=ALL_ON_PERFORMANCE,
        )
    )
    assert result.role_scores[(1, 1, "self")][0] == approx(25.0)
    assert result.role_scores[(1, 1, "peer")][0] == approx(75.0)


def test_a_question_linked_to_no_indicator_scores_nothing(scorer):
    result = scorer(
        make_inputs(
            # q10 (indicator 1) answered 6 → 60; q99 has no indicator: its 0 must not pull the 60 down.
            answers=[(1, 1, "self", 10, 6.0), (1, 1, "self", 99, 0.0), (2, 2, "self", 99, 10.0)],
            questions=[ten_point(10, 1), ten_point(99, None)],
            indicators=[questionnaire(1)],
            members=[member(1), member(2)],
            category_weights=ALL_ON_PERFORMANCE,
        )
    )
    assert result.role_scores == {(1, 1, "self"): (approx(60.0), 1)}
    assert result.indicator_scores == {(1, 1): approx(60.0)}
    # member 2 answered only the unlinked question: no indicator score, so no card.
    assert set(result.cards) == {1}


def test_each_anonymous_form_is_a_rater_of_its_own(scorer):
    result = scorer(
        make_inputs(
            # form −1: q10 = 10, q11 = 10 → its mean 100;  form −2: q10 = 0 → 0.
            # masses = (100 + 0) / 2 = 50 with 2 raters (pooled as one rater it would be 200 / 3 = 66.7).
            answers=[(1, -1, "masses", 10, 10.0), (1, -1, "masses", 11, 10.0), (1, -2, "masses", 10, 0.0)],
            questions=[ten_point(10, 1), ten_point(11, 1)],
            indicators=[questionnaire(1)],
            members=[member(1)],
            category_weights=ALL_ON_PERFORMANCE,
        )
    )
    assert result.role_scores[(1, 1, "masses")] == (approx(50.0), 2)


# ------------------------------------------------------------------------------------------------- rule 3


def test_a_skipped_question_is_left_out_of_the_raters_mean_not_counted_as_zero(scorer):
    result = scorer(
        make_inputs(
            # peer 2: q10 = 10 (100), q11 = 5 (50) → 75;  peer 3 skipped q11: q10 = 2.5 → 25.
            # peer role = (75 + 25) / 2 = 50 with 2 raters;
            # not (100 + 50 + 25) / 3 = 58.3 (pooled) and not (100 + 50 + 25 + 0) / 4 (skip as zero).
            answers=[(1, 2, "peer", 10, 10.0), (1, 2, "peer", 11, 5.0), (1, 3, "peer", 10, 2.5)],
            questions=[ten_point(10, 1), ten_point(11, 1)],
            indicators=[questionnaire(1)],
            members=[member(1), member(2), member(3)],
            category_weights=ALL_ON_PERFORMANCE,
        )
    )
    assert result.role_scores[(1, 1, "peer")] == (approx(50.0), 2)
    assert result.indicator_scores[(1, 1)] == approx(50.0)


def test_role_scores_are_kept_per_indicator(scorer):
    result = scorer(
        make_inputs(
            # peer 2 rates indicator 1 (q10 = 4 → 40) and indicator 2 (q20 = 9 → 90): two role scores.
            answers=[(1, 2, "peer", 10, 4.0), (1, 2, "peer", 20, 9.0)],
            questions=[ten_point(10, 1), ten_point(20, 2)],
            indicators=[questionnaire(1, weight=0.5), questionnaire(2, weight=0.5, source="rating")],
            members=[member(1), member(2)],
            category_weights=ALL_ON_PERFORMANCE,
        )
    )
    assert result.role_scores == {(1, 1, "peer"): (approx(40.0), 1), (1, 2, "peer"): (approx(90.0), 1)}
    # dimension: (0.5 × 40 + 0.5 × 90) / 1 = 65
    assert result.dimension_scores[(1, "performance")] == (approx(65.0), approx(1.0))


# ------------------------------------------------------------------------------------------------- rule 4


def test_roles_are_renormalised_over_the_roles_present(scorer):
    result = scorer(
        make_inputs(
            # weights self .1, peer .3, secretary .4, masses .2; no secretary answered.
            # self 80, peer 60, masses 30 → (.1 × 80 + .3 × 60 + .2 × 30) / (.1 + .3 + .2) = 32 / .6 = 53.33…
            answers=[(1, 1, "self", 10, 8.0), (1, 2, "peer", 10, 6.0), (1, -7, "masses", 10, 3.0)],
            questions=[ten_point(10, 1)],
            indicators=[questionnaire(1)],
            members=[member(1), member(2)],
            category_weights=ALL_ON_PERFORMANCE,
            rater_weights=ROLE_WEIGHTS,
        )
    )
    assert result.indicator_scores[(1, 1)] == approx(32 / 0.6)


def test_a_role_of_weight_zero_is_never_present(scorer):
    weights = {"self": 0.0, "peer": 0.5, "secretary": 0.5, "masses": 0.0}
    result = scorer(
        make_inputs(
            # member 1: self 80 (weight 0) and peer 40 → 40, not (80 + 40) / 2.
            # member 2: only self answered → a role score, but no role present: no indicator score, no card.
            answers=[(1, 1, "self", 10, 8.0), (1, 2, "peer", 10, 4.0), (2, 2, "self", 10, 9.0)],
            questions=[ten_point(10, 1)],
            indicators=[questionnaire(1)],
            members=[member(1), member(2)],
            category_weights=ALL_ON_PERFORMANCE,
            rater_weights=weights,
        )
    )
    assert result.role_scores[(2, 1, "self")] == (approx(90.0), 1)
    assert result.indicator_scores == {(1, 1): approx(40.0)}
    assert set(result.cards) == {1}


# ------------------------------------------------------------------------------------------------- rule 5


def test_a_dimension_with_a_missing_indicator_has_the_present_share_as_coverage(scorer):
    result = scorer(
        make_inputs(
            # indicator 1 (weight .6) = 70; indicator 2 (weight .4) unanswered; indicator 3 (weight 0) = 10.
            # dimension = .6 × 70 / .6 = 70 (indicator 3 is never present); coverage = .6 / (.6 + .4 + 0) = .6
            answers=[(1, 1, "self", 10, 7.0), (1, 1, "self", 30, 1.0)],
            questions=[ten_point(10, 1), ten_point(20, 2), ten_point(30, 3)],
            indicators=[questionnaire(1, weight=0.6), questionnaire(2, weight=0.4), questionnaire(3, weight=0.0)],
            members=[member(1)],
            category_weights=ALL_ON_PERFORMANCE,
        )
    )
    assert result.indicator_scores == {(1, 1): approx(70.0), (1, 3): approx(10.0)}
    assert result.dimension_scores[(1, "performance")] == (approx(70.0), approx(0.6))


def test_indicators_combine_with_their_weights(scorer):
    result = scorer(
        make_inputs(
            # indicator 1 (weight .25) = 100, indicator 2 (weight .75) = 20 → 25 + 15 = 40, coverage 1
            answers=[(1, 1, "self", 10, 10.0), (1, 1, "self", 20, 2.0)],
            questions=[ten_point(10, 1), ten_point(20, 2)],
            indicators=[questionnaire(1, weight=0.25), questionnaire(2, weight=0.75)],
            members=[member(1)],
            category_weights=ALL_ON_PERFORMANCE,
        )
    )
    assert result.dimension_scores[(1, "performance")] == (approx(40.0), approx(1.0))


# ------------------------------------------------------------------------------------------------- rule 6


def test_the_total_renormalises_over_the_profile_dimensions_present(scorer):
    profile = {1: {"performance": 0.3, "execution": 0.2, "wisdom": 0.5, "culture": 0, "team": 0, "belief": 0}}
    result = scorer(
        make_inputs(
            # performance 80 (profile .3), execution 50 (profile .2), wisdom unanswered (profile .5).
            # total = (.3 × 80 + .2 × 50) / .5 = 34 / .5 = 68; coverage = .3 + .2 = .5
            answers=[(1, 1, "self", 10, 8.0), (1, 1, "self", 20, 5.0)],
            questions=[ten_point(10, 1), ten_point(20, 2), ten_point(30, 3)],
            indicators=[
                questionnaire(1),
                questionnaire(2, dimension="execution"),
                questionnaire(3, dimension="wisdom"),
            ],
            members=[member(1)],
            category_weights=profile,
        )
    )
    assert result.cards[1] == (approx(68.0), approx(0.5), 1, "基本合格")


def test_a_member_scored_only_in_a_zero_weight_dimension_has_a_card_without_total(scorer):
    profile = {1: {"performance": 0.0, "execution": 1.0}}  # no row for the others: weight 0 as well
    result = scorer(
        make_inputs(
            # member 1 is scored in performance only (profile weight 0): card, no total, coverage 0, no rank/grade.
            # member 2 is scored in execution: total 50, alone in the branch's ranking → rank 1.
            answers=[(1, 1, "self", 10, 9.0), (2, 2, "self", 20, 5.0)],
            questions=[ten_point(10, 1), ten_point(20, 2)],
            indicators=[questionnaire(1), questionnaire(2, dimension="execution")],
            members=[member(1), member(2), member(3)],
            category_weights=profile,
        )
    )
    assert result.dimension_scores[(1, "performance")] == (approx(90.0), approx(1.0))
    assert result.cards[1] == (None, approx(0.0), None, None)
    assert result.cards[2] == (approx(50.0), approx(1.0), 1, "不合格")
    assert 3 not in result.cards


# ------------------------------------------------------------------------------------------------- rule 2


def test_a_kpi_is_clamped_to_0_and_100(scorer):
    result = scorer(
        make_inputs(
            # floor 60, target 100: 120 → 150 → 100;  50 → −25 → 0;  90 → 30 / 40 × 100 = 75
            indicators=[kpi(1, 60.0, 100.0)],
            members=[member(1), member(2), member(3)],
            measurements=[("member", 1, 1, 120.0), ("member", 2, 1, 50.0), ("member", 3, 1, 90.0)],
            category_weights=ALL_ON_PERFORMANCE,
        )
    )
    assert result.indicator_scores == {(1, 1): approx(100.0), (2, 1): approx(0.0), (3, 1): approx(75.0)}
    assert result.role_scores == {}
    assert {member_id: card[0] for member_id, card in result.cards.items()} == {
        1: approx(100.0),
        2: approx(0.0),
        3: approx(75.0),
    }


def test_a_lower_is_better_kpi_has_its_floor_above_its_target(scorer):
    result = scorer(
        make_inputs(
            # floor 10, target 2: 4 → (4 − 10) / (2 − 10) × 100 = 75;  1 → 112.5 → 100;  12 → −25 → 0
            indicators=[kpi(1, 10.0, 2.0)],
            members=[member(1), member(2), member(3)],
            measurements=[("member", 1, 1, 4.0), ("member", 2, 1, 1.0), ("member", 3, 1, 12.0)],
            category_weights=ALL_ON_PERFORMANCE,
        )
    )
    assert result.indicator_scores == {(1, 1): approx(75.0), (2, 1): approx(100.0), (3, 1): approx(0.0)}


def test_a_kpi_without_own_measurement_is_the_mean_over_the_posts_held(scorer):
    result = scorer(
        make_inputs(
            # indicator: floor 0, target 100.  Member 1 holds posts 701, 702, 703.
            # post 701 has its own floor 50 / target 150: value 100 → 50 / 100 × 100 = 50
            # post 702 has no target of its own: value 80 on the indicator's 0–100 → 80
            # post 703 has no measurement: left out.  KPI = (50 + 80) / 2 = 65
            # member 2 holds no post and has no measurement: no score, no card.
            indicators=[kpi(1, 0.0, 100.0)],
            members=[member(1), member(2)],
            measurements=[("post", 701, 1, 100.0), ("post", 702, 1, 80.0)],
            post_targets=[(701, 1, 50.0, 150.0), (703, 1, 0.0, 10.0)],
            post_holders=[(701, 1), (702, 1), (703, 1)],
            category_weights=ALL_ON_PERFORMANCE,
        )
    )
    assert result.indicator_scores == {(1, 1): approx(65.0)}
    assert set(result.cards) == {1}


def test_a_members_own_measurement_beats_his_posts(scorer):
    result = scorer(
        make_inputs(
            # own value 30 on the indicator's 0–100 → 30; his post's 100 on 50–150 (→ 50) is not used.
            indicators=[kpi(1, 0.0, 100.0)],
            members=[member(1)],
            measurements=[("member", 1, 1, 30.0), ("post", 701, 1, 100.0)],
            post_targets=[(701, 1, 50.0, 150.0)],
            post_holders=[(701, 1)],
            category_weights=ALL_ON_PERFORMANCE,
        )
    )
    assert result.indicator_scores == {(1, 1): approx(30.0)}


def test_a_kpi_and_rated_indicators_share_a_dimension(scorer):
    result = scorer(
        make_inputs(
            # KPI (weight .5): 40 of floor 0 / target 80 → 50;  questionnaire (weight .5): self 9 → 90.
            # dimension = (.5 × 50 + .5 × 90) / 1 = 70
            answers=[(1, 1, "self", 10, 9.0)],
            questions=[ten_point(10, 2)],
            indicators=[kpi(1, 0.0, 80.0, weight=0.5), questionnaire(2, weight=0.5)],
            members=[member(1)],
            measurements=[("member", 1, 1, 40.0)],
            category_weights=ALL_ON_PERFORMANCE,
        )
    )
    assert result.dimension_scores[(1, "performance")] == (approx(70.0), approx(1.0))
    assert (1, 1, "self") not in result.role_scores


# ------------------------------------------------------------------------------------------ rules 7 and 8


def test_ties_share_the_best_rank_inside_each_branch(scorer):
    result = scorer(
        one_question_members(
            # branch 1: 90, 80, 80, 70 → ranks 1, 2, 2, 4.  Branch 2 ranks on its own: 85 → 1.
            # Member 3 stands for a 党小组 member: the loader gives him his 党支部 (branch 1) to rank in.
            {(1, "1", 1): 90.0, (2, "2", 1): 80.0, (3, "3", 1): 80.0, (4, "4", 1): 70.0, (5, "5", 2): 85.0}
        )
    )
    assert {member_id: card[2] for member_id, card in result.cards.items()} == {1: 1, 2: 2, 3: 2, 4: 4, 5: 1}


def test_totals_equal_once_rounded_to_9_decimals_tie(scorer):
    result = scorer(
        make_inputs(
            # member 1: 8 on 0–10 → exactly 80.
            # member 2: 0.94 on 0.3–1.1 → (0.94 − 0.3) / 0.8 × 100 = 79.99999999999999 in floating point.
            # member 3: 7 on 0–10 → 70.  Ranks 1, 1, 3.
            answers=[(1, 1, "self", 10, 8.0), (2, 2, "self", 11, 0.94), (3, 3, "self", 10, 7.0)],
            questions=[ten_point(10, 1), (11, 1, 0.3, 1.1, False)],
            indicators=[questionnaire(1)],
            members=[member(1), member(2), member(3)],
            category_weights=ALL_ON_PERFORMANCE,
        )
    )
    assert {member_id: card[2] for member_id, card in result.cards.items()} == {1: 1, 2: 1, 3: 3}


def test_a_total_of_89_99999999999999_is_graded_excellent(scorer):
    result = scorer(
        make_inputs(
            # 0.83 on 0.2–0.9: (0.83 − 0.2) / 0.7 × 100 = 89.99999999999999 in floating point, 90 rounded → 优秀
            # 0.94 on 0.3–1.1: 79.99999999999999 → 合格;  and 6 on 0–10 = 60 exactly → 基本合格 (≥ 60)
            answers=[(1, 1, "self", 10, 0.83), (2, 2, "self", 11, 0.94), (3, 3, "self", 12, 6.0)],
            questions=[(10, 1, 0.2, 0.9, False), (11, 1, 0.3, 1.1, False), ten_point(12, 1)],
            indicators=[questionnaire(1)],
            members=[member(1), member(2), member(3)],
            category_weights=ALL_ON_PERFORMANCE,
        )
    )
    assert result.cards[1][0] == approx(90.0)
    assert {member_id: card[3] for member_id, card in result.cards.items()} == {1: "优秀", 2: "合格", 3: "基本合格"}


def test_grades_are_read_best_first_whatever_their_order(scorer):
    inputs = one_question_members({(1, "1", 1): 75.0, (2, "2", 1): 40.0, (3, "3", 1): 100.0})
    inputs.grades = [("C", 0.0, None), ("A", 100.0, None), ("B", 75.0, None)]
    result = scorer(inputs)
    assert {member_id: card[3] for member_id, card in result.cards.items()} == {1: "B", 2: "C", 3: "A"}


def test_the_top_grade_cap_keeps_the_first_in_rank_then_employee_no_code_point_order(scorer):
    inputs = one_question_members(
        # Five ranked members, top share .2 → ⌊.2 × 5 + 1e-9⌋ = 1 keeps 优秀.
        # "9" and "10" tie at 95 (rank 1): code-point order puts "10" first, so "10" keeps 优秀; "9" and
        # "11" (92, rank 3) take the next grade 合格 although their totals reach 90.
        {(1, "9", 1): 95.0, (2, "10", 1): 95.0, (3, "11", 1): 92.0, (4, "2", 1): 50.0, (5, "3", 1): 40.0}
    )
    inputs.grades = [("优秀", 90.0, 0.2), ("合格", 70.0, None), ("基本合格", 60.0, None), ("不合格", 0.0, None)]
    result = scorer(inputs)
    assert {member_id: card[2:] for member_id, card in result.cards.items()} == {
        1: (1, "合格"),
        2: (1, "优秀"),
        3: (3, "合格"),
        4: (4, "不合格"),
        5: (5, "不合格"),
    }


def test_the_top_grade_cap_counts_ranked_members_per_branch(scorer):
    inputs = one_question_members(
        # branch 1: four ranked members, share .5 → ⌊2 + 1e-9⌋ = 2: 95 and 93 keep 优秀, 91 → 合格.
        # branch 2: one ranked member, ⌊.5⌋ = 0 → his 99 takes 合格.  Member 9 has no total: not counted.
        {(1, "1", 1): 95.0, (2, "2", 1): 93.0, (3, "3", 1): 91.0, (4, "4", 1): 10.0, (5, "5", 2): 99.0}
    )
    inputs.grades = [("优秀", 90.0, 0.5), ("合格", 70.0, None), ("不合格", 0.0, None)]
    result = scorer(inputs)
    assert {member_id: card[3] for member_id, card in result.cards.items()} == {
        1: "优秀",
        2: "优秀",
        3: "合格",
        4: "不合格",
        5: "合格",
    }


def test_grades_decide_on_the_same_rounding_as_decision_round(engine_score):
    # 59.9999999995 sits on a half-way point of the ninth decimal, where rounding methods disagree
    # (Python's round gives 59.999999999, scale-and-round gives 60.0). Whatever rule 8's one rounding
    # gives, the grade must follow from that same value.
    total = 59.9999999995
    inputs = make_inputs(
        answers=[(1, 1, "self", 10, total)],
        questions=[(10, 1, 0.0, 100.0, False)],  # s = v / 100 × 100 = v
        indicators=[questionnaire(1)],
        members=[member(1)],
        category_weights=ALL_ON_PERFORMANCE,
    )
    cards = engine_score(inputs).cards.set_index("member_id")
    expected = "基本合格" if decision_round(cards.loc[1, "total"]) >= 60 else "不合格"
    assert cards.loc[1, "grade"] == expected


# ------------------------------------------------------------------------------------------ self vs others


def self_and_others_inputs(rater_weights: dict[str, float]):
    # performance: indicator 1 (questionnaire, .4), indicator 2 (rating, .4), indicator 3 (KPI, .2).
    #   indicator 1: self 8 → 80; peers 2 and 3: 6 and 4 → peer 50; anonymous form −1: 2 → masses 20
    #   indicator 2: self 6 → 60; secretary 4: 9 → 90; peer 2: 7 → 70
    #   indicator 3: KPI 100 of 0–100 → 100 (never part of self vs others)
    return make_inputs(
        answers=[
            (1, 1, "self", 10, 8.0),
            (1, 2, "peer", 10, 6.0),
            (1, 3, "peer", 10, 4.0),
            (1, -1, "masses", 10, 2.0),
            (1, 1, "self", 20, 6.0),
            (1, 4, "secretary", 20, 9.0),
            (1, 2, "peer", 20, 7.0),
        ],
        questions=[ten_point(10, 1), ten_point(20, 2)],
        indicators=[questionnaire(1, weight=0.4), questionnaire(2, weight=0.4, source="rating"), kpi(3, 0, 100, 0.2)],
        members=[member(1), member(2), member(3), member(4)],
        measurements=[("member", 1, 3, 100.0)],
        category_weights=ALL_ON_PERFORMANCE,
        rater_weights=rater_weights,
    )


def test_self_and_others_scores_with_the_count_of_other_raters(scorer):
    result = scorer(self_and_others_inputs({"self": 0.2, "peer": 0.3, "secretary": 0.3, "masses": 0.2}))
    # self = (.4 × 80 + .4 × 60) / .8 = 70
    # others, indicator 1 = (.3 × 50 + .2 × 20) / .5 = 38;  indicator 2 = (.3 × 90 + .3 × 70) / .6 = 80
    # others = (.4 × 38 + .4 × 80) / .8 = 59;  raters: peers 2 and 3, form −1, secretary 4 → 4
    assert result.self_others[(1, "performance")] == (approx(70.0), approx(59.0), 4)


def test_a_zero_weight_role_neither_scores_nor_counts_among_the_others(scorer):
    result = scorer(self_and_others_inputs({"self": 0.0, "peer": 0.4, "secretary": 0.4, "masses": 0.0}))
    # self has weight 0: no self score.  masses weight 0: form −1 is left out.
    # others, indicator 1 = peer 50;  indicator 2 = (.4 × 90 + .4 × 70) / .8 = 80;  others = (50 + 80) / 2 = 65
    # raters: peers 2 and 3, secretary 4 → 3
    assert result.self_others[(1, "performance")] == (None, approx(65.0), 3)


def test_a_rater_in_two_roles_counts_once_among_the_others(scorer):
    inputs = make_inputs(
        # member 2 rated member 1 as peer (q10 = 5 → 50) and as secretary (q10 = 7 → 70): one distinct rater.
        answers=[(1, 2, "peer", 10, 5.0), (1, 2, "secretary", 10, 7.0)],
        questions=[ten_point(10, 1)],
        indicators=[questionnaire(1)],
        members=[member(1), member(2)],
        category_weights=ALL_ON_PERFORMANCE,
        rater_weights={"self": 0.2, "peer": 0.4, "secretary": 0.4, "masses": 0.0},
    )
    result = scorer(inputs)
    # others = (.4 × 50 + .4 × 70) / .8 = 60, one rater;  no self answer → no self score
    assert result.self_others[(1, "performance")] == (None, approx(60.0), 1)


# ----------------------------------------------------------------------------------------- the result frames


def test_the_engine_returns_the_documented_columns(engine_score):
    result = engine_score(self_and_others_inputs({"self": 0.2, "peer": 0.3, "secretary": 0.3, "masses": 0.2}))
    assert set(result.role_scores.columns) >= {"member_id", "indicator_id", "role", "score", "raters"}
    assert set(result.indicator_scores.columns) >= {"member_id", "indicator_id", "score"}
    assert set(result.dimension_scores.columns) >= {"member_id", "dimension", "score", "coverage"}
    assert set(result.cards.columns) >= {"member_id", "total", "coverage", "rank", "grade"}
    assert set(result.self_others.columns) >= {"member_id", "dimension", "self_score", "others_score", "others_raters"}
    assert str(result.cards["rank"].dtype) == "Int64"
