"""The selection rules of DESIGN.md "Commendation" on hand-made candidates (no database)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from reports.commendation import CANDIDATE_COLUMNS, Rules, select, shown


def candidates(*rows: tuple[str, str, float, float | None]) -> pd.DataFrame:
    """Rows of (code, branch, score, last year's score or None)."""
    return pd.DataFrame(
        [
            {
                "kind": "member",
                "member_id": number,
                "post_id": None,
                "code": code,
                "name": f"姓名{code}",
                "branch": branch,
                "branch_name": f"支部{branch}",
                "score": score,
                "last_score": math.nan if last is None else last,
            }
            for number, (code, branch, score, last) in enumerate(rows, start=1)
        ],
        columns=CANDIDATE_COLUMNS,
    )


def chosen(frame: pd.DataFrame) -> list[str]:
    return frame.loc[frame["selected"], "code"].tolist()


def reasons_of(frame: pd.DataFrame, code: str) -> str:
    return " | ".join(frame.loc[frame["code"] == code, "reasons"].iloc[0])


def test_a_score_exactly_at_the_minimum_is_in_and_just_below_is_out():
    result = select(candidates(("A", "B1", 80.0, None), ("B", "B1", 79.99, None)), Rules(min_score=80))
    assert chosen(result) == ["A"]
    assert "总分 80.0 ≥ 最低分 80" in reasons_of(result, "A")
    assert "低于最低分 80" in reasons_of(result, "B")


def test_89_99999999999999_meets_a_minimum_of_90():
    result = select(candidates(("A", "B1", 89.99999999999999, None)), Rules(min_score=90))
    assert chosen(result) == ["A"]


def test_a_score_that_shows_as_the_minimum_but_is_below_it_shows_its_decimals():
    result = select(candidates(("A", "B1", 79.96, None)), Rules(min_score=80))
    assert chosen(result) == []
    assert "总分 79.96 低于最低分 80" in reasons_of(result, "A")
    assert shown(79.96) == "80.0"


def test_a_fall_of_exactly_the_tolerance_stays_in_and_more_is_out():
    result = select(
        candidates(("A", "B1", 90.0, 90.5), ("B", "B1", 90.1, 90.6), ("C", "B1", 90.0, 90.6)),
        Rules(fall_tolerance=0.5),
    )
    assert chosen(result) == ["B", "A"]
    assert "较去年下降 0.5，未超过容差 0.5" in reasons_of(result, "A")
    assert "较去年下降 0.6，超过容差 0.5" in reasons_of(result, "C")


def test_with_the_default_tolerance_any_fall_is_out_and_no_change_stays_in():
    result = select(candidates(("A", "B1", 89.9, 90.0), ("B", "B1", 85.0, 85.0), ("C", "B1", 70.0, 60.0)), Rules())
    assert chosen(result) == ["B", "C"]
    assert "与去年持平" in reasons_of(result, "B")
    assert "较去年上升 10.0" in reasons_of(result, "C")


def test_a_change_that_shows_as_zero_shows_its_decimals():
    result = select(candidates(("A", "B1", 90.0, 90.04), ("B", "B1", 90.04, 90.0)), Rules())
    assert "较去年下降 0.04，超过容差 0" in reasons_of(result, "A")
    assert "较去年上升 0.04" in reasons_of(result, "B")


def test_a_candidate_without_last_year_is_eligible():
    result = select(candidates(("A", "B1", 91.0, None)), Rules(min_score=90))
    assert chosen(result) == ["A"]
    assert "去年无成绩，视为符合 (no score last year: eligible)" in reasons_of(result, "A")


def test_the_branch_cap_takes_the_best_of_each_branch():
    result = select(
        candidates(
            ("A1", "B1", 95.0, None), ("A2", "B1", 94.0, None), ("A3", "B1", 93.0, None), ("B1", "B2", 80.0, None)
        ),
        Rules(per_branch=2),
    )
    assert chosen(result) == ["A1", "A2", "B1"]
    assert "超出本支部名额 2 (over the branch's cap of 2)" in reasons_of(result, "A3")


def test_an_ineligible_candidate_takes_no_place_in_the_branch_cap():
    result = select(
        candidates(("A1", "B1", 95.0, 99.0), ("A2", "B1", 94.0, None), ("A3", "B1", 60.0, None)),
        Rules(min_score=70, per_branch=1),
    )
    assert chosen(result) == ["A2"]
    assert "超出" not in reasons_of(result, "A1")  # out for falling, not for the cap


@pytest.mark.parametrize(
    ("share", "eligible", "places"),
    [(20, 5, 1), (20, 4, 0), (30, 10, 3), (29, 100, 29), (70, 10, 7), (100, 3, 3), (12.5, 8, 1)],
)
def test_the_share_cap_is_the_floor_of_the_share_of_the_eligible_plus_1e_9(share, eligible, places):
    rows = [(f"M{i:03d}", "B1", 90.0 - i * 0.1, None) for i in range(eligible)]
    rows.append(("Z999", "B1", 10.0, None))  # below the minimum: not counted
    result = select(candidates(*rows), Rules(min_score=50, share=share))
    assert len(chosen(result)) == places
    assert Rules(share=share).share_places(eligible) == places


def test_the_share_counts_eligible_candidates_not_everybody():
    rows = [("A", "B1", 95.0, None), ("B", "B1", 90.0, None), ("C", "B1", 50.0, None), ("D", "B1", 40.0, None)]
    result = select(candidates(*rows), Rules(min_score=80, share=50))
    assert chosen(result) == ["A"]
    assert "超出比例上限 50%（名额 1） (over the share cap of 50 %: 1 place)" in reasons_of(result, "B")


def test_both_caps_apply_the_branch_cap_first_then_the_share():
    rows = [
        ("A1", "X", 99.0, None),
        ("A2", "X", 98.0, None),
        ("A3", "X", 97.0, None),
        ("B", "Y", 90.0, None),
        ("C", "Z", 80.0, None),
    ]
    # 5 eligible, 60 % → 3 places; the branch cap leaves A1, B and C for them.
    result = select(candidates(*rows), Rules(per_branch=1, share=60))
    assert chosen(result) == ["A1", "B", "C"]
    # 40 % → 2 places: the best two the branch cap lets through.
    result = select(candidates(*rows), Rules(per_branch=1, share=40))
    assert chosen(result) == ["A1", "B"]
    assert "超出本支部名额 1" in reasons_of(result, "A2")
    assert "超出比例上限 40%（名额 2）" in reasons_of(result, "C")


def test_ties_are_cut_by_code_and_the_one_left_out_at_a_cap_is_told_why():
    rows = [("P2", "B1", 90.0, None), ("P10", "B1", 90.0, None), ("P1", "B1", 90.0000000000001, None)]
    result = select(candidates(*rows), Rules(per_branch=2))
    # Rounded to 9 decimals all three tie; code-point order puts P1 < P10 < P2.
    assert result["code"].tolist() == ["P1", "P10", "P2"]
    assert result["position"].tolist() == [1, 2, 3]
    assert chosen(result) == ["P1", "P10"]
    assert "与已入选者同分，按编码排在其后" in reasons_of(result, "P2")

    result = select(candidates(*rows), Rules(share=50))  # 3 eligible → 1 place
    assert chosen(result) == ["P1"]
    assert "超出比例上限 50%（名额 1）：与已入选者同分" in reasons_of(result, "P10")


def test_a_candidate_out_by_a_lower_score_is_not_called_a_tie():
    result = select(candidates(("A", "B1", 95.0, None), ("B", "B1", 94.0, None)), Rules(per_branch=1))
    assert "同分" not in reasons_of(result, "B")


def test_the_list_is_best_first_whatever_the_input_order():
    result = select(candidates(("C", "B1", 70.0, None), ("A", "B1", 90.0, None), ("B", "B1", 80.0, None)), Rules())
    assert result["code"].tolist() == ["A", "B", "C"]
    assert result["selected"].all()
    assert all(reasons[-1] == "入选 (selected)" for reasons in result["reasons"])


def test_no_candidates_give_an_empty_list():
    result = select(candidates(), Rules(per_branch=1, share=10))
    assert result.empty


@pytest.mark.parametrize(
    ("rules", "fragment"),
    [
        (Rules(fall_tolerance=-0.1), "下降容差不能为负数"),
        (Rules(share=0), "比例上限须大于 0"),
        (Rules(share=100.5), "比例上限须大于 0"),
        (Rules(share=math.nan), "比例上限须大于 0"),
        (Rules(per_branch=0), "每支部名额至少为 1"),
        (Rules(min_score=101), "最低年度总分须在 0 到 100 之间"),
        (Rules(min_score=-1), "最低年度总分须在 0 到 100 之间"),
        (Rules(kinds="leaders"), "表彰对象须为 posts、members 或 both"),
    ],
)
def test_bad_rules_are_named(rules, fragment):
    problems = rules.problems()
    assert len(problems) == 1
    assert fragment in problems[0]


def test_good_rules_have_no_problems():
    assert Rules(kinds="posts", min_score=80, fall_tolerance=0, per_branch=2, share=20).problems() == []


def test_a_reason_reads_in_the_readers_language():
    from reports.commendation import reason_in

    reason = "超出比例上限 50%（名额 1） (over the share cap of 50 %: 1 place)"
    assert reason_in(reason, "zh-hans") == "超出比例上限 50%（名额 1）"
    assert reason_in(reason, "en") == "over the share cap of 50 %: 1 place"
    assert reason_in("入选", "en") == "入选"  # a text without its English stays as it is
