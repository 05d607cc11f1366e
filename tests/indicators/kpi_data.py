"""Shared set-up of the measurement tests: two published systems with KPI indicators, and posts."""

from __future__ import annotations

from typing import Any

from indicators.models import Dimension, Indicator, IndicatorSystem
from indicators.services.systems import publish_system
from org.models import Post
from tests.factories import make_system


def add_kpi(system: IndicatorSystem, code: str, *, floor: float = 0, target: float = 100) -> Indicator:
    # Weight 0 keeps each dimension's sum at 1, so the system still publishes.
    return Indicator.objects.create(
        system=system, code=code, dimension=Dimension.objects.get(key="performance"), name=f"实绩 {code}",
        weight=0, source="kpi", floor=floor, target=target,
    )  # fmt: skip


def kpi_world(org_tree: dict[str, Any]) -> dict[str, Any]:
    """2024 and 2025 published systems with the KPIs `output` and `ideas` (2024 also `retired`);
    model posts PA (branch A, held by 1002) and PB (branch B), a plain post PC, and a post whose code
    `2002` is also an employee number."""
    systems = {}
    for year, codes in ((2024, ("output", "ideas", "retired")), (2025, ("output", "ideas"))):
        system = make_system(year)
        for code in codes:
            add_kpi(system, code)
        systems[year] = publish_system(system=system)
    post_a = Post.objects.create(code="PA", name="调度岗", unit=org_tree["branch_a"], is_model=True)
    post_a.holders.add(org_tree["member_a"])
    post_b = Post.objects.create(code="PB", name="检修岗", unit=org_tree["branch_b"], is_model=True)
    plain = Post.objects.create(code="PC", name="普通岗", unit=org_tree["branch_a"], is_model=False)
    twin = Post.objects.create(code="2002", name="与工号同码的岗位", unit=org_tree["branch_b"], is_model=True)
    return {
        **org_tree,
        "systems": systems,
        "output": Indicator.objects.get(system__year=2025, code="output"),
        "ideas": Indicator.objects.get(system__year=2025, code="ideas"),
        "output_2024": Indicator.objects.get(system__year=2024, code="output"),
        "post_a": post_a,
        "post_b": post_b,
        "plain": plain,
        "twin": twin,
    }
