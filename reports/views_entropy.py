"""The entropy-weights page (administrators): a scored period's suggestion beside a system's weights,
applied one dimension at a time to a draft. Everyone else gets a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from common.errors import DomainError
from indicators.models import Dimension, IndicatorSystem, SystemStatus
from indicators.views import localized_name
from org.scope import is_administrator
from reports.services.entropy import (
    EntropyDimension,
    apply_entropy_weights,
    entropy_records,
    entropy_suggestions,
    scored_periods,
)


def _dimension_context(item: EntropyDimension) -> dict[str, Any]:
    labels = [localized_name(row) for row in item.indicators]
    rows = []
    for label, row in zip(labels, item.indicators, strict=True):
        change = None if row.suggested is None else row.suggested - row.current
        rows.append({"label": label, "row": row, "change": change})
    return {
        "item": item,
        "data_id": f"entropy-data-{item.key}",
        "name": localized_name(item.dimension),
        "rows": rows,
        "chart": {
            "labels": labels,
            "series": [
                {"key": "current", "name": _("当前权重"), "values": [row.current for row in item.indicators]},
                {"key": "entropy", "name": _("熵权建议"), "values": [row.suggested for row in item.indicators]},
            ],
        },
    }


def _page_url(period: str | None, system: IndicatorSystem) -> str:
    query = {"system": str(system.year), **({"period": period} if period else {})}
    return f"{reverse('reports:entropy')}?{urlencode(query)}"


@login_required
def entropy_page(request: HttpRequest) -> HttpResponse:
    if not is_administrator(request.user):
        raise Http404
    params = request.POST if request.method == "POST" else request.GET
    periods = scored_periods()
    systems = list(IndicatorSystem.objects.order_by("-year"))
    year = str(params.get("system", "")).strip()
    if year:
        system = next((s for s in systems if str(s.year) == year), None)
        if system is None:
            raise Http404
    else:
        drafts = [s for s in systems if s.status == SystemStatus.DRAFT]
        system = drafts[0] if drafts else (systems[0] if systems else None)
    period = str(params.get("period", "")).strip() or (periods[0] if periods else None)
    context: dict[str, Any] = {"periods": periods, "systems": systems, "system": system, "period": period}
    if system is None or period is None:
        return render(request, "reports/entropy.html", context)

    if request.method == "POST":
        dimension = Dimension.objects.filter(key=str(request.POST.get("dimension", ""))).first()
        if dimension is None:
            raise Http404
        try:
            apply_entropy_weights(period=period, system=system, dimension=dimension, user=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("已将维度“%(dimension)s”的熵权写入 %(system)s。")
                % {"dimension": localized_name(dimension), "system": system.name},
            )
        return HttpResponseRedirect(_page_url(period, system))

    try:
        suggestion = entropy_suggestions(period=period, system=system)
    except DomainError as exc:
        context["problem"] = exc.message
    else:
        context.update(suggestion=suggestion, dimensions=[_dimension_context(d) for d in suggestion.dimensions])
    context["records"] = entropy_records(system=system)
    return render(request, "reports/entropy.html", context)
