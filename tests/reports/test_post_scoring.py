"""Model posts' scores (DESIGN.md rule 2 and "Model posts"): the pure rules, then the scoring run that
keeps them beside the member cards."""

import math

import pandas as pd
import pytest

from common.errors import DomainError
from reports.models import PostIndicatorScore, PostScore, ScoreCard, ScoreRun
from reports.scoring.posts import score_posts
from reports.services.scoring import compute_scores
from tests.reports.post_data import post_world, record, score

# ── the rules, on frames ─────────────────────────────────────────────────────────────────────────

POSTS = pd.DataFrame({"post_id": [1, 2], "unit_id": [10, 20]})
INDICATORS = pd.DataFrame(
    {
        "indicator_id": [100, 200, 300, 400, 500],
        "code": ["output", "safety", "plan", "idle", "survey"],
        "dimension": ["performance", "performance", "execution", "execution", "team"],
        "weight": [0.3, 0.15, 0.2, 0.0, 1.0],
        "source": ["kpi", "kpi", "kpi", "kpi", "questionnaire"],
        "floor": [60.0, 5.0, 70.0, 0.0, None],
        "target": [100.0, 0.0, 100.0, 10.0, None],
    }
)


def values(*rows):
    """(post_id, indicator_id, value) → the engine's measurement frame."""
    return pd.DataFrame(
        [("post", post, indicator, value) for post, indicator, value in rows],
        columns=["subject_kind", "subject_id", "indicator_id", "value"],
    )


def targets(*rows):
    return pd.DataFrame(rows, columns=["post_id", "indicator_id", "floor", "target"])


def run(measurements, post_targets=None, posts=POSTS):
    result = score_posts(
        posts=posts,
        indicators=INDICATORS,
        measurements=measurements,
        post_targets=post_targets if post_targets is not None else targets(),
    )
    return result.indicators.set_index(["post_id", "indicator_id"]), result.posts.set_index("post_id")


def test_an_indicator_scores_by_rule_two_and_completion_is_actual_over_target():
    indicators, posts = run(values((1, 100, 80.0)))

    row = indicators.loc[(1, 100)]
    assert (row["floor"], row["target"]) == (60.0, 100.0)  # the indicator's own: no target task set
    assert row["score"] == pytest.approx(50.0)  # (80 − 60) / (100 − 60) × 100
    assert row["completion"] == pytest.approx(0.8)
    assert posts.at[1, "score"] == pytest.approx(50.0)


@pytest.mark.parametrize(("value", "expected"), [(120.0, 100.0), (50.0, 0.0), (100.0, 100.0), (60.0, 0.0)])
def test_an_indicator_score_is_clamped_to_zero_and_one_hundred(value, expected):
    indicators, _posts = run(values((1, 100, value)))

    assert indicators.at[(1, 100), "score"] == pytest.approx(expected)


def test_the_posts_target_task_replaces_the_indicators_floor_and_target():
    indicators, _posts = run(values((1, 100, 70.0), (2, 100, 70.0)), targets((1, 100, 50.0, 90.0)))

    assert tuple(indicators.loc[(1, 100), ["floor", "target", "score"]]) == pytest.approx((50.0, 90.0, 50.0))
    assert indicators.at[(1, 100), "completion"] == pytest.approx(70 / 90)
    assert indicators.at[(2, 100), "score"] == pytest.approx(25.0)  # PB has no task: 60 → 100


def test_lower_is_better_scores_with_the_floor_above_the_target_and_has_no_completion_at_target_zero():
    indicators, posts = run(values((1, 200, 1.0), (2, 200, 7.0)))

    assert indicators.at[(1, 200), "score"] == pytest.approx(80.0)  # (1 − 5) / (0 − 5) × 100
    assert indicators.at[(2, 200), "score"] == pytest.approx(0.0)  # worse than the floor
    assert math.isnan(indicators.at[(1, 200), "completion"])  # target 0: no ratio
    assert posts.at[1, "score"] == pytest.approx(80.0)


def test_lower_is_better_with_a_target_task_above_zero_has_a_completion():
    indicators, _posts = run(values((1, 200, 3.0)), targets((1, 200, 6.0, 2.0)))

    assert indicators.at[(1, 200), "score"] == pytest.approx(75.0)  # (3 − 6) / (2 − 6) × 100
    assert indicators.at[(1, 200), "completion"] == pytest.approx(1.5)


def test_the_post_score_renormalises_the_weights_over_the_indicators_scored():
    # output 50 (weight 0.3), safety 80 (0.15); plan has a target task but no value yet.
    indicators, posts = run(values((1, 100, 80.0), (1, 200, 1.0)), targets((1, 300, 70.0, 100.0)))

    assert posts.at[1, "score"] == pytest.approx((0.3 * 50 + 0.15 * 80) / 0.45)
    shares = indicators.loc[1, "weight"]
    assert shares.to_dict() == pytest.approx({100: 0.3 / 0.45, 200: 0.15 / 0.45, 300: 0.0})
    assert shares.sum() == pytest.approx(1.0)


def test_an_indicator_with_a_target_task_but_no_value_is_listed_without_a_score():
    indicators, posts = run(values((1, 100, 80.0)), targets((2, 300, 70.0, 100.0)))

    row = indicators.loc[(2, 300)]
    assert math.isnan(row["value"]) and math.isnan(row["score"]) and math.isnan(row["completion"])
    assert (row["floor"], row["target"], row["weight"]) == (70.0, 100.0, 0.0)
    assert math.isnan(posts.at[2, "score"])  # listed, but nothing scored


def test_an_indicator_weighted_zero_is_shown_but_never_counts():
    indicators, posts = run(values((1, 100, 80.0), (1, 400, 10.0)))

    assert indicators.at[(1, 400), "score"] == pytest.approx(100.0)
    assert indicators.at[(1, 400), "weight"] == 0.0
    assert posts.at[1, "score"] == pytest.approx(50.0)


def test_other_posts_members_and_non_kpi_indicators_are_left_out():
    measurements = pd.concat(
        [
            values((3, 100, 90.0), (1, 500, 4.0), (1, 100, 80.0)),
            pd.DataFrame([("member", 1, 100, 100.0)], columns=["subject_kind", "subject_id", "indicator_id", "value"]),
        ]
    )
    indicators, posts = run(measurements, targets((3, 200, 5.0, 1.0)))

    assert list(indicators.index) == [(1, 100)]
    assert list(posts.index) == [1]
    assert posts.at[1, "unit_id"] == 10


def test_the_systems_own_target_alone_does_not_list_an_indicator_for_a_post():
    indicators, posts = run(values((1, 100, 80.0)))

    assert list(indicators.index) == [(1, 100)]
    assert list(posts.index) == [1]


def test_a_period_with_nothing_scores_no_post():
    indicators, posts = run(values())

    assert indicators.empty and posts.empty
    assert list(posts.columns) == ["unit_id", "score"]


# ── the scoring run ──────────────────────────────────────────────────────────────────────────────


@pytest.fixture
def world(org_tree):
    return post_world(org_tree)


def test_a_quarter_with_only_post_values_gets_a_run_with_post_and_holder_scores(world):
    record(world["post_a"], "2025-Q2", "output", 90.0, target=(70.0, 110.0))
    record(world["post_a"], "2025-Q2", "safety", 2.0)
    record(world["post_b"], "2025-Q2", "safety", None, target=(4.0, 1.0))

    (run,) = score("2025-Q2")

    posts = dict(PostScore.objects.filter(run=run).values_list("post__code", "score"))
    assert posts.keys() == {"PA", "PB"}
    assert posts["PA"] == pytest.approx(0.6 * 50 + 0.4 * 60)  # output (90−70)/40, safety (2−5)/(0−5)
    assert posts["PB"] is None
    output = PostIndicatorScore.objects.get(run=run, post=world["post_a"], indicator__code="output")
    assert (output.value, output.floor, output.target) == (90.0, 70.0, 110.0)
    assert output.completion == pytest.approx(90 / 110)
    assert output.weight == pytest.approx(0.6)
    assert PostScore.objects.get(run=run, post=world["post_b"]).unit == world["branch_b"]
    # The holder takes the post's KPI scores (rule 2): the same numbers.
    card = ScoreCard.objects.get(run=run, member=world["member_a"])
    assert card.performance == pytest.approx(posts["PA"])
    assert run.counts["posts"] == 2 and run.counts["posts_scored"] == 1


def test_scoring_again_replaces_the_post_scores_of_the_period(world):
    record(world["post_a"], "2025-Q1", "output", 80.0)
    first = score("2025-Q1")[0]
    record(world["post_a"], "2025-Q1", "output", 100.0)

    second = score("2025-Q1")[0]

    assert not ScoreRun.objects.filter(pk=first.pk).exists()
    assert list(PostScore.objects.values_list("run", "score")) == [(second.pk, 100.0)]
    assert PostIndicatorScore.objects.count() == 1


def test_each_period_keeps_only_its_own_values(world):
    record(world["post_a"], "2025", "output", 100.0)
    record(world["post_a"], "2025-Q1", "output", 70.0)

    annual, quarter = score("2025", "2025-Q1")

    assert PostScore.objects.get(run=annual).score == pytest.approx(100.0)
    assert PostScore.objects.get(run=quarter).score == pytest.approx(25.0)


def test_a_period_with_nothing_is_refused_and_writes_no_run(world):
    record(world["post_a"], "2025-Q3", "output", None, target=(60.0, 90.0))

    with pytest.raises(DomainError, match="2025-Q3"):
        compute_scores(period="2025-Q3")

    assert not ScoreRun.objects.exists()
    assert not PostScore.objects.exists()


def test_a_plain_posts_values_make_no_post_score(world):
    record(world["plain"], "2025-Q1", "output", 80.0)
    record(world["post_a"], "2025-Q1", "output", 80.0)

    score("2025-Q1")

    assert list(PostScore.objects.values_list("post__code", flat=True)) == ["PA"]
