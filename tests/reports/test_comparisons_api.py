"""`comparisons/` and `branches/comparisons/`: the fields of FORMATS.md, the rules, and scope."""

import pytest
from scipy import stats

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def get(user, path, **params):
    response = client_for(user).get(path, params)
    return response


def by_employee(response):
    return {row["employee_no"]: row for row in response.json()["results"]}


def test_members_compare_with_the_same_period_last_year_by_default(two_years, admin_user):
    response = get(admin_user, "/api/v1/comparisons/", period="2025")
    assert response.status_code == 200
    rows = by_employee(response)
    assert rows["1001"]["status"] == "both"
    assert rows["1001"]["baseline"] == "2024"
    total = rows["1001"]["total"]
    assert (total["now"], total["before"], total["delta"], total["pct"]) == pytest.approx((100, 50, 50, 100))
    assert total["trend"] == "up"
    assert rows["1002"]["total"]["trend"] == "flat"
    assert rows["1003"]["dimensions"]["team"]["trend"] == "down"
    assert rows["2001"]["status"] == "new" and rows["2001"]["total"]["before"] is None
    assert rows["2002"]["status"] == "left" and rows["2002"]["total"]["now"] is None
    assert set(rows["1001"]["dimensions"]) == {"performance", "execution", "wisdom", "culture", "team", "belief"}


def test_branch_means_counts_and_paired_tests(two_years, admin_user):
    rows = {
        row["unit"]: row for row in get(admin_user, "/api/v1/branches/comparisons/", period="2025").json()["results"]
    }
    assert set(rows) == {"C1", "B1", "B2"}  # groups roll up into their branch
    branch = rows["B1"]
    assert (branch["members_now"], branch["members_before"], branch["members_both"]) == (3, 3, 3)
    assert (branch["up"], branch["flat"], branch["down"]) == (1, 1, 1)
    assert branch["total"]["now"] == pytest.approx((100 + 75 + 50) / 3)
    assert branch["total"]["before"] == pytest.approx((50 + 75 + 75) / 3)
    now, before = [100.0, 75.0, 50.0], [50.0, 75.0, 75.0]  # 1001, 1002, 1003
    assert branch["paired_t_p"] == pytest.approx(stats.ttest_rel(now, before).pvalue, rel=1e-6)
    assert branch["wilcoxon_p"] == pytest.approx(stats.wilcoxon(now, before).pvalue, rel=1e-6)
    assert rows["B2"]["members_both"] == 0 and rows["B2"]["paired_t_p"] is None


def test_a_named_baseline_and_threshold_are_used(two_years, admin_user):
    rows = by_employee(get(admin_user, "/api/v1/comparisons/", period="2025", baseline="2025", threshold=0))
    assert rows["1001"]["baseline"] == "2025"
    assert rows["1001"]["total"]["delta"] == pytest.approx(0.0) and rows["1001"]["total"]["trend"] == "flat"


def test_a_malformed_period_is_a_clear_400(two_years, admin_user):
    response = get(admin_user, "/api/v1/comparisons/", period="2025-Q9")
    assert response.status_code == 400
    assert "期间" in response.json()["detail"]


def test_secretary_sees_only_his_branch_and_another_branch_is_404(two_years):
    secretary = two_years["secretary_a"].user
    rows = by_employee(get(secretary, "/api/v1/comparisons/", period="2025"))
    assert set(rows) == {"1001", "1002", "1003"}
    branches = get(secretary, "/api/v1/branches/comparisons/", period="2025").json()["results"]
    assert [row["unit"] for row in branches] == ["B1"]
    assert get(secretary, "/api/v1/comparisons/", period="2025", unit="B2").status_code == 404
    assert get(secretary, "/api/v1/branches/comparisons/", period="2025", unit="B2").status_code == 404


def test_a_member_compares_only_himself_and_no_branch(two_years):
    member = two_years["member_a"].user
    assert set(by_employee(get(member, "/api/v1/comparisons/", period="2025"))) == {"1002"}
    assert get(member, "/api/v1/branches/comparisons/", period="2025").json()["results"] == []
