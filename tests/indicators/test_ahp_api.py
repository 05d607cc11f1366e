"""The AHP API: preview, apply, the judgements of a system; administrators only."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from indicators.models import AhpJudgement, CategoryWeight
from tests.factories import make_system

WEIGHTS = [0.3, 0.3, 0.1, 0.1, 0.1, 0.1]
CONSISTENT = [[a / b for b in WEIGHTS] for a in WEIGHTS]
INCONSISTENT: list[list[Any]] = [list(row) for row in CONSISTENT]
INCONSISTENT[0][3], INCONSISTENT[3][0] = "1/3", 3  # 绩效 over 文化 should be 3


def with_cell(i: int, j: int, value, reciprocal):
    matrix: list[list[Any]] = [list(row) for row in CONSISTENT]
    matrix[i][j], matrix[j][i] = value, reciprocal
    return matrix


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def draft(db):
    return make_system(2026)


def test_preview_computes_without_writing(admin_user, draft):
    response = api(admin_user).post(
        "/api/v1/ahp-judgements/preview/",
        {"system": 2026, "category": "management", "matrix": INCONSISTENT},
        format="json",
    )

    body = response.json()
    assert response.status_code == 200
    assert body["items"] == ["performance", "execution", "wisdom", "culture", "team", "belief"]
    assert body["consistent"] is False and body["cr"] >= 0.1
    assert body["inconsistent"][0] == {
        "row": "performance",
        "column": "culture",
        "judgement": pytest.approx(1 / 3),
        "implied": pytest.approx(3.0),
        "suggested": "3",
        "cr_if_suggested": pytest.approx(0.0, abs=1e-9),
    }
    assert "“绩效”对“文化”填了 1/3" in body["explanation"]
    assert body["current"] == pytest.approx([1 / 6] * 6)
    assert AhpJudgement.objects.count() == 0


def test_apply_writes_the_weights_and_answers_the_judgement(admin_user, draft):
    response = api(admin_user).post(
        "/api/v1/ahp-judgements/", {"system": 2026, "category": "management", "matrix": CONSISTENT}, format="json"
    )

    body = response.json()
    assert response.status_code == 201
    assert body["weights"] == pytest.approx(WEIGHTS, abs=1e-4) and sum(body["weights"]) == pytest.approx(1.0)
    assert (body["system"], body["category"], body["dimension"], body["forced"]) == (2026, "management", None, False)
    assert body["created_by"] == "admin"
    written = CategoryWeight.objects.filter(system=draft, category__code="management").order_by("dimension__order")
    assert list(written.values_list("weight", flat=True)) == body["weights"]


def test_apply_refuses_inconsistent_judgements_with_the_numbers_unless_forced(admin_user, draft):
    client = api(admin_user)
    payload = {"system": 2026, "category": "management", "matrix": INCONSISTENT}

    refused = client.post("/api/v1/ahp-judgements/", payload, format="json")

    assert refused.status_code == 400
    assert "“绩效”对“文化”填了 1/3" in refused.json()["detail"]
    assert refused.json()["result"]["cr"] >= 0.1
    assert AhpJudgement.objects.count() == 0

    forced = client.post("/api/v1/ahp-judgements/", {**payload, "force": True}, format="json")

    assert forced.status_code == 201 and forced.json()["forced"] is True


def test_a_published_system_answers_409_and_nothing_is_written(admin_user, db):
    make_system(2025, publish=True)

    response = api(admin_user).post(
        "/api/v1/ahp-judgements/", {"system": 2025, "category": "management", "matrix": [[1]]}, format="json"
    )

    assert response.status_code == 409
    assert "已发布" in response.json()["detail"]
    assert AhpJudgement.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"category": "management", "matrix": [[1, 3], [3, 1]]}, "需要 6×6"),
        ({"category": "management", "matrix": [[1, "1/2"], [3, 1]]}, "需要 6×6"),
        ({"category": "nobody", "matrix": CONSISTENT}, "未知的人员类别"),
        ({"matrix": CONSISTENT}, "category 或 dimension"),
        ({"category": "management", "matrix": with_cell(0, 5, 12, 1 / 12)}, "超出 1/9–9"),
        ({"category": "management", "matrix": with_cell(0, 5, 2, 2)}, "须互反"),
        ({"category": "management", "matrix": with_cell(0, 5, True, 1)}, "须是数字或分数"),
    ],
)
def test_bad_requests_are_refused_with_a_message_and_nothing_is_written(admin_user, draft, payload, message):
    response = api(admin_user).post("/api/v1/ahp-judgements/", {"system": 2026, **payload}, format="json")

    assert response.status_code == 400
    assert message in str(response.json())
    assert AhpJudgement.objects.count() == 0


def test_the_judgements_of_a_system_are_listed_newest_first(admin_user, draft):
    client = api(admin_user)
    for matrix in (CONSISTENT, INCONSISTENT):
        client.post(
            "/api/v1/ahp-judgements/",
            {"system": 2026, "category": "management", "matrix": matrix, "force": True},
            format="json",
        )
    make_system(2027)

    listed = client.get("/api/v1/ahp-judgements/", {"system": 2026}).json()
    other = client.get("/api/v1/ahp-judgements/", {"system": 2027}).json()

    assert listed["count"] == 2
    assert [row["forced"] for row in listed["results"]] == [True, False]
    assert listed["results"][0]["matrix"][0][3] == pytest.approx(1 / 3)
    assert other["count"] == 0


def test_only_administrators_may_use_the_ahp_api(org_tree, draft):
    member = api(org_tree["member_a"].user)
    secretary = api(org_tree["secretary_a"].user)
    payload = {"system": 2026, "category": "management", "matrix": CONSISTENT}

    assert member.get("/api/v1/ahp-judgements/").status_code == 403
    assert secretary.post("/api/v1/ahp-judgements/", payload, format="json").status_code == 403
    assert secretary.post("/api/v1/ahp-judgements/preview/", payload, format="json").status_code == 403
    assert api().get("/api/v1/ahp-judgements/").status_code in (401, 403)
    assert AhpJudgement.objects.count() == 0
