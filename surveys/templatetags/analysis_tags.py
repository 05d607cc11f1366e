"""Number formats of the questionnaire analysis page: a missing statistic is a dash, never 0 or "nan"."""

from __future__ import annotations

import math

from django import template

register = template.Library()


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


@register.filter
def stat(value: float | None, digits: int = 3) -> str:
    """Alpha, correlations: three decimals by default (`|stat:2` for two)."""
    return "—" if _missing(value) else f"{float(value):.{int(digits)}f}"  # type: ignore[arg-type]


@register.filter
def share(value: float | None) -> str:
    """A share 0–1 as a percentage to one decimal."""
    return "—" if _missing(value) else f"{float(value) * 100:.1f}%"  # type: ignore[arg-type]
