"""The demo's KPI data and computed scores: what a demo member's results page stands on."""

import pytest

from indicators.models import Measurement, PostTarget
from org.models import Post
from reports.models import ScoreCard, ScoreRun
from reports.services.demo import run_demo


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
    assert set(runs) == {"2024", "2025"}
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
