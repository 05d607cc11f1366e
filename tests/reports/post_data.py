"""Model posts scored by the real pipeline (values and target tasks → compute_scores), for the post
scoring, comparison, API and page tests.

Each year's system has two weighted KPIs beside the questionnaire indicators: `output` (%, floor 60,
target 100, weight 0.6 in performance) and `safety` (次, lower is better: floor 5, target 0, weight 0.4
in performance). Model posts: PA (branch B1, held by 1002), PG (group G1 under B1) and PB (branch B2);
PC is a plain post of B1.
"""

from __future__ import annotations

from typing import Any

from indicators.models import Dimension, Indicator, IndicatorSystem, Measurement, PostTarget
from indicators.services.systems import publish_system
from org.models import Post
from reports.models import ScoreRun
from reports.services.scoring import compute_scores
from tests.factories import make_system

KPIS = {
    # code: (name, unit, floor, target, weight)
    "output": ("产量完成率", "%", 60.0, 100.0, 0.6),
    "safety": ("安全违章次数", "次", 5.0, 0.0, 0.4),
}


def make_post_system(year: int) -> IndicatorSystem:
    system = make_system(year)
    performance = Dimension.objects.get(key="performance")
    Indicator.objects.filter(system=system, code="performance_q").update(weight=0.0)
    for order, (code, (name, unit, floor, target, weight)) in enumerate(KPIS.items(), start=10):
        Indicator.objects.create(
            system=system, code=code, dimension=performance, name=name, name_en=code.title(), weight=weight,
            source="kpi", floor=floor, target=target, measure_unit=unit, order=order,
        )  # fmt: skip
    return publish_system(system=system)


def post_world(org_tree: dict[str, Any], years: tuple[int, ...] = (2024, 2025)) -> dict[str, Any]:
    systems = {year: make_post_system(year) for year in years}
    post_a = Post.objects.create(code="PA", name="调度岗", unit=org_tree["branch_a"], is_model=True)
    post_a.holders.add(org_tree["member_a"])
    post_g = Post.objects.create(code="PG", name="巡检岗", unit=org_tree["group_a"], is_model=True)
    post_b = Post.objects.create(code="PB", name="检修岗", unit=org_tree["branch_b"], is_model=True)
    plain = Post.objects.create(code="PC", name="普通岗", unit=org_tree["branch_a"], is_model=False)
    return {**org_tree, "systems": systems, "post_a": post_a, "post_g": post_g, "post_b": post_b, "plain": plain}


def kpi(year: int, code: str) -> Indicator:
    return Indicator.objects.get(system__year=year, code=code)


def record(post: Post, period: str, code: str, value: float | None, target: tuple[float, float] | None = None) -> None:
    """The post's value (None: none) and, optionally, its target task (floor, target) for the period."""
    indicator = kpi(int(period[:4]), code)
    if value is not None:
        Measurement.objects.update_or_create(
            indicator=indicator, post=post, period=period, member=None, defaults={"value": value}
        )
    if target is not None:
        PostTarget.objects.update_or_create(
            post=post, indicator=indicator, period=period, defaults={"floor": target[0], "target": target[1]}
        )


def score(*periods: str) -> list[ScoreRun]:
    return [compute_scores(period=period) for period in periods]
