"""`posts/scores/` and `posts/comparisons/` (FORMATS.md): fields, scope, paging and the routes beside
the org app's `posts/<code>/`."""

import pytest
from django.test import Client
from django.urls import resolve

from reports.api_posts import PostComparisonViewSet, PostScoreViewSet
from tests.conftest import client_for
from tests.reports.post_data import post_world, record, score

SCORES = "/api/v1/posts/scores/"
COMPARISONS = "/api/v1/posts/comparisons/"


@pytest.fixture
def world(org_tree):
    world = post_world(org_tree)
    record(world["post_a"], "2024-Q2", "output", 84, target=(60, 100))  # 60
    record(world["post_a"], "2025-Q1", "output", 96)  # 90
    record(world["post_a"], "2025-Q2", "output", 90, target=(70, 110))  # 50
    record(world["post_a"], "2025-Q2", "safety", 1)  # 80
    record(world["post_g"], "2025-Q2", "output", 80)  # 50
    record(world["post_b"], "2025-Q2", "output", 70)  # 25
    score("2024-Q2", "2025-Q1", "2025-Q2")
    return world


def results(user, path, **params):
    response = client_for(user).get(path, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_the_post_routes_resolve_to_the_reports_viewsets_and_a_post_still_opens(world, admin_user):
    assert getattr(resolve(SCORES).func, "cls", None) is PostScoreViewSet
    assert getattr(resolve(COMPARISONS).func, "cls", None) is PostComparisonViewSet
    client = client_for(admin_user)
    assert client.get("/api/v1/posts/PA/").json()["code"] == "PA"
    assert [row["code"] for row in client.get("/api/v1/posts/").json()["results"]] == ["PA", "PB", "PC", "PG"]


def test_post_scores_carry_the_fields_of_formats(world, admin_user):
    rows = results(admin_user, SCORES, period="2025-q2")

    assert [row["post"] for row in rows] == ["PA", "PG", "PB"]
    pa = rows[0]
    assert {key: pa[key] for key in ("post", "name", "unit", "unit_name", "period")} == {
        "post": "PA", "name": "调度岗", "unit": "B1", "unit_name": "第一党支部", "period": "2025-Q2",
    }  # fmt: skip
    assert pa["score"] == pytest.approx(0.6 * 50 + 0.4 * 80)
    output, safety = pa["indicators"]
    assert output == {
        "code": "output", "name": "产量完成率", "unit": "%", "value": 90.0, "floor": 70.0, "target": 110.0,
        "completion": pytest.approx(90 / 110), "score": 50.0, "weight": pytest.approx(0.6),
    }  # fmt: skip
    assert safety["completion"] is None and safety["score"] == pytest.approx(80.0)


def test_post_comparisons_carry_the_three_axes_per_post_and_indicator_and_the_series(world, admin_user):
    pa = results(admin_user, COMPARISONS, period="2025-Q2")[0]

    assert pa["post"] == "PA" and pa["score"] == pytest.approx(62.0)
    for axis in ("previous_stage", "same_period_last_year", "last_year"):
        assert set(pa[axis]) == {"now", "before", "delta", "pct", "trend"}
    output = pa["indicators"][0]
    assert output["previous_stage"] == {"now": 50.0, "before": 90.0, "delta": -40.0, "pct": pytest.approx(-44.444444),
                                        "trend": "down"}  # fmt: skip
    assert output["same_period_last_year"]["before"] == 60.0
    assert output["last_year"] == {"now": 50.0, "before": None, "delta": None, "pct": None, "trend": None}
    assert pa["series"]["now"][:2] == [90.0, pytest.approx(62.0)]
    assert pa["series"]["before"] == [None, 60.0, None, None]


def test_the_threshold_is_passed_on(world, admin_user):
    # PA's output fell by 40 against the previous stage: flat only under a threshold above that.
    pa = results(admin_user, COMPARISONS, period="2025-Q2", threshold=50)[0]

    assert pa["indicators"][0]["previous_stage"]["trend"] == "flat"


@pytest.mark.parametrize("path", [SCORES, COMPARISONS])
def test_each_reader_sees_the_posts_in_his_scope(world, path):
    def posts(member, **params):
        return [row["post"] for row in results(world[member].user, path, period="2025-Q2", **params)]

    assert posts("secretary_a") == ["PA", "PG"]
    assert posts("secretary_a", unit="G1") == ["PG"]
    assert posts("secretary_b") == ["PB"]
    assert posts("member_a") == ["PA"]  # the holder of PA
    assert posts("member_b") == []


@pytest.mark.parametrize("path", [SCORES, COMPARISONS])
def test_a_unit_outside_scope_is_not_found(world, path):
    client = client_for(world["secretary_a"].user)

    assert client.get(path, {"period": "2025-Q2", "unit": "B2"}).status_code == 404
    assert client.get(path, {"period": "2025-Q2", "unit": "nowhere"}).status_code == 404


@pytest.mark.parametrize("path", [SCORES, COMPARISONS])
def test_a_missing_or_bad_period_is_explained(world, admin_user, path):
    client = client_for(admin_user)

    missing = client.get(path)
    bad = client.get(path, {"period": "2025-Q9"})

    assert missing.status_code == 400 and "请指定期间" in missing.json()["period"][0]
    assert bad.status_code == 400 and "无效" in bad.json()["detail"]


@pytest.mark.parametrize("path", [SCORES, COMPARISONS])
def test_results_are_paginated_and_anonymous_readers_refused(world, admin_user, path):
    page = client_for(admin_user).get(path, {"period": "2025-Q2", "page_size": "2"}).json()

    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"] and page["previous"] is None
    assert Client().get(path, {"period": "2025-Q2"}).status_code in (401, 403)


def test_a_period_without_runs_lists_nothing(world, admin_user):
    assert results(admin_user, SCORES, period="2023-Q1") == []
    assert results(admin_user, COMPARISONS, period="2023-Q1") == []


def test_the_schema_documents_both_routes(db):
    paths = Client().get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}).json()["paths"]

    assert {SCORES, COMPARISONS} <= set(paths)
