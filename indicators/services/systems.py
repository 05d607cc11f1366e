"""Indicator systems: weight checks, publishing (freezing), archiving, cloning into the next year."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from common.errors import DomainError, FrozenSystemError, WeightSumError
from indicators.models import (
    CategoryWeight,
    Dimension,
    Grade,
    Indicator,
    IndicatorSystem,
    RaterWeight,
    SystemStatus,
)

WEIGHT_TOLERANCE = 0.001


def weights_sum_to_one(weights: Iterable[float]) -> tuple[bool, float]:
    total = float(sum(weights))
    return abs(total - 1.0) <= WEIGHT_TOLERANCE, total


def check_weight_sum(weights: Iterable[float], *, what: str) -> None:
    """Refuse a group of weights whose sum is not 1 (±0.001), naming the group and the sum."""
    ok, total = weights_sum_to_one(weights)
    if not ok:
        raise WeightSumError(f"{what} 的权重合计为 {total:.4g}，应为 1 (weights of {what} sum to {total:.4g}, not 1)")


def weight_problems(system: IndicatorSystem) -> list[str]:
    """Every weight group of the system that does not sum to 1, and what is missing to score with it."""
    problems: list[str] = []
    dimension_names = dict(Dimension.objects.values_list("pk", "name"))

    by_dimension: dict[int, list[float]] = defaultdict(list)
    for dimension_id, weight in Indicator.objects.filter(system=system).values_list("dimension_id", "weight"):
        by_dimension[dimension_id].append(weight)
    if not by_dimension:
        problems.append("体系中没有指标 (the system has no indicators)")
    for dimension_id, weights in sorted(by_dimension.items()):
        ok, total = weights_sum_to_one(weights)
        if not ok:
            name = dimension_names[dimension_id]
            problems.append(
                f"维度“{name}”的指标权重合计为 {total:.4g}，应为 1 (indicator weights of {name} sum to {total:.4g})"
            )

    by_category: dict[str, list[float]] = defaultdict(list)
    for category, weight in CategoryWeight.objects.filter(system=system).values_list("category__name", "weight"):
        by_category[category].append(weight)
    if not by_category:
        problems.append("没有人员类别权重 (no category weights)")
    for category, weights in sorted(by_category.items()):
        ok, total = weights_sum_to_one(weights)
        if not ok:
            problems.append(
                f"人员类别“{category}”的维度权重合计为 {total:.4g}，应为 1"
                f" (weights of category {category} sum to {total:.4g})"
            )

    rater_weights = list(RaterWeight.objects.filter(system=system).values_list("weight", flat=True))
    if rater_weights:
        ok, total = weights_sum_to_one(rater_weights)
        if not ok:
            problems.append(f"评价主体权重合计为 {total:.4g}，应为 1 (rater-role weights sum to {total:.4g})")
    else:
        problems.append("没有评价主体权重 (no rater-role weights)")

    grades = list(Grade.objects.filter(system=system).order_by("-min_score"))
    problems.extend(grade_problems([(g.label, g.min_score, g.max_share) for g in grades]))
    return problems


def grade_problems(grades: Iterable[tuple[str, float, float | None]]) -> list[str]:
    """Grades best first: distinct minimums, a cap on the top grade only."""
    ordered = sorted(grades, key=lambda g: -g[1])
    problems = []
    minimums = [g[1] for g in ordered]
    if len(set(minimums)) != len(minimums):
        problems.append("等级的最低分不能相同 (two grades share a minimum score)")
    for label, _minimum, max_share in ordered[1:]:
        if max_share is not None:
            problems.append(f"只有最高等级可以设定最高比例，“{label}”不能 (only the top grade may carry a share cap)")
    return problems


def _require_draft(system: IndicatorSystem) -> None:
    if system.is_frozen:
        raise FrozenSystemError(
            f"{system.year} 年指标体系已发布，不能修改 (the {system.year} indicator system is published and frozen)"
        )


@transaction.atomic
def publish_system(*, system: IndicatorSystem, user: Any = None) -> IndicatorSystem:
    _require_draft(system)
    problems = weight_problems(system)
    if problems:
        raise DomainError("不能发布：" + "；".join(problems))
    system.status = SystemStatus.PUBLISHED
    system.published_at = timezone.now()
    system.published_by = user if user is not None and getattr(user, "pk", None) else None
    super(IndicatorSystem, system).save()  # the frozen guard applies from now on, not to this transition
    return system


@transaction.atomic
def archive_system(*, system: IndicatorSystem) -> IndicatorSystem:
    if system.status != SystemStatus.PUBLISHED:
        raise DomainError("只有已发布的体系可以归档 (only a published system can be archived)")
    system.status = SystemStatus.ARCHIVED
    system.save(update_fields=["status"])
    return system


@transaction.atomic
def clone_system(*, source: IndicatorSystem, year: int, name: str | None = None) -> IndicatorSystem:
    """Copy a system (any status) into a new draft for another year: indicators, weights, grades."""
    if IndicatorSystem.objects.filter(year=year).exists():
        raise DomainError(f"{year} 年已有指标体系 (the year {year} already has a system)")
    clone = IndicatorSystem.objects.create(
        year=year,
        name=name or source.name.replace(str(source.year), str(year)),
        cloned_from=source,
    )
    fields_of: Mapping[type, list[str]] = {
        Indicator: [
            "code", "dimension_id", "name", "name_en", "weight", "source",
            "measure_unit", "floor", "target", "description", "order",
        ],
        CategoryWeight: ["category_id", "dimension_id", "weight"],
        RaterWeight: ["role", "weight"],
        Grade: ["label", "min_score", "max_share"],
    }  # fmt: skip
    for model, fields in fields_of.items():
        rows = model.objects.filter(system=source).values(*fields)  # type: ignore[attr-defined]
        model.objects.bulk_create([model(system=clone, **row) for row in rows])  # type: ignore[attr-defined]
    return clone


def published_system_for_year(year: int) -> IndicatorSystem | None:
    return IndicatorSystem.objects.filter(year=year).exclude(status=SystemStatus.DRAFT).first()
