"""Template tags for the home page (a member's assignments, a secretary's questionnaires) and the
survey pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from indicators.periods import Period
from org.models import Member
from surveys.forms import localized
from surveys.selectors import followed_questionnaires, member_assignments

register = template.Library()


@register.filter
def period_label(code: str) -> str:
    try:
        period = Period.parse(code)
    except ValueError:
        return str(code)
    return period.label_en if (get_language() or "").startswith("en") else period.label


@register.filter
def localized_title(obj: Any) -> str:
    return localized(obj, "title")


@register.filter
def localized_text(question: Any) -> str:
    return localized(question, "text")


@register.filter
def score(value: float | None) -> str:
    """Scores are kept at full precision and shown to one decimal (DESIGN rule 8)."""
    return "—" if value is None else f"{value:.1f}"


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


@register.inclusion_tag("surveys/_my_assignments.html", takes_context=True)
def my_assignments(context: template.Context) -> dict[str, Any]:
    """The member's questionnaires to fill in, with progress; nothing for a user who is no member."""
    member = context.get("member")
    if not isinstance(member, Member):
        return {"assignments": None}
    return {"assignments": member_assignments(member=member)}


@register.inclusion_tag("surveys/_followed.html", takes_context=True)
def followed_surveys(context: template.Context) -> dict[str, Any]:
    """For administrators and secretaries: the open questionnaires and how far their units have got."""
    if context.get("role") not in ("admin", "secretary"):
        return {"followed": []}
    return {"followed": followed_questionnaires(user=context["request"].user)}
