"""The category weight grid: for each member category, the weight of each of the six dimensions."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from common.errors import DomainError, WeightSumError
from indicators.models import DIMENSION_KEYS, CategoryWeight, Dimension, IndicatorSystem
from indicators.services.editing import require_draft
from indicators.services.systems import check_weight_sum
from org.models import MemberCategory

Grid = dict[str, dict[str, float]]


def category_weight_grid(*, system: IndicatorSystem) -> Grid:
    """`{category code: {dimension key: weight}}`, dimensions in their fixed order."""
    grid: Grid = {}
    rows = (
        CategoryWeight.objects.filter(system=system)
        .order_by("category__code", "dimension__order")
        .values_list("category__code", "dimension__key", "weight")
    )
    for category, dimension, weight in rows:
        grid.setdefault(category, {})[dimension] = weight
    return grid


@transaction.atomic
def set_category_weights(
    *, system: IndicatorSystem, grid: Mapping[str, Mapping[str, float]], replace: bool = True
) -> Grid:
    """Write the grid in one transaction, or nothing at all.

    Each category given takes exactly the weights given (a dimension left out weighs 0) and they must
    sum to 1; with `replace`, categories not given lose their weights. Every category whose weights
    do not sum to 1 is named in the refusal, with its sum.
    """
    require_draft(system=system)
    categories = MemberCategory.objects.in_bulk(list(grid), field_name="code")
    unknown = sorted(set(grid) - set(categories))
    if unknown:
        raise DomainError(f"未知的人员类别：{'、'.join(unknown)} (unknown categories: {', '.join(unknown)})")
    wrong_keys = sorted({key for weights in grid.values() for key in weights} - set(DIMENSION_KEYS))
    if wrong_keys:
        raise DomainError(f"未知的维度：{'、'.join(wrong_keys)} (unknown dimensions: {', '.join(wrong_keys)})")

    problems: list[str] = []
    for code, weights in grid.items():
        try:
            check_weight_sum(weights.values(), what=f"人员类别“{categories[code].name}”({code})")
        except WeightSumError as exc:
            problems.append(exc.message)
    if problems:
        raise WeightSumError("；".join(problems))

    if replace:
        CategoryWeight.objects.filter(system=system).exclude(category__code__in=list(grid)).delete()
    dimensions = {d.key: d for d in Dimension.objects.all()}
    for code, weights in grid.items():
        for key in DIMENSION_KEYS:
            CategoryWeight.objects.update_or_create(
                system=system,
                category=categories[code],
                dimension=dimensions[key],
                defaults={"weight": float(weights.get(key, 0.0))},
            )
    return category_weight_grid(system=system)
