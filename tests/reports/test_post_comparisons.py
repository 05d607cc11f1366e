"""Model posts on the three axes (previous stage, same stage last year, last year's annual figure),
per post and per indicator, with the quarterly series of this year and last."""

import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.errors import DomainError, NotInScope
from indicators.periods import Period
from org.models import Post
from reports.post_comparison import PostPeriods
from reports.services.post_comparisons import post_comparisons
from tests.reports.post_data import post_world, record, score

# PA's `output` (floor 60, target 100: score = (value − 60) × 2.5) and so its post score.
PA_OUTPUT = {"2024-Q1": 80, "2024-Q2": 84, "2024-Q4": 92, "2024": 88, "2025-Q1": 96, "2025-Q2": 90, "2025": 94}
PA_SCORES = {"2024-Q1": 50, "2024-Q2": 60, "2024-Q4": 80, "2024": 70, "2025-Q1": 90, "2025-Q2": 75, "2025": 85}


@pytest.fixture
def world(org_tree):
    world = post_world(org_tree)
    for period, value in PA_OUTPUT.items():
        record(world["post_a"], period, "output", value)
    # Safety is lower-is-better: fewer violations score higher (5 → 0, 0 → 100).
    record(world["post_a"], "2025-Q1", "safety", 3)  # 40
    record(world["post_a"], "2025-Q2", "safety", 1)  # 80
    record(world["post_b"], "2025-Q2", "output", 70)  # 25
    record(world["post_g"], "2024-Q2", "output", 100)  # only last year
    score(*PA_OUTPUT)
    return world


def by_post(rows):
    return {row["post"]: row for row in rows}


def indicator(row, code):
    return next(item for item in row["indicators"] if item["code"] == code)


def test_each_axis_names_the_right_period():
    q1 = PostPeriods.of(Period.parse("2025-Q1"))
    assert (q1.previous_stage.code, q1.same_period_last_year.code, q1.last_year.code) == ("2024-Q4", "2024-Q1", "2024")
    h2 = PostPeriods.of(Period.parse("2025-H2"))
    assert (h2.previous_stage.code, h2.same_period_last_year.code, h2.last_year.code) == ("2025-H1", "2024-H2", "2024")
    assert [p.code for p in h2.series_now] == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]


def test_a_quarter_compares_its_post_score_on_each_axis(world):
    pa = by_post(post_comparisons(user=None, period="2025-Q2"))["PA"]

    assert pa["score"] == pytest.approx(0.6 * 75 + 0.4 * 80)  # output 75, safety 80
    now = pa["score"]
    previous_q1 = 0.6 * 90 + 0.4 * 40
    assert pa["previous_stage"] == pytest.approx(
        {"now": now, "before": previous_q1, "delta": now - previous_q1, "pct": (now - previous_q1) / previous_q1 * 100,
         "trend": "flat" if abs(now - previous_q1) < 1 else ("up" if now > previous_q1 else "down")}
    )  # fmt: skip
    assert pa["same_period_last_year"]["before"] == pytest.approx(60.0)
    assert pa["same_period_last_year"]["trend"] == "up"
    assert pa["last_year"]["before"] == pytest.approx(70.0)
    assert pa["last_year"]["delta"] == pytest.approx(now - 70.0)


def test_each_indicator_compares_its_score_on_each_axis(world):
    pa = by_post(post_comparisons(user=None, period="2025-Q2"))["PA"]

    output = indicator(pa, "output")
    assert (output["value"], output["floor"], output["target"]) == (90.0, 60.0, 100.0)
    assert output["completion"] == pytest.approx(0.9)
    assert output["unit"] == "%" and output["name"] == "产量完成率"
    assert output["previous_stage"] == pytest.approx(
        {"now": 75.0, "before": 90.0, "delta": -15.0, "pct": -15 / 90 * 100, "trend": "down"}
    )
    assert output["same_period_last_year"] == pytest.approx(
        {"now": 75.0, "before": 60.0, "delta": 15.0, "pct": 25.0, "trend": "up"}
    )
    assert output["last_year"]["before"] == pytest.approx(70.0)
    assert output["last_year"]["trend"] == "up"
    # Fewer violations: the value fell, the score rose, and that is an improvement.
    safety = indicator(pa, "safety")
    assert safety["previous_stage"]["delta"] == pytest.approx(40.0)
    assert safety["previous_stage"]["trend"] == "up"
    assert safety["completion"] is None  # target 0
    assert safety["same_period_last_year"] == {"now": 80.0, "before": None, "delta": None, "pct": None, "trend": None}


def test_the_first_quarters_previous_stage_is_the_fourth_quarter_of_last_year(world):
    output = indicator(by_post(post_comparisons(user=None, period="2025-Q1"))["PA"], "output")

    assert output["previous_stage"]["before"] == pytest.approx(80.0)  # 2024-Q4
    assert output["previous_stage"]["delta"] == pytest.approx(10.0)
    assert output["same_period_last_year"]["before"] == pytest.approx(50.0)  # 2024-Q1


def test_a_missing_stage_leaves_that_axis_without_a_trend(world):
    pa = by_post(post_comparisons(user=None, period="2024-Q4"))["PA"]

    assert pa["previous_stage"] == {"now": 80.0, "before": None, "delta": None, "pct": None, "trend": None}  # no Q3
    assert pa["same_period_last_year"]["before"] is None  # no 2023


def test_a_post_without_data_in_the_period_is_listed_from_its_baselines(world):
    rows = by_post(post_comparisons(user=None, period="2025-Q2"))

    pg = rows["PG"]  # scored in 2024-Q2 only
    assert pg["score"] is None
    assert pg["same_period_last_year"] == {"now": None, "before": 100.0, "delta": None, "pct": None, "trend": None}
    assert indicator(pg, "output")["value"] is None
    assert indicator(pg, "output")["same_period_last_year"]["before"] == 100.0
    assert rows["PB"]["previous_stage"]["before"] is None


def test_an_annual_period_compares_every_axis_with_last_year(world):
    pa = by_post(post_comparisons(user=None, period="2025"))["PA"]

    expected = {"now": 85.0, "before": 70.0, "delta": 15.0, "pct": pytest.approx(15 / 70 * 100), "trend": "up"}
    assert pa["previous_stage"] == pa["same_period_last_year"] == pa["last_year"] == expected
    assert pa["series"]["periods_now"] == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]


def test_the_series_has_this_years_and_last_years_quarters_with_gaps(world):
    pa = by_post(post_comparisons(user=None, period="2025-Q2"))["PA"]

    assert pa["series"] == {
        "periods_now": ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"],
        "now": [pytest.approx(0.6 * 90 + 0.4 * 40), pytest.approx(0.6 * 75 + 0.4 * 80), None, None],
        "periods_before": ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"],
        "before": [50.0, 60.0, None, 80.0],
    }


def test_the_flat_threshold_decides_when_a_change_counts(world):
    record(world["post_b"], "2025-Q1", "output", 69.8)  # 24.5 against Q2's 25: +0.5

    score("2025-Q1")

    assert by_post(post_comparisons(user=None, period="2025-Q2"))["PB"]["previous_stage"]["trend"] == "flat"
    tight = by_post(post_comparisons(user=None, period="2025-Q2", threshold=0.5))["PB"]
    assert tight["previous_stage"]["trend"] == "up"


def test_rows_are_ordered_by_unit_then_post_and_carry_plain_numbers(world):
    rows = post_comparisons(user=None, period="2025-Q2")

    assert [(row["post"], row["unit"]) for row in rows] == [("PA", "B1"), ("PG", "G1"), ("PB", "B2")]
    assert rows[0]["unit_name"] == "第一党支部" and rows[0]["name"] == "调度岗"

    def numbers(value):
        if isinstance(value, dict):
            for item in value.values():
                yield from numbers(item)
        elif isinstance(value, list):
            for item in value:
                yield from numbers(item)
        elif not isinstance(value, str | bool) and value is not None:
            yield value

    found = list(numbers(rows))
    assert found and all(type(n) is float for n in found)
    assert not any(math.isnan(n) for n in found)


def test_the_comparison_is_in_the_readers_scope(world):
    def posts(user, **kwargs):
        return [row["post"] for row in post_comparisons(user=user, period="2025-Q2", **kwargs)]

    assert posts(world["secretary_a"].user) == ["PA", "PG"]
    assert posts(world["secretary_b"].user) == ["PB"]
    assert posts(world["member_a"].user) == ["PA"]  # he holds PA
    assert posts(world["member_b"].user) == []
    assert posts(world["secretary_a"].user, unit_code="G1") == ["PG"]
    with pytest.raises(NotInScope):
        posts(world["secretary_a"].user, unit_code="B2")
    with pytest.raises(NotInScope):
        posts(None, unit_code="nowhere")


def test_a_period_with_nothing_compares_nothing(world):
    assert post_comparisons(user=None, period="2023-Q2") == []
    with pytest.raises(DomainError, match="无效"):
        post_comparisons(user=None, period="2025-Q7")


def test_the_number_of_queries_does_not_grow_with_the_posts(world):
    with CaptureQueriesContext(connection) as few:
        post_comparisons(user=None, period="2025-Q2")
    for n in range(5):
        post = Post.objects.create(code=f"PX{n}", name="新岗", unit=world["branch_b"], is_model=True)
        record(post, "2025-Q2", "output", 80 + n)
    score("2025-Q2")

    with CaptureQueriesContext(connection) as many:
        rows = post_comparisons(user=None, period="2025-Q2")

    assert len(rows) == 8
    assert len(many.captured_queries) == len(few.captured_queries)
