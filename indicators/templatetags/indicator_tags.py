"""Template tags other apps' pages use to show the indicator system in force."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Count
from django.urls import NoReverseMatch, reverse

from indicators.models import DEFAULT_GRADE_NAMES, Dimension, Indicator
from indicators.views import latest_published_system
from indicators.views import localized_name as _localized_name

register = template.Library()


@register.filter
def localized_name(obj: Any) -> str:
    return _localized_name(obj)


@register.filter
def grade_name(label: str | None) -> str:
    """A grade in the reader's language where it is one of the default grades, else as the system names it."""
    if not label:
        return ""
    return str(DEFAULT_GRADE_NAMES.get(label, label))


@register.simple_tag
def indicators_url(year: int | None = None) -> str:
    """The indicator page's address, or "" while its URLs are not mounted (pages then omit the link)."""
    try:
        return reverse("indicators:system", args=[year]) if year else reverse("indicators:current")
    except NoReverseMatch:
        return ""


@register.inclusion_tag("indicators/_current_system.html")
def current_system() -> dict[str, Any]:
    """A summary card of the system in force: its name and how many indicators each dimension has."""
    system = latest_published_system()
    if system is None:
        return {"system": None, "url": indicators_url()}
    counts = dict(
        Indicator.objects.filter(system=system).values_list("dimension_id").annotate(n=Count("id")).order_by()
    )
    dimensions = [
        {"name": _localized_name(d), "count": counts.get(d.pk, 0)} for d in Dimension.objects.order_by("order")
    ]
    return {
        "system": system,
        "dimensions": dimensions,
        "indicator_count": sum(counts.values()),
        "url": indicators_url(system.year),
    }
