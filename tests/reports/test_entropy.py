"""Entropy weights from a scored period (`reports.services.entropy`), their page and their API."""

from typing import cast

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from common.errors import DomainError, FrozenSystemError
from indicators.models import Dimension, EntropyWeighting, Indicator
from indicators.services.systems import clone_system, publish_system
from org.models import Member
from reports.models import IndicatorScore, RunStatus, ScoreRun
from reports.services.entropy import apply_entropy_weights, entropy_suggestions, scored_periods
from tests.conftest import client_for
from tests.factories import MemberFactory, make_system

# The hand-worked table of tests/indicators/test_entropy_weights.py, as three members' 绩效 scores:
# performance_q 50, 50, 100 · performance_b 25, 50, 75 · performance_c 80, 80, 80
# → entropy weights 0.403092, 0.596908, 0 → written to four places as 0.4031, 0.5969, 0.0.
SCORES = {"performance_q": [50, 50, 100], "performance_b": [25, 50, 75], "performance_c": [80, 80, 80]}


@pytest.fixture
def scored(db):
    """The published 2025 system with three 绩效 indicators, its official 2025 run, and the 2026 draft."""
    system = make_system(2025)
    performance = Dimension.objects.get(key="performance")
    Indicator.objects.filter(system=system, code="performance_q").update(weight=0.5)
    for order, code in enumerate(["performance_b", "performance_c"], start=10):
        Indicator.objects.create(
            system=system, code=code, dimension=performance, name=code, weight=0.25, source="rating", order=order
        )
    publish_system(system=system)
    members = [cast(Member, MemberFactory(with_account=False)) for _ in range(3)]
    run = ScoreRun.objects.create(period="2025", system=system, status=RunStatus.DONE, is_current=True)
    indicators = dict(Indicator.objects.filter(system=system).values_list("code", "pk"))
    IndicatorScore.objects.bulk_create(
        IndicatorScore(run=run, member=member, indicator_id=indicators[code], score=values[k])
        for code, values in SCORES.items()
        for k, member in enumerate(members)
    )
    # A preview run with other numbers is never read.
    preview = ScoreRun.objects.create(
        period="2025", system=system, status=RunStatus.DONE, is_current=True, provisional=True
    )
    IndicatorScore.objects.bulk_create(
        IndicatorScore(run=preview, member=member, indicator_id=indicators["performance_c"], score=10 + 40 * k)
        for k, member in enumerate(members)
    )
    draft = clone_system(source=system, year=2026)
    return {"system": system, "run": run, "draft": draft, "performance": performance}


def weights_of(system, dimension):
    return dict(Indicator.objects.filter(system=system, dimension=dimension).values_list("code", "weight"))


def test_the_suggestion_is_the_hand_worked_entropy_weights(scored):
    suggestion = entropy_suggestions(period="2025", system=scored["draft"])
    performance = suggestion.dimension("performance")

    assert suggestion.run == scored["run"]
    assert performance.applicable and performance.members == 3
    rows = {row.code: row for row in performance.indicators}
    assert [row.code for row in performance.indicators] == ["performance_q", "performance_b", "performance_c"]
    assert rows["performance_q"].suggested == pytest.approx(0.4031)
    assert rows["performance_b"].suggested == pytest.approx(0.5969)
    assert rows["performance_c"].suggested == 0.0
    assert rows["performance_q"].entropy == pytest.approx(0.946395, abs=1e-6)
    assert rows["performance_c"].entropy == pytest.approx(1.0)
    assert (rows["performance_q"].current, rows["performance_q"].scored) == (0.5, 3)
    # Dimensions with one indicator have nothing to weigh.
    assert not suggestion.dimension("team").applicable
    assert "只有一项指标" in (suggestion.dimension("team").problem or "")


def test_applying_writes_the_weights_and_records_where_they_came_from(scored, admin_user):
    draft, performance = scored["draft"], scored["performance"]

    record = apply_entropy_weights(period="2025", system=draft, dimension=performance, user=admin_user)

    weights = weights_of(draft, performance)
    assert weights == {"performance_q": pytest.approx(0.4031), "performance_b": 0.5969, "performance_c": 0.0}
    assert sum(weights.values()) == pytest.approx(1.0, abs=1e-9)
    assert (record.period, record.score_run, record.members, record.created_by) == (
        "2025",
        scored["run"].pk,
        3,
        admin_user,
    )
    assert record.items == ["performance_q", "performance_b", "performance_c"]
    assert record.previous_weights == [0.5, 0.25, 0.25]
    assert record.weights == [pytest.approx(0.4031), 0.5969, 0.0]
    # The published system it was scored with is untouched.
    assert weights_of(scored["system"], performance) == {
        "performance_q": 0.5,
        "performance_b": 0.25,
        "performance_c": 0.25,
    }


def test_a_published_system_is_refused_and_nothing_is_written(scored, admin_user):
    before = weights_of(scored["system"], scored["performance"])

    with pytest.raises(FrozenSystemError):
        apply_entropy_weights(period="2025", system=scored["system"], dimension=scored["performance"], user=admin_user)

    assert weights_of(scored["system"], scored["performance"]) == before
    assert EntropyWeighting.objects.count() == 0


def test_a_period_with_no_official_scores_is_refused_and_nothing_is_written(scored, admin_user):
    before = weights_of(scored["draft"], scored["performance"])

    with pytest.raises(DomainError) as refused:
        apply_entropy_weights(period="2024", system=scored["draft"], dimension=scored["performance"], user=admin_user)

    assert "2024 期间还没有正式成绩" in refused.value.message
    assert weights_of(scored["draft"], scored["performance"]) == before
    assert EntropyWeighting.objects.count() == 0


def test_a_draft_indicator_without_scores_blocks_its_dimension(scored, admin_user):
    draft, performance = scored["draft"], scored["performance"]
    Indicator.objects.create(
        system=draft, code="performance_new", dimension=performance, name="新指标", weight=0, source="rating", order=20
    )
    before = weights_of(draft, performance)

    with pytest.raises(DomainError) as refused:
        apply_entropy_weights(period="2025", system=draft, dimension=performance, user=admin_user)

    assert "performance_new 在该期间没有得分" in refused.value.message
    assert weights_of(draft, performance) == before
    assert EntropyWeighting.objects.count() == 0


def test_a_bad_period_code_is_refused(scored):
    with pytest.raises(DomainError):
        entropy_suggestions(period="2025-Q5", system=scored["draft"])


# ── the page ─────────────────────────────────────────────────────────────────────────────────────


def test_the_page_is_for_administrators_only(scored, org_tree):
    url = reverse("reports:entropy")
    for who in ("member_a", "secretary_a"):
        client = client_for(org_tree[who].user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"period": "2025", "system": "2026", "dimension": "performance"}).status_code == 404
    assert EntropyWeighting.objects.count() == 0


def test_the_page_shows_current_and_suggested_weights_and_applies_a_dimension(scored, admin_user):
    client = client_for(admin_user)
    url = reverse("reports:entropy")

    page = client.get(url).content.decode()  # defaults: the latest scored period, the latest draft

    assert "2026年党员模范力指标体系" in page and "performance_b" in page
    assert "0.5969" in page and 'id="entropy-data-performance"' in page
    assert "vendor/echarts/echarts.min.js" in page and "js/weights_chart.js" in page
    assert "只有一项指标" in page

    applied = client.post(url, {"period": "2025", "system": "2026", "dimension": "performance"})

    assert applied.status_code == 302
    assert weights_of(scored["draft"], scored["performance"])["performance_b"] == 0.5969
    after = client.get(applied["Location"]).content.decode()
    assert "已将维度“绩效”的熵权写入" in after and "熵权写入记录" in after


def test_the_page_names_a_period_without_scores(scored, admin_user):
    page = client_for(admin_user).get(reverse("reports:entropy"), {"period": "2024", "system": "2026"})

    assert "2024 期间还没有正式成绩" in page.content.decode()


# ── the API ──────────────────────────────────────────────────────────────────────────────────────


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_answers_the_suggestion_per_dimension(scored, admin_user):
    body = api(admin_user).get("/api/v1/entropy-weights/", {"period": "2025", "system": "2026"}).json()

    assert (body["period"], body["system"], body["scored_with"], body["score_run"]) == (
        "2025",
        2026,
        2025,
        scored["run"].pk,
    )
    performance = next(d for d in body["dimensions"] if d["dimension"] == "performance")
    assert performance["applicable"] is True
    assert [i["suggested"] for i in performance["indicators"]] == [pytest.approx(0.4031), 0.5969, 0.0]
    assert [i["current"] for i in performance["indicators"]] == [0.5, 0.25, 0.25]


def test_the_api_defaults_to_the_system_the_period_was_scored_with(scored, admin_user):
    body = api(admin_user).get("/api/v1/entropy-weights/", {"period": "2025"}).json()

    assert body["system"] == 2025


def test_the_api_applies_to_a_draft_and_refuses_a_published_system(scored, admin_user):
    client = api(admin_user)

    applied = client.post(
        "/api/v1/entropy-weights/apply/", {"period": "2025", "system": 2026, "dimension": "performance"}, format="json"
    )
    frozen = client.post(
        "/api/v1/entropy-weights/apply/", {"period": "2025", "system": 2025, "dimension": "performance"}, format="json"
    )

    assert applied.status_code == 201
    assert applied.json()["weights"] == [pytest.approx(0.4031), 0.5969, 0.0]
    assert frozen.status_code == 409
    assert EntropyWeighting.objects.count() == 1


def test_the_api_refuses_a_period_without_scores(scored, admin_user):
    client = api(admin_user)

    listed = client.get("/api/v1/entropy-weights/", {"period": "2024", "system": "2026"})
    applied = client.post(
        "/api/v1/entropy-weights/apply/", {"period": "2024", "system": 2026, "dimension": "performance"}, format="json"
    )

    assert listed.status_code == 400 and "2024 期间还没有正式成绩" in listed.json()["detail"]
    assert applied.status_code == 400
    assert EntropyWeighting.objects.count() == 0


def test_the_entropy_api_is_for_administrators_only(scored, org_tree):
    client = api(org_tree["secretary_a"].user)

    assert client.get("/api/v1/entropy-weights/", {"period": "2025"}).status_code == 403
    payload = {"period": "2025", "system": 2026, "dimension": "performance"}
    assert client.post("/api/v1/entropy-weights/apply/", payload, format="json").status_code == 403
    assert EntropyWeighting.objects.count() == 0


def test_scored_periods_are_listed_newest_first(scored):
    system = scored["system"]
    for period in ("2025-Q1", "2025-H1"):
        ScoreRun.objects.create(period=period, system=system, status=RunStatus.DONE, is_current=True)
    ScoreRun.objects.create(period="2025-Q3", system=system, status=RunStatus.FAILED)

    assert scored_periods() == ["2025", "2025-H1", "2025-Q1"]
