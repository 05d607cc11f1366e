"""The secretary's comparison dashboard (issue 6 item 3): choices, figures, sorting and scope."""

from typing import cast

import pytest

from org.models import Member, Unit
from tests.conftest import client_for
from tests.factories import MemberFactory, UnitFactory
from tests.reports.score_data import TWO_YEARS, score_two_years

pytestmark = pytest.mark.django_db

URL = "/reports/dashboard/"


def page(user, **params):
    return client_for(user).get(URL, params)


def employee_numbers(response):
    return [row["employee_no"] for row in response.context["data"].members]


def test_secretary_sees_his_branch_against_last_year(two_years):
    response = page(two_years["secretary_a"].user)
    assert response.status_code == 200
    data = response.context["data"]
    assert data.choices.unit.code == "B1"
    assert (data.choices.period.code, data.choices.baseline.code) == ("2025", "2024")
    assert set(employee_numbers(response)) == {"1001", "1002", "1003"}
    assert data.summary["members_both"] == 3
    assert data.summary["total"]["now"] == pytest.approx((100 + 75 + 50) / 3)
    assert [row["employee_no"] for row in data.risers] == ["1001"]
    assert [row["employee_no"] for row in data.fallers] == ["1003"]
    chart = data.chart
    assert len(chart["dimensions"]) == 6 and [s["key"] for s in chart["series"]] == ["now", "before"]
    content = response.content.decode()
    assert 'id="dashboard-radar"' in content and 'id="dashboard-bars"' in content
    assert "vendor/echarts/echarts.min.js" in content and "js/dashboard.js" in content


def test_the_biggest_movers_come_first_and_columns_sort(two_years):
    user = two_years["secretary_a"].user
    # 1001 rose 50, 1003 fell 25, 1002 did not move.
    assert employee_numbers(page(user)) == ["1001", "1003", "1002"]
    assert employee_numbers(page(user, sort="employee_no")) == ["1001", "1002", "1003"]
    assert employee_numbers(page(user, sort="-delta")) == ["1001", "1002", "1003"]
    assert employee_numbers(page(user, sort="delta")) == ["1003", "1002", "1001"]


def test_secretary_cannot_see_another_branch(two_years):
    assert page(two_years["secretary_a"].user, unit="B2").status_code == 404
    assert page(two_years["secretary_a"].user, unit="C1").status_code == 404


def test_a_member_has_no_dashboard(two_years):
    assert page(two_years["member_a"].user).status_code == 404


def test_an_administrator_sees_the_units_below_the_one_he_picks(two_years, admin_user):
    response = page(admin_user, unit="C1")
    assert response.status_code == 200
    assert [row["unit"] for row in response.context["data"].branches] == ["B1", "B2"]
    assert set(employee_numbers(response)) == {"1001", "1002", "1003", "2001", "2002"}


def test_a_general_branch_secretary_picks_among_his_units(org_tree):
    general = cast(Unit, UnitFactory(code="Z1", name="生产党总支", kind="general_branch", parent=org_tree["committee"]))
    branch = cast(Unit, UnitFactory(code="B3", name="第三党支部", kind="branch", parent=general))
    secretary = cast(Member, MemberFactory(employee_no="3001", unit=branch))
    MemberFactory(employee_no="3002", unit=branch)
    Unit.objects.filter(pk=general.pk).update(secretary=secretary)
    answers = {year: {**values, "3001": 4, "3002": 3 if year == 2024 else 5} for year, values in TWO_YEARS.items()}
    score_two_years(org_tree, answers)

    response = page(secretary.user)
    assert response.status_code == 200
    choices = response.context["choices"]
    assert [option.value for option in choices.unit_options] == ["Z1", "B3"]
    assert choices.unit.code == "Z1"
    assert [row["unit"] for row in response.context["data"].branches] == ["B3"]
    assert page(secretary.user, unit="B3").status_code == 200
    assert page(secretary.user, unit="B1").status_code == 404


def test_an_unusable_threshold_or_baseline_falls_back_with_a_message(two_years):
    response = page(two_years["secretary_a"].user, threshold="-3", baseline="20x4")
    assert response.status_code == 200
    choices = response.context["choices"]
    assert choices.threshold == 1.0 and choices.baseline.code == "2024"
    shown = [str(message) for message in response.context["messages"]]
    assert any("持平阈值" in message for message in shown)
    assert any("20x4" in message for message in shown)


def test_a_higher_threshold_turns_small_moves_flat(two_years):
    response = page(two_years["secretary_a"].user, threshold="30")
    trends = {row["employee_no"]: row["total"]["trend"] for row in response.context["data"].members}
    assert trends == {"1001": "up", "1002": "flat", "1003": "flat"}


def test_a_member_row_opens_his_detail_within_scope(two_years):
    user = two_years["secretary_a"].user
    response = page(user)
    assert 'href="/results/2025/1003/"' in response.content.decode()
    assert client_for(user).get("/results/2025/1003/").status_code == 200
    assert client_for(user).get("/results/2025/2001/").status_code == 404


def test_before_any_official_scores_the_page_says_so(org_tree):
    response = page(org_tree["secretary_a"].user)
    assert response.status_code == 200
    assert response.context["choices"].period is None
    assert "还没有公布任何正式成绩" in response.content.decode()


def test_a_long_members_table_shows_the_first_rows_and_offers_the_rest(two_years, admin_user, monkeypatch):
    from reports.services import dashboard

    monkeypatch.setattr(dashboard, "MEMBER_ROWS", 2)
    response = page(admin_user, unit="C1")
    data = response.context["data"]
    assert len(data.members) == 2 and data.members_total == 5
    assert employee_numbers(response) == ["1001", "1003"]  # the biggest movers first
    content = response.content.decode()
    assert "按当前排序显示前 2 人，共 5 人" in content and "all=1" in content
    assert len(page(admin_user, unit="C1", all="1").context["data"].members) == 5

    monkeypatch.setattr(dashboard, "ALL_LIMIT", 4)
    assert "完整名单请导出 Excel" in page(admin_user, unit="C1").content.decode()


def test_the_default_grades_read_in_english_on_an_english_page(two_years):
    response = client_for(two_years["secretary_a"].user).get(URL, HTTP_ACCEPT_LANGUAGE="en")
    content = response.content.decode()
    assert ">Competent<" in content or ">Excellent<" in content or ">Not competent<" in content
    assert 'grade-badge--small">合格<' not in content
