"""Template tags for results: the home page's results card and the number formats of the results pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import get_language

from indicators.periods import Period
from org.models import Member
from reports.commendation import reason_in
from reports.selectors.member import latest_card

register = template.Library()


@register.filter
def one_decimal(value: float | None) -> str:
    """Scores are kept at full precision and shown to one decimal (DESIGN.md rule 8)."""
    return "—" if value is None else f"{value:.1f}"


@register.filter
def signed(value: float | None) -> str:
    """A gap with its sign; a gap that rounds to zero shows no sign."""
    if value is None:
        return "—"
    text = f"{value:+.1f}"
    return "0.0" if text in ("+0.0", "-0.0") else text.replace("-", "−")


@register.filter
def get_item(mapping: dict[str, Any] | None, key: str) -> Any:
    """`mapping[key]` in a template, where the key is itself a variable; None when absent."""
    return None if mapping is None else mapping.get(key)


@register.filter
def in_reader_language(reason: str) -> str:
    """A bilingual commendation reason in the reader's language."""
    return reason_in(reason, get_language())


@register.filter
def period_name(value: Period | str) -> str:
    """A period in the reader's language: 2025年第二季度, or 2025 Q2."""
    try:
        period = value if isinstance(value, Period) else Period.parse(value)
    except ValueError:
        return str(value)
    return period.label_en if (get_language() or "").startswith("en") else period.label


@register.filter
def as_percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


@register.inclusion_tag("reports/_results_card.html", takes_context=True)
def my_results(context: template.Context) -> dict[str, Any]:
    """The member's latest official result with a link to the page; nothing for anyone without one."""
    member = context.get("member")
    if not isinstance(member, Member):
        return {"card": None}
    card = latest_card(member=member)
    if card is None:
        return {"card": None}
    ranked = card.run.cards.filter(branch_id=card.branch_id, rank__isnull=False).count()
    return {"card": card, "ranked": ranked, "url": reverse("results:period", args=[card.run.period])}
