"""The demo's KPI data and computed scores: what a demo member's results page stands on."""

import pytest

from indicators.models import Measurement, PostTarget
from org.models import Member, Post
from reports.models import PostScore, ScoreCard, ScoreRun
from reports.services.demo import run_demo
from reports.services.post_comparisons import post_comparisons
from tests.conftest import client_for

QUARTERS = [f"{year}-Q{quarter}" for year in (2024, 2025) for quarter in range(1, 5)]


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db):
    return run_demo()


def test_demo_records_member_kpis_and_model_post_quarters_with_targets(demo):
    assert Measurement.objects.filter(member__isnull=False, period="2025").exists()
    post = Post.objects.filter(is_model=True).order_by("code")[0]
    quarters = set(Measurement.objects.filter(post=post, period__startswith="2025-").values_list("period", flat=True))
    assert quarters == {"2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"}
    assert PostTarget.objects.filter(post=post, period="2025-Q3").exists()


def test_holders_of_model_posts_take_task_completion_from_their_post(demo):
    holder = Post.objects.filter(is_model=True).order_by("code")[0].holders.order_by("employee_no")[0]
    own = Measurement.objects.filter(member=holder, indicator__code="perf_task_completion")
    assert not own.exists()
    card = ScoreCard.objects.get(run__period="2025", run__is_current=True, member=holder)
    assert card.performance is not None


def test_demo_scores_both_years_and_some_members_rise_while_others_fall(demo):
    runs = {run.period: run for run in ScoreRun.objects.filter(is_current=True, provisional=False)}
    assert set(runs) == {"2024", "2025", *QUARTERS}
    totals = {
        year: dict(ScoreCard.objects.filter(run=run).values_list("member_id", "total")) for year, run in runs.items()
    }
    assert len(totals["2025"]) == 120
    deltas = [
        now - before
        for m, now in totals["2025"].items()
        if now is not None and (before := totals["2024"].get(m)) is not None
    ]
    assert any(d > 1 for d in deltas) and any(d < -1 for d in deltas)
    grades = set(ScoreCard.objects.filter(run=runs["2025"]).values_list("grade", flat=True))
    assert len(grades) >= 2


def test_rerunning_the_demo_gives_the_same_scores(demo):
    first = dict(ScoreCard.objects.filter(run__period="2025", run__is_current=True).values_list("member_id", "total"))
    run_demo()
    again = dict(ScoreCard.objects.filter(run__period="2025", run__is_current=True).values_list("member_id", "total"))
    assert again == first
    assert Measurement.objects.filter(period="2025", member__isnull=False).count() == len(
        set(Measurement.objects.filter(period="2025", member__isnull=False).values_list("member_id", "indicator_id"))
    )


def test_demo_scores_every_quarter_and_its_model_posts_rise_and_fall(demo):
    for quarter in QUARTERS:
        scored = PostScore.objects.filter(run__period=quarter, run__is_current=True, score__isnull=False)
        assert scored.count() == 12, quarter
    rows = post_comparisons(user=None, period="2025-Q4")
    assert len(rows) == 12
    assert all(None not in row["series"]["now"] + row["series"]["before"] for row in rows)
    for axis in ("previous_stage", "same_period_last_year", "last_year"):
        assert {"up", "down"} <= {row[axis]["trend"] for row in rows}, axis


def test_demo_target_tasks_tighten_through_the_year(demo):
    post = Post.objects.filter(is_model=True).order_by("code")[0]
    tasks = dict(
        PostTarget.objects.filter(
            post=post, indicator__code="perf_task_completion", period__startswith="2025-"
        ).values_list("period", "target")
    )
    assert tasks == {"2025-Q1": 97.0, "2025-Q2": 98.0, "2025-Q3": 99.0, "2025-Q4": 100.0}


def test_the_demo_secretary_sees_his_posts_quarter_by_quarter(demo):
    secretary = Member.objects.select_related("user", "unit").get(pk=demo.require_org().secretary.pk)
    response = client_for(secretary.user).get("/reports/posts/")

    assert response.status_code == 200
    assert response.context["choices"].period.code == "2025-Q4"
    posts = response.context["posts"]
    assert len(posts) == 2 and {row["unit"] for row in posts} == {secretary.unit.code}
    assert all(len(row["indicators"]) == 3 for row in posts)
