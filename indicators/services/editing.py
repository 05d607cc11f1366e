"""Editing indicator systems and their parts (indicators, weights, grades) while they are drafts.

The models refuse changes to a frozen system on their own; checking here first makes the refusal
come before any other complaint, so a frozen system always answers "frozen", whatever was sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, IntegerField, OuterRef, ProtectedError, QuerySet, Subquery
from django.db.models.functions import Coalesce

from common.errors import DomainError, FrozenSystemError
from indicators.models import CategoryWeight, Grade, Indicator, IndicatorSystem, RaterWeight, SystemPart
from indicators.services.systems import grade_problems


def require_draft(*, system: IndicatorSystem) -> None:
    if system.is_frozen:
        raise FrozenSystemError(
            f"{system.year} 年指标体系已发布，不能修改 (the {system.year} indicator system is published and frozen)"
        )


def validated(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    """The model's own rules (`clean` and field checks), reported as one domain error shown as it is.

    Unique constraints are left to the database and the API's serializers, which name the field.
    """
    try:
        instance.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as exc:
        raise DomainError("；".join(exc.messages)) from exc


def _count_of(model: type[SystemPart], expression: Any) -> Coalesce:
    rows = (
        model.objects.filter(system=OuterRef("pk"))  # type: ignore[attr-defined]
        .order_by()
        .values("system")
        .annotate(n=expression)
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def systems_with_counts() -> QuerySet[IndicatorSystem]:
    """Every system with how many indicators, categories, rater weights and grades it holds."""
    return IndicatorSystem.objects.select_related("cloned_from").annotate(
        indicator_count=_count_of(Indicator, Count("pk")),
        category_count=_count_of(CategoryWeight, Count("category", distinct=True)),
        rater_weight_count=_count_of(RaterWeight, Count("pk")),
        grade_count=_count_of(Grade, Count("pk")),
    )


@transaction.atomic
def create_system(*, year: int, name: str) -> IndicatorSystem:
    if IndicatorSystem.objects.filter(year=year).exists():
        raise DomainError(f"{year} 年已有指标体系 (the year {year} already has a system)")
    system = IndicatorSystem(year=year, name=name)
    validated(system)
    system.save()
    return system


@transaction.atomic
def rename_system(*, system: IndicatorSystem, name: str, year: int | None = None) -> IndicatorSystem:
    """A draft may be renamed; its year stays, because post targets and periods are tied to it."""
    require_draft(system=system)
    if year is not None and year != system.year:
        raise DomainError("指标体系的年度不能修改，请复制到新年度 (a system's year cannot change; clone it instead)")
    system.name = name
    validated(system)
    system.save(update_fields=["name"])
    return system


def delete_system(*, system: IndicatorSystem) -> None:
    require_draft(system=system)
    try:
        with transaction.atomic():
            system.delete()
    except ProtectedError as exc:
        raise DomainError(
            f"{system.year} 年指标体系已有数据引用，不能删除 (the {system.year} system is in use and cannot be deleted)"
        ) from exc


@transaction.atomic
def save_part(*, part: SystemPart, changes: Mapping[str, Any]) -> SystemPart:
    """Create (unsaved `part`) or change a row of a draft system; it may not move into a frozen one."""
    if part.pk is not None:
        require_draft(system=part.system)
    destination = changes.get("system")
    if destination is not None:
        require_draft(system=destination)
    for name, value in changes.items():
        setattr(part, name, value)
    validated(part)
    part.save()
    if isinstance(part, Grade):
        _check_grades(system=part.system)
    return part


def delete_part(*, part: SystemPart) -> None:
    require_draft(system=part.system)
    with transaction.atomic():
        part.delete()


def _check_grades(*, system: IndicatorSystem) -> None:
    rows = Grade.objects.filter(system=system).values_list("label", "min_score", "max_share")
    problems = grade_problems(list(rows))
    if problems:
        raise DomainError("；".join(problems))
