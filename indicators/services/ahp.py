"""AHP into a draft system: a member category's six dimension weights, or a dimension's indicator weights.

`preview_ahp` computes only (the page's 计算 step and the API's preview). `apply_ahp` computes again
from what it is given, never from an earlier preview, and writes the weights and the judgement row
in one transaction, or nothing. The arithmetic is `indicators.weighting`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import QuerySet

from common.errors import DomainError
from indicators.models import DIMENSION_KEYS, AhpJudgement, Dimension, Indicator, IndicatorSystem
from indicators.services.editing import require_draft
from indicators.services.systems import check_weight_sum
from indicators.services.weights import category_weight_grid, set_category_weights
from indicators.weighting import (
    AhpResult,
    WeightingInputError,
    ahp,
    as_square_matrix,
    explain_inconsistency,
    parse_judgement,
    rounded_weights,
    validate_matrix,
)
from org.models import MemberCategory

CATEGORY = "category"
DIMENSION = "dimension"


class InconsistentJudgementsError(DomainError):
    """CR ≥ 0.1 and not forced. Carries the preview so a caller can show the numbers beside the refusal."""

    def __init__(self, preview: AhpPreview) -> None:
        super().__init__(preview.explanation or "")
        self.preview = preview


@dataclass(frozen=True)
class AhpScope:
    """What is compared: the six dimensions of a category, or the indicators of a dimension."""

    system: IndicatorSystem
    category: MemberCategory | None
    dimension: Dimension | None
    items: list[str]  # dimension keys or indicator codes, in the system's order
    labels: list[str]
    current: list[float | None]  # the weights in the system now (None: the category has no profile yet)

    @property
    def kind(self) -> str:
        return CATEGORY if self.category is not None else DIMENSION

    @property
    def key(self) -> str:
        """`management` or `performance`: the category code or the dimension key."""
        if self.category is not None:
            return self.category.code
        assert self.dimension is not None
        return self.dimension.key

    @property
    def title(self) -> str:
        if self.category is not None:
            return f"人员类别“{self.category.name}”的维度权重"
        assert self.dimension is not None
        return f"维度“{self.dimension.name}”的指标权重"


@dataclass(frozen=True)
class AhpPreview:
    scope: AhpScope
    result: AhpResult
    weights: list[float]  # as they would be written: rounded, summing to 1

    @property
    def consistent(self) -> bool:
        return self.result.consistent

    @property
    def explanation(self) -> str | None:
        return None if self.result.consistent else explain_inconsistency(self.result)


def ahp_scope(
    *, system: IndicatorSystem, category: MemberCategory | None = None, dimension: Dimension | None = None
) -> AhpScope:
    if (category is None) == (dimension is None):
        raise DomainError("请选择一个人员类别或一个维度（只选其一） (choose either a member category or a dimension)")
    if category is not None:
        dimensions = list(Dimension.objects.filter(key__in=DIMENSION_KEYS).order_by("order"))
        profile = category_weight_grid(system=system).get(category.code, {})
        return AhpScope(
            system=system,
            category=category,
            dimension=None,
            items=[d.key for d in dimensions],
            labels=[d.name for d in dimensions],
            current=[profile.get(d.key) for d in dimensions],
        )
    assert dimension is not None
    rows = list(
        Indicator.objects.filter(system=system, dimension=dimension)
        .order_by("order", "code")
        .values_list("code", "name", "weight")
    )
    if len(rows) < 2:
        raise DomainError(
            f"{system.year} 年体系中维度“{dimension.name}”只有 {len(rows)} 项指标，无需两两比较"
            f" (the dimension {dimension.key} has {len(rows)} indicator(s) in {system.year}; AHP needs at least 2)"
        )
    return AhpScope(
        system=system,
        category=None,
        dimension=dimension,
        items=[code for code, _name, _weight in rows],
        labels=[name for _code, name, _weight in rows],
        current=[weight for _code, _name, weight in rows],
    )


def _in_scope_order(scope: AhpScope, matrix: object, items: Sequence[str] | None) -> np.ndarray:
    """The matrix validated in the order it was sent, then permuted into the scope's order."""
    given = as_square_matrix(matrix)
    n, expected = given.shape[0], len(scope.items)
    if n != expected:
        raise WeightingInputError(
            f"{scope.title}需要 {expected}×{expected} 的判断矩阵，收到 {n}×{n}"
            f" ({scope.key} needs a {expected}×{expected} matrix; got {n}×{n})"
        )
    order = list(scope.items) if items is None else [str(item) for item in items]
    missing = [item for item in scope.items if item not in order]
    unknown = [item for item in order if item not in scope.items]
    if missing or unknown or len(set(order)) != len(order):
        raise WeightingInputError(
            f"比较项须恰为：{'、'.join(scope.items)}；缺少 {'、'.join(missing) or '无'}，"
            f"多出 {'、'.join(unknown) or '无'}"
            f" (items must be exactly {', '.join(scope.items)}; missing {', '.join(missing) or 'none'},"
            f" unknown {', '.join(unknown) or 'none'})"
        )
    names = dict(zip(scope.items, scope.labels, strict=True))
    validated, _labels = validate_matrix(given, [names[item] for item in order])
    position = [order.index(item) for item in scope.items]
    return validated[np.ix_(position, position)]


def preview_ahp(
    *,
    system: IndicatorSystem,
    category: MemberCategory | None = None,
    dimension: Dimension | None = None,
    matrix: object,
    items: Sequence[str] | None = None,
) -> AhpPreview:
    """Weights, λmax, CI, CR and the explanation, without writing anything. `items` names the rows of
    `matrix` when they are not in the system's order."""
    scope = ahp_scope(system=system, category=category, dimension=dimension)
    result = ahp(_in_scope_order(scope, matrix, items), scope.labels)
    return AhpPreview(scope=scope, result=result, weights=rounded_weights(result.weights))


@transaction.atomic
def apply_ahp(
    *,
    system: IndicatorSystem,
    category: MemberCategory | None = None,
    dimension: Dimension | None = None,
    matrix: object,
    items: Sequence[str] | None = None,
    force: bool = False,
    user: Any,
) -> AhpJudgement:
    """Write the AHP weights into a draft system and keep the judgements; CR ≥ 0.1 only when forced."""
    # The row lock keeps a publish from slipping in between this check and the writes below.
    locked = IndicatorSystem.objects.select_for_update().get(pk=system.pk)
    require_draft(system=locked)
    preview = preview_ahp(system=locked, category=category, dimension=dimension, matrix=matrix, items=items)
    if not preview.consistent and not force:
        raise InconsistentJudgementsError(preview)
    scope = preview.scope
    check_weight_sum(preview.weights, what=scope.title)
    if category is not None:
        set_category_weights(
            system=locked, grid={category.code: dict(zip(scope.items, preview.weights, strict=True))}, replace=False
        )
    else:
        indicators = {i.code: i for i in Indicator.objects.filter(system=locked, dimension=dimension)}
        for code, weight in zip(scope.items, preview.weights, strict=True):
            indicators[code].weight = weight
        Indicator.objects.bulk_update(list(indicators.values()), ["weight"])
    result = preview.result
    return AhpJudgement.objects.create(
        system=locked,
        category=category,
        dimension=dimension,
        items=scope.items,
        labels=scope.labels,
        matrix=result.matrix,
        weights=preview.weights,
        lambda_max=result.lambda_max,
        ci=result.ci,
        cr=result.cr,
        forced=not preview.consistent,
        created_by=user if getattr(user, "pk", None) else None,
    )


def judgements_of(*, system: IndicatorSystem) -> QuerySet[AhpJudgement]:
    """The system's judgements, newest first."""
    return (
        AhpJudgement.objects.filter(system=system)
        .select_related("category", "dimension", "created_by")
        .order_by("-created_at", "-pk")
    )


def last_judgement(*, scope: AhpScope) -> AhpJudgement | None:
    """The latest judgement of the same group in this system, else in the system it was cloned from
    (and so on back): a new year's draft starts from last year's reasoning."""
    system: IndicatorSystem | None = scope.system
    seen: set[int] = set()
    while system is not None and system.pk not in seen:
        seen.add(system.pk)
        rows = AhpJudgement.objects.filter(system=system)
        rows = rows.filter(category=scope.category) if scope.category else rows.filter(dimension=scope.dimension)
        found = rows.order_by("-created_at", "-pk").first()
        if found is not None:
            return found
        system = system.cloned_from
    return None


def prefilled_upper(*, scope: AhpScope, judgement: AhpJudgement | None) -> dict[tuple[int, int], float]:
    """The upper-triangle judgements of `judgement` mapped onto the scope's items (an item added since
    has no judgement yet, a removed one is dropped): `{(i, j): a_ij}` with i < j in the scope's order."""
    if judgement is None:
        return {}
    where = {item: k for k, item in enumerate(judgement.items)}
    cells: dict[tuple[int, int], float] = {}
    for i, row_item in enumerate(scope.items):
        for j in range(i + 1, len(scope.items)):
            a, b = where.get(row_item), where.get(scope.items[j])
            if a is not None and b is not None:
                cells[(i, j)] = float(judgement.matrix[a][b])
    return cells


def full_matrix(upper: dict[tuple[int, int], object], n: int) -> list[list[object]]:
    """A full matrix from upper-triangle judgements (what a page posts): 1 on the diagonal, the lower
    triangle the reciprocals. A missing cell stays None so validation names it."""
    rows: list[list[object]] = [[1.0 if i == j else None for j in range(n)] for i in range(n)]
    for (i, j), value in upper.items():
        rows[i][j] = value
        try:
            number = parse_judgement(value)
        except (ValueError, ArithmeticError):
            continue  # validation names the upper cell, which it reaches first
        rows[j][i] = 1 / number if number and math.isfinite(number) else None
    return rows
