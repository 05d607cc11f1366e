"""The indicator-system page: dimensions and indicators, category weights, rater weights, grades."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from indicators.models import (
    CategoryWeight,
    Dimension,
    Grade,
    Indicator,
    IndicatorSystem,
    RaterRole,
    RaterWeight,
    SystemStatus,
)
from org.scope import is_administrator

ROLE_ORDER = [role.value for role in RaterRole]


def latest_published_system() -> IndicatorSystem | None:
    """The system in force: the published one of the latest year."""
    return IndicatorSystem.objects.filter(status=SystemStatus.PUBLISHED).order_by("-year").first()


def localized_name(obj: Any) -> str:
    """`name_en` in English where there is one, else the Chinese `name`."""
    english = (get_language() or "").startswith("en")
    name_en = getattr(obj, "name_en", "") or ""
    return str(name_en if english and name_en else obj.name)


def system_overview(system: IndicatorSystem) -> dict[str, Any]:
    dimensions = list(Dimension.objects.order_by("order"))
    indicators = list(Indicator.objects.filter(system=system).order_by("dimension__order", "order", "code"))
    by_dimension: dict[int, list[Indicator]] = defaultdict(list)
    for indicator in indicators:
        by_dimension[indicator.dimension_id].append(indicator)

    cells: dict[tuple[int, int], float] = {}
    categories: dict[int, Any] = {}
    for weight in CategoryWeight.objects.filter(system=system).select_related("category"):
        categories[weight.category_id] = weight.category
        cells[(weight.category_id, weight.dimension_id)] = weight.weight
    category_rows = [
        {
            "category": category,
            "name": localized_name(category),
            "weights": [cells.get((category.pk, d.pk)) for d in dimensions],
            "total": sum(cells.get((category.pk, d.pk)) or 0.0 for d in dimensions),
        }
        for category in sorted(categories.values(), key=lambda c: c.code)
    ]
    dimension_names = [localized_name(d) for d in dimensions]
    rater_weights = sorted(RaterWeight.objects.filter(system=system), key=lambda r: ROLE_ORDER.index(r.role))
    return {
        "system": system,
        "dimensions": [
            {"dimension": d, "name": localized_name(d), "indicators": by_dimension.get(d.pk, [])} for d in dimensions
        ],
        "indicator_count": len(indicators),
        "dimension_names": dimension_names,
        "category_rows": category_rows,
        "rater_weights": rater_weights,
        "grades": list(Grade.objects.filter(system=system).order_by("-min_score")),
        "chart": {
            "dimensions": dimension_names,
            "series": [
                {"name": row["name"], "values": [w if w is not None else 0 for w in row["weights"]]}
                for row in category_rows
            ],
        },
    }


@login_required
def system_page(request: HttpRequest, year: int | None = None) -> HttpResponse:
    systems = IndicatorSystem.objects.all()
    if not is_administrator(request.user):
        systems = systems.exclude(status=SystemStatus.DRAFT)  # drafts are work in progress
    if year is None:
        system = latest_published_system()
    else:
        system = systems.filter(year=year).first()
        if system is None:
            raise Http404
    context: dict[str, Any] = {
        "overview": system_overview(system) if system is not None else None,
        "years": list(systems.order_by("-year").values_list("year", "status")),
    }
    return render(request, "indicators/system.html", context)
