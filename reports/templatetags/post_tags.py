"""Template helpers of the model-posts pages: the trend arrows of the three axes and completion as %."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from reports.templatetags.results_tags import period_name, signed

register = template.Library()

ARROWS = {"up": "↑", "down": "↓", "flat": "→"}


@register.filter
def percent(value: float | None) -> str:
    """A completion ratio as a percentage to one decimal: 0.9234 → 92.3%."""
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def number(value: float | None) -> str:
    """A value or target as typed, without trailing zeros: 88.9, 100, 0.4; a dash when missing."""
    if value is None:
        return "—"
    return f"{value:.2f}".rstrip("0").rstrip(".")


@register.filter
def axis_of(row: dict[str, Any], key: str) -> dict[str, Any]:
    value: dict[str, Any] = row.get(key) or {}
    return value


@register.simple_tag
def trend_arrow(compared: dict[str, Any], axis: Any) -> SafeString:
    """An arrow coloured by its trend (↑ ↓ →), its delta beside it, and the comparison spelt out in the
    title (shown on hover) and for screen readers; a dash where either side is missing."""
    baseline = period_name(axis.baseline)
    now, before, delta, pct = (compared.get(key) for key in ("now", "before", "delta", "pct"))
    trend = compared.get("trend")
    if trend is None:
        if before is None:
            title = _("%(axis)s：%(baseline)s 无数据") % {"axis": axis.label, "baseline": baseline}
        else:
            title = _("%(axis)s：本期无数据（%(baseline)s 为 %(before).1f）") % {
                "axis": axis.label,
                "baseline": baseline,
                "before": before,
            }
        return format_html('<span class="trend trend--none" title="{}" aria-label="{}">–</span>', title, title)
    title = _("%(axis)s（%(baseline)s %(before).1f → 本期 %(now).1f）：%(delta)s") % {
        "axis": axis.label,
        "baseline": baseline,
        "before": before,
        "now": now,
        "delta": signed(delta),
    }
    if pct is not None:
        title += f"（{pct:+.1f}%）".replace("-", "−")
    return format_html(
        '<span class="trend trend--{}" title="{}" aria-label="{}"><span aria-hidden="true">{}</span> {}</span>',
        trend,
        title,
        title,
        ARROWS[trend],
        signed(delta),
    )
