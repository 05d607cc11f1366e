"""`GET /api/v1/scores/` and `GET /api/v1/scores/{employee_no}/` (FORMATS.md "REST API")."""

import pytest
from rest_framework.test import APIClient

from reports.models import IndicatorScore
from reports.services.scoring import compute_scores
from tests.reports.score_data import build_answers

pytestmark = pytest.mark.django_db

DIMENSIONS = ["performance", "execution", "wisdom", "culture", "team", "belief"]
FIELDS = {
    "employee_no", "name", "unit", "unit_name", "category", "period", "total", "rank", "grade", "coverage",
    "provisional", "dimensions",
}  # fmt: skip


@pytest.fixture
def scored(org_tree):
    build_answers(org_tree)
    return compute_scores(period="2025")


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def results(client, query: str) -> list[dict]:
    response = client.get(f"/api/v1/scores/?{query}")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_each_result_has_exactly_the_documented_fields_and_types(scored, admin_user):
    rows = {row["employee_no"]: row for row in results(api_for(admin_user), "period=2025")}
    row = rows["1003"]
    assert set(row) == FIELDS
    assert row["name"] and isinstance(row["name"], str)
    assert (row["unit"], row["unit_name"], row["category"], row["period"]) == ("G1", "第一党小组", "management", "2025")
    assert isinstance(row["total"], float) and row["total"] == pytest.approx(75.0)
    assert (row["rank"], row["grade"], row["provisional"]) == (2, "合格", False)
    assert isinstance(row["coverage"], float) and row["coverage"] == pytest.approx(1.0)
    assert list(row["dimensions"]) == DIMENSIONS
    assert all(isinstance(value, float) for value in row["dimensions"].values())


def test_a_dimension_with_nothing_scored_is_null(scored, admin_user):
    row = next(r for r in results(api_for(admin_user), "period=2025") if r["employee_no"] == "2001")
    assert row["dimensions"] == {
        "performance": 100.0, "execution": None, "wisdom": None, "culture": None, "team": 50.0, "belief": None,
    }  # fmt: skip
    assert row["total"] == pytest.approx(75.0)
    assert row["coverage"] == pytest.approx(2 / 6)


def test_scores_are_full_precision_floats(scored, admin_user):
    row = next(r for r in results(api_for(admin_user), "period=2025") if r["employee_no"] == "2001")
    assert row["coverage"] == 1 / 3  # not rounded for display


def test_results_are_ordered_by_branch_then_rank(scored, admin_user):
    rows = results(api_for(admin_user), "period=2025")
    # 2001 and 2002 tie at 75 and share rank 1: then by employee_no.
    assert [(r["employee_no"], r["rank"]) for r in rows] == [
        ("1002", 1), ("1003", 2), ("1001", 3), ("2001", 1), ("2002", 1),
    ]  # fmt: skip


def test_grades_are_the_labels_of_the_systems_thresholds(scored, admin_user):
    grades = {r["employee_no"]: r["grade"] for r in results(api_for(admin_user), "period=2025")}
    assert grades["1002"] == "优秀"
    assert grades["1001"] == "不合格"


def test_the_preview_run_is_read_only_when_asked_for(scored, admin_user, org_tree):
    client = api_for(admin_user)
    assert results(client, "period=2025&provisional=true") == []
    compute_scores(period="2025", preview=True)
    preview = results(client, "period=2025&provisional=true")
    assert {r["provisional"] for r in preview} == {True}
    assert {r["provisional"] for r in results(client, "period=2025")} == {False}
    assert len(preview) == 5


def test_a_period_without_a_run_has_no_results(scored, admin_user):
    assert results(api_for(admin_user), "period=2025-Q1") == []


@pytest.mark.parametrize("query", ["", "period=", "period=2025-Q5", "period=last-year"])
def test_a_missing_or_malformed_period_is_refused_with_a_message(scored, admin_user, query):
    response = api_for(admin_user).get(f"/api/v1/scores/?{query}")
    assert response.status_code == 400
    assert response.json()["period"][0]


def test_a_member_sees_only_himself(scored, org_tree):
    client = api_for(org_tree["member_a"].user)
    assert [r["employee_no"] for r in results(client, "period=2025")] == ["1002"]
    assert client.get("/api/v1/scores/1003/?period=2025").status_code == 404
    assert client.get("/api/v1/scores/1002/?period=2025").status_code == 200


def test_a_secretary_sees_his_branch_and_its_groups_only(scored, org_tree):
    client = api_for(org_tree["secretary_a"].user)
    assert [r["employee_no"] for r in results(client, "period=2025")] == ["1002", "1003", "1001"]
    assert client.get("/api/v1/scores/2002/?period=2025").status_code == 404


def test_another_branchs_unit_is_not_found_for_a_secretary(scored, org_tree):
    client = api_for(org_tree["secretary_a"].user)
    assert client.get("/api/v1/scores/?period=2025&unit=B2").status_code == 404
    assert client.get("/api/v1/scores/?period=2025&unit=NOSUCH").status_code == 404


def test_an_administrator_sees_everyone(scored, admin_user):
    assert len(results(api_for(admin_user), "period=2025")) == 5


def test_the_unit_filter_takes_the_units_subtree(scored, admin_user, org_tree):
    client = api_for(admin_user)
    assert [r["employee_no"] for r in results(client, "period=2025&unit=B1")] == ["1002", "1003", "1001"]
    assert [r["employee_no"] for r in results(client, "period=2025&unit=G1")] == ["1003"]
    assert len(results(client, "period=2025&unit=C1")) == 5


def test_a_card_counts_in_the_unit_where_the_member_was_scored(scored, admin_user, org_tree):
    member = org_tree["member_group_a"]
    member.unit = org_tree["branch_b"]
    member.save()
    client = api_for(admin_user)
    assert "1003" in [r["employee_no"] for r in results(client, "period=2025&unit=G1")]
    assert "1003" not in [r["employee_no"] for r in results(client, "period=2025&unit=B2")]


def test_one_members_card_lists_his_indicators_with_role_scores(scored, admin_user):
    response = api_for(admin_user).get("/api/v1/scores/2001/?period=2025")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= FIELDS
    by_code = {row["code"]: row for row in body["indicators"]}
    assert set(by_code) == {"performance_q", "team_q"}
    team = by_code["team_q"]
    assert (team["dimension"], team["score"], team["raters"]) == ("team", 50.0, 1)
    assert team["roles"] == {"self": 50.0, "peer": None, "secretary": None, "masses": None}


def test_a_member_does_not_see_the_role_scores_of_fewer_than_three_other_raters(scored, org_tree):
    row = IndicatorScore.objects.get(member=org_tree["member_a"], indicator__code="team_q")
    row.peer_score, row.raters = 40.0, 3  # himself and two peers
    row.save()
    own = api_for(org_tree["member_a"].user).get("/api/v1/scores/1002/?period=2025").json()
    team = next(r for r in own["indicators"] if r["code"] == "team_q")
    assert team["roles"] == {"self": 100.0, "peer": None, "secretary": None, "masses": None}
    secretary = api_for(org_tree["secretary_a"].user).get("/api/v1/scores/1002/?period=2025").json()
    team = next(r for r in secretary["indicators"] if r["code"] == "team_q")
    assert team["roles"]["peer"] == 40.0


def test_signing_in_is_required(scored):
    assert APIClient().get("/api/v1/scores/?period=2025").status_code in (401, 403)


def test_the_score_frame_holds_the_same_cards_with_member_unit_and_category_columns(scored, org_tree):
    from reports.selectors.scores import score_frame

    frame = score_frame(period="2025")
    assert list(frame["employee_no"]) == ["1002", "1003", "1001", "2001", "2002"]
    first = frame.iloc[1]
    assert (first["name"], first["unit"], first["branch"], first["category"]) == (
        org_tree["member_group_a"].name, "G1", "B1", "management",
    )  # fmt: skip
    assert first["total"] == pytest.approx(75.0) and first["grade"] == "合格" and first["rank"] == 2
    partial = frame.iloc[3]
    assert partial["execution"] != partial["execution"]  # NaN: nothing scored
    assert set(frame["period"]) == {"2025"} and set(frame["provisional"]) == {False}
    in_scope = score_frame(period="2025", user=org_tree["secretary_b"].user)
    assert list(in_scope["employee_no"]) == ["2001", "2002"]
    assert score_frame(period="2025", unit=org_tree["group_a"])["employee_no"].tolist() == ["1003"]
    assert score_frame(period="2024").empty
