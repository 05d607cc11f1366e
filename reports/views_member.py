"""A member's results page: his own, or, for an administrator or his secretary, any member in scope."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from indicators.periods import Period
from indicators.views import localized_name
from org.models import Member
from org.scope import member_of, members_visible_to
from reports.selectors.member import MemberProfile, latest_period_for, member_profile, official_periods


def _one_decimal(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def radar_data(profile: MemberProfile) -> dict[str, Any]:
    """What member_radar.js draws: six axes, and his, his branch's and last year's values."""
    rows = profile.dimensions
    series: list[dict[str, Any]] = [
        {"key": "self", "name": _("本人"), "values": [_one_decimal(row.score) for row in rows]},
        {"key": "branch", "name": _("支部平均"), "values": [_one_decimal(row.branch_mean) for row in rows]},
    ]
    if profile.last_year_card is not None:
        series.append(
            {"key": "last_year", "name": _("去年同期"), "values": [_one_decimal(row.last_year) for row in rows]}
        )
    return {"dimensions": [localized_name(row) for row in rows], "max": 100, "series": series}


def _parse_period(code: str) -> Period:
    try:
        return Period.parse(code)
    except ValueError as exc:
        raise Http404 from exc


def _results_page(request: HttpRequest, *, member: Member, period: Period | None, own: bool) -> HttpResponse:
    profile = member_profile(member=member, period=period) if period is not None else None
    periods = official_periods()

    def link(code: str) -> str:
        if own:
            return reverse("results:period", args=[code])
        return reverse("results:member", args=[code, member.employee_no])

    context: dict[str, Any] = {
        "member": member,
        "own": own,
        "period": period,
        "profile": profile,
        "period_has_run": period is not None and period in periods,
        "periods": [{"period": p, "url": link(p.code), "current": p == period} for p in periods],
        "radar": radar_data(profile) if profile is not None else None,
    }
    return render(request, "reports/member_results.html", context)


@login_required
def my_results(request: HttpRequest, period: str | None = None) -> HttpResponse:
    """The logged-in member's own results: the given period, else his latest."""
    member = member_of(request.user)
    if member is None:
        raise Http404
    chosen = _parse_period(period) if period is not None else latest_period_for(member=member)
    return _results_page(request, member=member, period=chosen, own=True)


@login_required
def member_results(request: HttpRequest, period: str, employee_no: str) -> HttpResponse:
    """Another member's results, for an administrator or a secretary whose scope holds him."""
    member = get_object_or_404(members_visible_to(request.user), employee_no=employee_no)
    own = member.pk == getattr(member_of(request.user), "pk", None)
    return _results_page(request, member=member, period=_parse_period(period), own=own)
