"""Demo KPI data: members' annual values, and model posts' quarterly targets and values.

Deterministic from the seed. Each member has a standing and a 2024→2025 drift, so some rise and
some fall; the holders of a model post get their task completion from the post (DESIGN.md rule 2:
a member with no own measurement takes the model posts he holds).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import transaction

from indicators.models import Indicator, IndicatorSystem, Measurement, PostTarget, Source
from indicators.periods import Period
from org.models import Member, MemberStatus, Post

# Measured on the model post rather than on the people who hold it.
POST_INDICATORS = ("perf_task_completion", "perf_safety_violations", "exec_plan_on_time")


@dataclass(frozen=True)
class DemoMeasurements:
    members: int
    posts: int
    targets: int
    skipped: bool = False


def _level(rng: random.Random, standing: float) -> float:
    """Where between floor (0) and target (1) a value lands: mostly 0.5–1, a few past the target."""
    return min(max(rng.gauss(0.72 + standing, 0.12), -0.1), 1.15)


def _value(indicator: Indicator, level: float) -> float:
    floor, target = float(indicator.floor or 0), float(indicator.target or 0)
    value = floor + (target - floor) * level
    whole = indicator.measure_unit in ("次", "条")
    return float(round(max(value, 0.0))) if whole else round(max(value, 0.0), 1)


def _task(indicator: Indicator, quarter: int) -> tuple[float, float]:
    """A quarter's target task: the system's floor, and a target 92.5 % of the way from the floor to
    the system's target in Q1, rising by 2.5 points a quarter to the full target in Q4."""
    floor, target = float(indicator.floor or 0), float(indicator.target or 0)
    return floor, round(floor + (target - floor) * (0.9 + 0.025 * quarter), 1)


@transaction.atomic
def ensure_demo_measurements(*, system: IndicatorSystem, seed: int) -> DemoMeasurements:
    """Create the year's demo KPI data once; a second call changes nothing."""
    if Measurement.objects.filter(indicator__system=system).exists():
        return DemoMeasurements(0, 0, 0, skipped=True)
    year = system.year
    kpis = list(Indicator.objects.filter(system=system, source=Source.KPI).order_by("code"))
    model_posts = list(Post.objects.filter(is_model=True).prefetch_related("holders").order_by("code"))
    holders = {m.pk for post in model_posts for m in post.holders.all()}

    rows: list[Measurement] = []
    members = Member.objects.filter(status=MemberStatus.ACTIVE).order_by("employee_no")
    for member in members:
        person = random.Random(f"{seed}:kpi:{member.employee_no}")
        standing, drift = person.gauss(0, 0.1), person.gauss(0, 0.08)
        for indicator in kpis:
            if indicator.code in POST_INDICATORS and member.pk in holders:
                continue  # measured on his model post
            rng = random.Random(f"{seed}:kpi:{member.employee_no}:{indicator.code}:{year}")
            level = _level(rng, standing + (drift if year % 2 else 0.0))
            rows.append(
                Measurement(indicator=indicator, member=member, period=str(year), value=_value(indicator, level))
            )
    member_rows = len(rows)

    targets: list[PostTarget] = []
    post_kpis = [indicator for indicator in kpis if indicator.code in POST_INDICATORS]
    for post in model_posts:
        course = random.Random(f"{seed}:post:{post.code}")
        standing, slope = course.gauss(0.05, 0.08), course.gauss(0.0, 0.05)
        for indicator in post_kpis:
            quarterly = []
            for stage in Period(year, "Q1").stages_of_year():
                rng = random.Random(f"{seed}:post:{post.code}:{indicator.code}:{stage.code}")
                quarter = int(stage.stage[1])
                # The branch's target task tightens through the year; the post moves along its slope.
                floor, target = _task(indicator, quarter)
                targets.append(
                    PostTarget(post=post, indicator=indicator, period=stage.code, floor=floor, target=target)
                )
                level = _level(rng, standing + slope * (quarter - 2.5) + (slope if year % 2 else 0.0))
                value = _value(indicator, level)
                quarterly.append(value)
                rows.append(Measurement(indicator=indicator, post=post, period=stage.code, value=value))
            annual = round(sum(quarterly) / len(quarterly), 1)
            rows.append(Measurement(indicator=indicator, post=post, period=str(year), value=annual))
    Measurement.objects.bulk_create(rows, batch_size=2000)
    PostTarget.objects.bulk_create(targets, batch_size=2000, ignore_conflicts=True)
    return DemoMeasurements(members=member_rows, posts=len(rows) - member_rows, targets=len(targets))
