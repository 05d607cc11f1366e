"""The administrator's questionnaire analysis page (实证分析) and its workbook download. Administrators
only: to anyone else both are not found, like everything outside one's scope."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_GET

from common.errors import DomainError, NotInScope
from common.imports import XLSX_CONTENT_TYPE
from org.scope import is_administrator
from surveys.selectors_analysis import category_choices, questionnaire_choices, unit_choices
from surveys.services.analysis import (
    FLAG_EXPLANATIONS,
    FLAG_LABELS,
    AnalysisResult,
    analyze_questionnaire,
    result_as_json,
)
from surveys.services.analysis_workbook import analysis_workbook, workbook_name


@dataclass(frozen=True)
class Chosen:
    questionnaire: str
    period: str
    unit: str
    category: str

    def query(self) -> str:
        pairs = {"questionnaire": self.questionnaire, "period": self.period, "unit": self.unit}
        pairs["category"] = self.category
        return urlencode({key: value for key, value in pairs.items() if value})


def _administrator_or_404(request: HttpRequest) -> None:
    if not is_administrator(request.user):
        raise Http404


def _chosen(params: Mapping[str, str], questionnaires: list[dict[str, Any]]) -> Chosen:
    """What to analyse. Without a questionnaire: the newest one (of the period, if one is named) that
    has submitted answers; without a period: the questionnaire's own."""
    code = (params.get("questionnaire") or "").strip()
    period = (params.get("period") or "").strip()
    if not code:
        candidates = [q for q in questionnaires if not period or q["period"] == period]
        answered = [q for q in candidates if q["submitted"]]
        picked = (answered or candidates)[:1]
        code = str(picked[0]["code"]) if picked else ""
    if code and not period:
        period = next((str(q["period"]) for q in questionnaires if q["code"] == code), "")
    return Chosen(code, period, (params.get("unit") or "").strip(), (params.get("category") or "").strip())


def _analyse(chosen: Chosen) -> AnalysisResult:
    try:
        return analyze_questionnaire(
            code=chosen.questionnaire,
            period=chosen.period,
            unit_code=chosen.unit or None,
            category=chosen.category or None,
        )
    except NotInScope as exc:
        raise Http404 from exc


def _distribution_text(distribution: dict[str, list[Any]] | None) -> str:
    """The distribution in words, for screen readers and for a page without its charts."""
    if not distribution:
        return ""
    return "，".join(
        f"{point}: {count} ({share * 100:.0f}%)" if share is not None else f"{point}: {count}"
        for point, count, share in zip(
            distribution["points"], distribution["counts"], distribution["shares"], strict=True
        )
    )


def page_data(result: AnalysisResult) -> dict[str, Any]:
    """The result arranged for the template: a table per dimension, the flags' labels, chart data."""
    data = result_as_json(result)
    english = (get_language() or "").startswith("en")
    names = {d["dimension"]: (d["name_en"] if english and d["name_en"] else d["name"]) for d in data["dimensions"]}
    for item in data["items"]:
        item["flag_labels"] = [(flag, FLAG_LABELS[flag]) for flag in item["flags"]]
        item["shown_text"] = item["text_en"] if english and item["text_en"] else item["text"]
        item["distribution_text"] = _distribution_text(item["distribution"])
    dimensions = []
    for dimension in data["dimensions"]:
        rows = [item for item in data["items"] if item["dimension"] == dimension["dimension"]]
        dimensions.append(
            {
                **dimension,
                "label": names[dimension["dimension"]],
                "rows": rows,
                "flagged": sum(1 for row in rows if row["flags"]),
            }
        )
    unlinked = [item for item in data["items"] if item["dimension"] is None]
    keys = data["correlations"]["dimensions"]
    chart = {
        "labels": {"point": gettext("分")},
        "dimensions": [names.get(key, key) for key in keys],
        "matrix": data["correlations"]["matrix"],
        "distributions": {
            item["code"]: {**item["distribution"], "flagged": bool(item["flags"])}
            for item in data["items"]
            if item["distribution"]
        },
    }
    return {
        "data": data,
        "dimensions": dimensions,
        "unlinked": unlinked,
        "correlation_rows": [
            {"name": names.get(key, key), "values": values}
            for key, values in zip(keys, data["correlations"]["matrix"], strict=True)
        ],
        "correlation_names": [names.get(key, key) for key in keys],
        "flagged_items": sum(1 for item in data["items"] if item["flags"]),
        "weak_dimensions": sum(1 for d in data["dimensions"] if d["flags"]),
        "chart": chart,
    }


def _labelled(rows: list[dict[str, Any]], field: str) -> list[dict[str, Any]]:
    english = (get_language() or "").startswith("en")
    for row in rows:
        row["label"] = row[f"{field}_en"] if english and row[f"{field}_en"] else row[field]
    return rows


@login_required
@require_GET
def analysis_page(request: HttpRequest) -> HttpResponse:
    _administrator_or_404(request)
    questionnaires = _labelled(questionnaire_choices(), "title")
    chosen = _chosen(request.GET, questionnaires)
    context: dict[str, Any] = {
        "questionnaires": questionnaires,
        "periods": list(dict.fromkeys(str(q["period"]) for q in questionnaires)),
        "units": [{**unit, "indent": "\u3000" * int(unit["depth"])} for unit in unit_choices()],
        "categories": _labelled(category_choices(), "name"),
        "chosen": chosen,
        "legend": [(flag, FLAG_LABELS[flag], FLAG_EXPLANATIONS[flag]) for flag in FLAG_LABELS],
        "error": None,
        "result": None,
    }
    if chosen.questionnaire:
        try:
            result = _analyse(chosen)
        except DomainError as exc:
            context["error"] = exc.message
        else:
            context["result"] = result
            context["workbook_url"] = f"{reverse('surveys:analysis-workbook')}?{chosen.query()}"
            context.update(page_data(result))
    return render(request, "surveys/analysis.html", context)


@login_required
@require_GET
def analysis_workbook_download(request: HttpRequest) -> HttpResponse:
    _administrator_or_404(request)
    chosen = _chosen(request.GET, questionnaire_choices())
    try:
        result = _analyse(chosen)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('surveys:analysis')}?{chosen.query()}")
    response = HttpResponse(analysis_workbook(result), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=workbook_name(result)) or ""
    )
    return response
