"""`GET /api/v1/questionnaires/<code>/analysis/`: administrators only, the service's figures."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from surveys.services.analysis import analyze_questionnaire
from tests.factories import make_questionnaire
from tests.surveys.analysis_data import CODES, build

pytestmark = pytest.mark.django_db

URL = "/api/v1/questionnaires/{code}/analysis/"


@pytest.fixture
def analysed(org_tree):
    return build()


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def get(user, code="Q2025", **params):
    return api(user).get(URL.format(code=code), params)


def test_an_administrator_gets_items_dimensions_correlations_rates_and_flags(analysed, admin_user):
    response = get(admin_user, period="2025")

    assert response.status_code == 200
    data = response.json()
    assert set(data) >= {
        "questionnaire", "period", "unit", "category", "respondents", "thresholds", "items", "dimensions",
        "correlations", "response_rates", "flags",
    }  # fmt: skip
    assert [item["code"] for item in data["items"]] == CODES
    assert data["respondents"] == len(analysed.keyed)
    assert data["correlations"]["dimensions"] == [d["dimension"] for d in data["dimensions"]]
    assert [row["unit"] for row in data["response_rates"]["units"]] == ["B1", "B2"]
    item = data["items"][0]
    assert set(item) >= {"n", "mean", "sd", "missing_share", "ceiling_share", "floor_share", "item_total"}
    assert set(item["distribution"]) == {"points", "counts", "shares"}


def test_the_figures_are_the_services_at_full_precision(analysed, admin_user):
    data = get(admin_user, period="2025").json()
    result = analyze_questionnaire(code="Q2025", period="2025")

    alphas = dict(zip(result.dimensions["dimension"], result.dimensions["alpha"], strict=True))
    assert {d["dimension"]: d["alpha"] for d in data["dimensions"]} == alphas
    assert data["items"][3]["item_total"] == result.items.iloc[3]["item_total"]


def test_unit_and_category_narrow_the_sample(analysed, admin_user):
    data = get(admin_user, period="2025", unit="B2").json()

    assert data["unit"] == "B2"
    assert data["respondents"] == sum(1 for _role, subject in analysed.forms if subject in {"2001", "2002"})
    assert get(admin_user, period="2025", category="management").json()["category"] == "management"


@pytest.mark.parametrize("person", ["secretary_a", "secretary_b", "member_a"])
def test_secretaries_and_members_get_not_found(analysed, org_tree, person):
    response = get(org_tree[person].user, period="2025")

    assert response.status_code == 404
    assert "items" not in response.json()


def test_anonymous_callers_are_refused(analysed):
    assert APIClient().get(URL.format(code="Q2025"), {"period": "2025"}).status_code in (401, 403)


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({}, 400, "period"),
        ({"period": "2024"}, 400, "不是 2024"),
        ({"period": "2025", "category": "nobody"}, 400, "nobody"),
        ({"period": "2025", "unit": "NOPE"}, 404, "未找到"),
    ],
)
def test_bad_input_gets_a_clear_answer(analysed, admin_user, params, status, words):
    response = get(admin_user, **params)

    assert response.status_code == status
    assert words in response.json()["detail"]


def test_an_unknown_questionnaire_is_not_found(analysed, admin_user):
    assert get(admin_user, code="NOPE", period="2025").status_code == 404


def test_a_questionnaire_without_answers_is_refused_with_the_reason(analysed, admin_user):
    make_questionnaire(analysed.questionnaire.system, code="EMPTY")
    response = get(admin_user, code="EMPTY", period="2025")

    assert response.status_code == 400
    assert "没有已提交的答卷" in response.json()["detail"]


def test_the_endpoint_is_in_the_schema(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target))

    text = target.read_text(encoding="utf-8")
    assert "/api/v1/questionnaires/{questionnaire_code}/analysis/" in text
    assert "alpha_if_deleted" in text
