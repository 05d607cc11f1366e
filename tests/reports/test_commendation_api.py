"""`/api/v1/commendations/`: list, propose, approve and the workbook; administrators only."""

from __future__ import annotations

import io

import pytest
from drf_spectacular.generators import SchemaGenerator
from openpyxl import load_workbook
from rest_framework.test import APIClient

from reports.models import CommendationCandidate, CommendationRound
from reports.services.commendation import approve_commendations, select_commendations
from tests.reports.commendation_data import commendation_world

pytestmark = pytest.mark.django_db

BASE = "/api/v1/commendations/"
RULES = {"year": 2025, "kinds": "members", "min_score": 85, "per_branch": 2}


@pytest.fixture
def world(org_tree):
    return commendation_world(org_tree)


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_propose_returns_the_list_best_first_with_reasons(world, admin_user):
    response = api(admin_user).post(f"{BASE}propose/", RULES, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["year"], body["kinds"], body["status"], body["per_branch"], body["share"]) == (
        2025, "members", "proposed", 2, None,
    )  # fmt: skip
    assert body["proposed_by"] == "admin" and body["approved_by"] == ""
    assert [c["code"] for c in body["candidates"]] == ["1001", "2001", "1002", "2002", "1003", "1004"]
    assert [c["code"] for c in body["candidates"] if c["selected"]] == ["1001", "2001", "1003"]
    first = body["candidates"][0]
    assert first == {
        "kind": "member",
        "position": 1,
        "code": "1001",
        "name": first["name"],
        "branch": "B1",
        "branch_name": "第一党支部",
        "score": 95.0,
        "last_score": 90.0,
        "delta": 5.0,
        "selected": True,
        "reasons": [
            "总分 95.0 ≥ 最低分 85 (score 95.0 ≥ the minimum 85)",
            "较去年上升 5.0 (rose 5.0 against last year)",
            "入选 (selected)",
        ],
    }
    assert (body["candidate_count"], body["selected_count"]) == (6, 3)


def test_the_list_filters_by_year_and_the_detail_has_the_candidates(world, admin_user):
    select_commendations(year=2025, kinds="posts", min_score=0, user=admin_user)
    client = api(admin_user)
    listed = client.get(BASE, {"year": 2025}).json()
    assert listed["count"] == 1 and listed["results"][0]["year"] == 2025
    assert "candidates" not in listed["results"][0]
    assert client.get(BASE, {"year": 2024}).json()["count"] == 0
    detail = client.get(f"{BASE}2025/").json()
    assert [c["code"] for c in detail["candidates"]] == ["PA", "PG", "PB"]
    assert client.get(f"{BASE}2024/").status_code == 404


def test_bad_rules_are_a_400_with_the_reason_and_write_nothing(world, admin_user):
    client = api(admin_user)
    response = client.post(f"{BASE}propose/", {**RULES, "fall_tolerance": -1}, format="json")
    assert response.status_code == 400
    assert "下降容差不能为负数" in response.json()["detail"]
    response = client.post(f"{BASE}propose/", {**RULES, "share": 150}, format="json")
    assert response.status_code == 400 and "比例上限" in response.json()["detail"]
    response = client.post(f"{BASE}propose/", {**RULES, "year": 2023}, format="json")
    assert response.status_code == 400 and "还没有正式计分结果" in response.json()["detail"]
    assert client.post(f"{BASE}propose/", {"year": 2025}, format="json").status_code == 400
    assert not CommendationRound.objects.exists()


def test_approve_freezes_and_then_propose_and_approve_are_409(world, admin_user):
    client = api(admin_user)
    client.post(f"{BASE}propose/", RULES, format="json")
    response = client.post(f"{BASE}2025/approve/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "approved" and body["approved_by"] == "admin" and body["approved_at"]
    before = list(CommendationCandidate.objects.order_by("pk").values_list("pk", "selected"))
    response = client.post(f"{BASE}propose/", {**RULES, "min_score": 0}, format="json")
    assert response.status_code == 409
    assert (
        response.json()["detail"]
        == "2025 年表彰名单已批准，不能修改 (the 2025 commendation list is approved and frozen)"
    )
    assert client.post(f"{BASE}2025/approve/").status_code == 409
    assert list(CommendationCandidate.objects.order_by("pk").values_list("pk", "selected")) == before


def test_approving_a_year_without_a_proposal_is_a_400(world, admin_user):
    response = api(admin_user).post(f"{BASE}2025/approve/")
    assert response.status_code == 400
    assert "尚无表彰建议名单" in response.json()["detail"]


def test_the_export_is_the_workbook(world, admin_user):
    select_commendations(year=2025, kinds="members", min_score=85, user=admin_user)
    approve_commendations(year=2025, user=admin_user)
    response = api(admin_user).get(f"{BASE}2025/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content))["表彰名单"]
    assert [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)][:2] == ["1001", "2001"]
    assert api(admin_user).get(f"{BASE}2024/export/").status_code == 404


@pytest.mark.parametrize("who", ["secretary_a", "member_a"])
def test_secretaries_and_members_get_404(world, admin_user, who):
    select_commendations(year=2025, kinds="both", min_score=0, user=admin_user)
    client = api(world[who].user)
    assert client.get(BASE).status_code == 404
    assert client.get(f"{BASE}2025/").status_code == 404
    assert client.post(f"{BASE}propose/", RULES, format="json").status_code == 404
    assert client.post(f"{BASE}2025/approve/").status_code == 404
    assert client.get(f"{BASE}2025/export/").status_code == 404
    commendation = CommendationRound.objects.get()
    assert not commendation.is_approved and commendation.kinds == "both"


def test_anonymous_callers_are_refused(world):
    assert APIClient().get(BASE).status_code in (401, 403)


def test_the_schema_documents_the_routes():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for path in ["/api/v1/commendations/", "/api/v1/commendations/propose/", "/api/v1/commendations/{year}/"]:
        assert path in paths
    assert "post" in paths["/api/v1/commendations/{year}/approve/"]
    assert "get" in paths["/api/v1/commendations/{year}/export/"]
