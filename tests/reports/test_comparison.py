import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from reports.comparison import compare_values, member_comparison, system_changes, trend_of, unit_comparison


def cards(rows):
    frame = pd.DataFrame(rows)
    for measure in ("performance", "execution", "wisdom", "culture", "team", "belief"):
        if measure not in frame:
            frame[measure] = np.nan
    return frame


def test_delta_pct_and_trend_for_a_member_in_both_periods():
    result = compare_values(pd.Series([82.0]), pd.Series([80.0])).iloc[0]
    assert result["delta"] == pytest.approx(2.0)
    assert result["pct"] == pytest.approx(2.5)
    assert result["trend"] == "up"


@pytest.mark.parametrize(
    ("delta", "expected"),
    [(1.0, "up"), (-1.0, "down"), (0.999, "flat"), (-0.999, "flat"), (0.0, "flat"), (1.0000000000001, "up")],
)
def test_the_trend_moves_at_exactly_the_threshold_and_is_flat_below_it(delta, expected):
    assert trend_of(pd.Series([delta]), threshold=1.0).iloc[0] == expected


def test_a_delta_that_rounds_to_the_threshold_moves():
    # 90.1 - 89.1 is 0.9999999999999858 in floating point; rule 8 rounds it to 1.0.
    assert trend_of(pd.Series([90.1 - 89.1]), threshold=1.0).iloc[0] == "up"


def test_a_zero_delta_is_flat_even_with_a_zero_threshold():
    assert list(trend_of(pd.Series([0.0, 0.5, -0.5]), threshold=0.0)) == ["flat", "up", "down"]


def test_pct_is_none_when_the_baseline_is_zero_or_missing():
    result = compare_values(pd.Series([5.0, 5.0]), pd.Series([0.0, np.nan]))
    assert result["pct"].isna().all()
    assert result["delta"].iloc[0] == 5.0
    assert math.isnan(result["delta"].iloc[1])
    assert result["trend"].iloc[1] is None


def test_members_are_both_new_or_left():
    now = cards([{"member_id": 1, "total": 80.0}, {"member_id": 2, "total": 70.0}])
    before = cards([{"member_id": 1, "total": 75.0}, {"member_id": 3, "total": 60.0}])
    result = member_comparison(now, before).set_index("member_id")
    assert result.loc[1, "status"] == "both"
    assert result.loc[2, "status"] == "new"
    assert result.loc[3, "status"] == "left"
    assert result.loc[1, "total_delta"] == pytest.approx(5.0)
    assert result.loc[2, "total_trend"] is None
    assert math.isnan(result.loc[3, "total_now"])


def test_a_dimension_missing_in_one_period_has_no_trend():
    now = cards([{"member_id": 1, "total": 80.0, "team": 70.0}])
    before = cards([{"member_id": 1, "total": 78.0}])
    result = member_comparison(now, before).iloc[0]
    assert result["team_now"] == 70.0
    assert result["team_trend"] is None


UNITS = pd.DataFrame({"unit_id": [1, 2, 3]})  # 1 is the committee; 2 and 3 its branches


def unit_cards(rows):
    return cards([{**row, "unit_path": f"/1/{row['unit']}/"} for row in rows])


def test_unit_means_counts_and_tests_match_scipy_on_the_same_vectors():
    now_totals = {10: 80.0, 11: 72.0, 12: 91.0, 13: 65.0, 20: 70.0}
    before_totals = {10: 78.0, 11: 75.0, 12: 85.5, 13: 65.5, 21: 50.0}
    now = unit_cards([{"member_id": m, "total": t, "unit": 2 if m < 20 else 3} for m, t in now_totals.items()])
    before = unit_cards([{"member_id": m, "total": t, "unit": 2 if m < 20 else 3} for m, t in before_totals.items()])
    result = unit_comparison(now, before, units=UNITS).set_index("unit_id")

    branch = result.loc[2]
    assert (branch["members_now"], branch["members_before"], branch["members_both"]) == (4, 4, 4)
    assert (branch["up"], branch["flat"], branch["down"]) == (2, 1, 1)  # +2, -3, +5.5, -0.5
    assert branch["total_now"] == pytest.approx(np.mean([80, 72, 91, 65]))
    assert branch["total_before"] == pytest.approx(np.mean([78, 75, 85.5, 65.5]))
    x, y = [80, 72, 91, 65], [78, 75, 85.5, 65.5]
    assert branch["paired_t_p"] == pytest.approx(stats.ttest_rel(x, y).pvalue)
    assert branch["wilcoxon_p"] == pytest.approx(stats.wilcoxon(x, y).pvalue)

    committee = result.loc[1]
    assert (committee["members_now"], committee["members_before"], committee["members_both"]) == (5, 5, 4)
    assert committee["total_now"] == pytest.approx(np.mean(list(now_totals.values())))

    lone = result.loc[3]
    assert lone["members_both"] == 0
    assert lone["paired_t_p"] is None and lone["wilcoxon_p"] is None


def test_no_tests_when_every_difference_is_zero():
    now = unit_cards([{"member_id": m, "total": 70.0, "unit": 2} for m in (1, 2, 3)])
    before = unit_cards([{"member_id": m, "total": 70.0, "unit": 2} for m in (1, 2, 3)])
    branch = unit_comparison(now, before, units=UNITS).set_index("unit_id").loc[2]
    assert branch["paired_t_p"] is None and branch["wilcoxon_p"] is None
    assert branch["flat"] == 3


def test_a_member_who_moved_branch_counts_where_he_was_in_each_period():
    now = unit_cards([{"member_id": 1, "total": 80.0, "unit": 3}])
    before = unit_cards([{"member_id": 1, "total": 70.0, "unit": 2}])
    result = unit_comparison(now, before, units=UNITS).set_index("unit_id")
    assert (result.loc[2, "members_now"], result.loc[2, "members_before"]) == (0, 1)
    assert (result.loc[3, "members_now"], result.loc[3, "members_before"]) == (1, 0)
    assert result.loc[2, "total_before"] == 70.0 and math.isnan(result.loc[2, "total_now"])


def test_system_changes_list_added_removed_reweighted_and_moved_indicators():
    before = pd.DataFrame(
        [
            {"code": "a", "name": "A", "dimension": "team", "weight": 0.5},
            {"code": "b", "name": "B", "dimension": "team", "weight": 0.5},
            {"code": "c", "name": "C", "dimension": "belief", "weight": 1.0},
        ]
    )
    now = pd.DataFrame(
        [
            {"code": "a", "name": "A", "dimension": "team", "weight": 0.6},
            {"code": "d", "name": "D", "dimension": "team", "weight": 0.4},
            {"code": "c", "name": "C", "dimension": "culture", "weight": 1.0},
        ]
    )
    changes = system_changes(now, before)
    assert [c["code"] for c in changes.added] == ["d"]
    assert [c["code"] for c in changes.removed] == ["b"]
    assert changes.reweighted == [{"code": "a", "name": "A", "before": 0.5, "now": 0.6}]
    assert changes.moved == [{"code": "c", "name": "C", "from": "belief", "to": "culture"}]
    assert changes.any
    assert not system_changes(now, now).any
