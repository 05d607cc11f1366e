"""The branch secretary's comparison dashboard and its 导出 Excel button (issue 6 item 3)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from common.errors import DomainError, NotInScope
from reports.services.dashboard import (
    Choices,
    can_compare,
    dashboard,
    member_columns,
    read_choices,
)
from reports.services.jobs import start_job
from reports.services.report_export import EXPORT_KIND


def _choices(request: HttpRequest, params: dict[str, str]) -> Choices:
    if not can_compare(request.user):
        raise Http404
    try:
        return read_choices(user=request.user, params=params)
    except NotInScope as exc:
        raise Http404 from exc


@login_required
@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    choices = _choices(request, request.GET.dict())
    for error in choices.errors:
        messages.warning(request, error)
    data = dashboard(user=request.user, choices=choices)
    base = f"{reverse('reports:dashboard')}?"
    columns = member_columns(choices=choices, dimensions=data.dimensions)
    context = {
        "data": data,
        "choices": choices,
        "columns": columns,
        "sort_links": {c.key: base + urlencode(choices.query(sort=c.next_sort)) for c in columns if c.sortable},
        "default_sort_link": base + urlencode(choices.query(sort="")),
        "show_all_link": base + urlencode(choices.query(all="1")),
        "unit_links": {row["unit"]: base + urlencode(choices.query(unit=row["unit"])) for row in data.branches},
        "movers": [
            (_("进步最大"), data.risers, "risers"),
            (_("退步最大"), data.fallers, "fallers"),
        ],
    }
    return render(request, "reports/dashboard.html", context)


@login_required
@require_POST
def dashboard_export(request: HttpRequest) -> HttpResponse:
    """Start the workbook for the dashboard's choices as a background job and show its progress."""
    choices = _choices(request, request.POST.dict())
    back = HttpResponseRedirect(f"{reverse('reports:dashboard')}?{urlencode(choices.query())}")
    if choices.errors or choices.period is None:
        for error in choices.errors or [_("还没有公布任何正式成绩，无法导出。")]:
            messages.error(request, error)
        return back
    try:
        # An unticked checkbox sends nothing: no `detail` means no detail.
        parameters = {**choices.export_parameters, "detail": request.POST.get("detail", "")}
        job = start_job(kind=EXPORT_KIND, parameters=parameters, user=request.user)
    except DomainError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return back
    return redirect("reports:job", pk=job.pk)
