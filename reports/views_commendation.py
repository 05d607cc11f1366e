"""The administrator's commendation pages (表彰评选): the years, and one year's rules, list and approval.

Administrators only; anybody else gets a 404, as for anything outside one's scope. The rules are
checked by the service, so the page, the API and the command refuse with the same words.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.errors import DomainError
from org.scope import is_administrator
from reports.commendation import number_text
from reports.models import CandidateKind, CommendationKinds, CommendationRound
from reports.selectors.scores import current_run
from reports.services.commendation import (
    MAX_YEAR,
    MIN_YEAR,
    approve_commendations,
    candidates_of,
    commendation_round,
    commendation_years,
    select_commendations,
)
from reports.services.commendation_workbook import commendation_workbook, workbook_filename

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A new year's form starts from these; the administrator changes them before proposing.
INITIAL_RULES: dict[str, Any] = {
    "kinds": CommendationKinds.BOTH.value,
    "min_score": 80,
    "fall_tolerance": 0,
    "per_branch": None,
    "share": None,
}


class CommendationRulesForm(forms.Form):
    kinds = forms.ChoiceField(label=gettext_lazy("表彰对象"), choices=CommendationKinds.choices)
    min_score = forms.FloatField(
        label=gettext_lazy("最低年度总分（≥）"),
        min_value=0,
        max_value=100,
        help_text=gettext_lazy("年度总分达到此分数（含）才可入选。"),
    )
    fall_tolerance = forms.FloatField(
        label=gettext_lazy("下降容差（分）"),
        min_value=0,
        help_text=gettext_lazy("较去年下降超过此分数的不能入选；0 表示任何下降都不能入选。去年无成绩的视为符合。"),
    )
    per_branch = forms.IntegerField(
        label=gettext_lazy("每支部名额"),
        required=False,
        min_value=1,
        help_text=gettext_lazy("每个党支部最多入选几名（党小组计入所在党支部）；留空为不限。"),
    )
    share = forms.FloatField(
        label=gettext_lazy("比例上限（%）"),
        required=False,
        min_value=0,
        max_value=100,
        help_text=gettext_lazy("最多入选符合条件者的百分之几（向下取整）；留空为不限。"),
    )

    def __init__(self, *args: Any, disabled: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.disabled = disabled
            if isinstance(field, forms.FloatField):
                field.widget.attrs.update({"step": "any", "inputmode": "decimal"})


def _administrator(request: HttpRequest) -> None:
    if not is_administrator(request.user):
        raise Http404


def _year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404
    return year


def _rules_of(commendation: CommendationRound | None) -> dict[str, Any]:
    if commendation is None:
        return dict(INITIAL_RULES)
    return {name: _as_typed(getattr(commendation, name)) for name in INITIAL_RULES}


def _as_typed(value: Any) -> Any:
    """80 rather than 80.0 in the form: the rule as the administrator typed it."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _rules_text(commendation: CommendationRound) -> str:
    none = _("不限")
    rules = _(
        "规则：%(kinds)s；最低分 ≥ %(minimum)s；下降容差 %(tolerance)s；每支部名额 %(per_branch)s；比例上限 %(share)s"
    ) % {
        "kinds": commendation.get_kinds_display(),
        "minimum": number_text(commendation.min_score),
        "tolerance": number_text(commendation.fall_tolerance),
        "per_branch": none if commendation.per_branch is None else str(commendation.per_branch),
        "share": none if commendation.share is None else f"{number_text(commendation.share)}%",
    }
    when = date_format(timezone.localtime(commendation.proposed_at), "Y-m-d H:i")
    if commendation.proposed_by is None:  # proposed by the command without --user
        return rules + " · " + _("%(when)s 提出") % {"when": when}
    who = commendation.proposed_by.get_username()
    return rules + " · " + _("%(who)s 于 %(when)s 提出") % {"who": who, "when": when}


def _sections(commendation: CommendationRound | None) -> list[dict[str, Any]]:
    """Per kind in the list: the selected, then those left out, each best first."""
    if commendation is None:
        return []
    candidates = list(candidates_of(commendation))
    labels = {CandidateKind.POST.value: _("精品岗位"), CandidateKind.MEMBER.value: _("党员")}
    sections = []
    for kind, label in labels.items():
        rows = [c for c in candidates if c.kind == kind]
        if not rows:
            continue
        sections.append(
            {
                "kind": kind,
                "label": label,
                "selected": [c for c in rows if c.selected],
                "excluded": [c for c in rows if not c.selected],
                "count": len(rows),
            }
        )
    return sections


@login_required
@require_GET
def commendation_index(request: HttpRequest) -> HttpResponse:
    _administrator(request)
    years = commendation_years()
    wanted = request.GET.get("year", "").strip()
    if wanted:
        if wanted.isdigit() and MIN_YEAR <= int(wanted) <= MAX_YEAR:
            return redirect("reports:commendation", year=int(wanted))
        messages.error(request, _("请输入 %(low)s–%(high)s 之间的年度。") % {"low": MIN_YEAR, "high": MAX_YEAR})
    return render(request, "reports/commendations.html", {"years": years})


@login_required
@require_http_methods(["GET", "POST"])
def commendation_year(request: HttpRequest, year: int) -> HttpResponse:
    """GET: the year's rules, list and approval. POST: propose the list under the rules sent."""
    _administrator(request)
    year = _year(year)
    commendation = commendation_round(year=year)
    approved = commendation is not None and commendation.is_approved
    if request.method == "POST":
        form = CommendationRulesForm(request.POST, disabled=approved)
        if approved:
            messages.error(request, _("%(year)s 年表彰名单已批准，不能重新评选。") % {"year": year})
            return redirect("reports:commendation", year=year)
        if form.is_valid():
            try:
                select_commendations(year=year, **form.cleaned_data, user=request.user)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("已生成 %(year)s 年度表彰建议名单，请审核后批准。") % {"year": year})
                return redirect("reports:commendation", year=year)
    else:
        form = CommendationRulesForm(initial=_rules_of(commendation), disabled=approved)
    sections = _sections(commendation)
    context = {
        "year": year,
        "commendation": commendation,
        "approved": approved,
        "has_run": current_run(period=str(year)) is not None,
        "form": form,
        "sections": sections,
        "selected_count": sum(len(s["selected"]) for s in sections),
        "candidate_count": sum(s["count"] for s in sections),
        "rules_text": _rules_text(commendation) if commendation is not None else "",
    }
    return render(request, "reports/commendation.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def commendation_approve(request: HttpRequest, year: int) -> HttpResponse:
    _administrator(request)
    year = _year(year)
    try:
        approve_commendations(year=year, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(year)s 年度表彰名单已批准，名单已冻结。") % {"year": year})
    return redirect("reports:commendation", year=year)


@login_required
@require_GET
def commendation_export(request: HttpRequest, year: int) -> HttpResponse:
    _administrator(request)
    year = _year(year)
    if commendation_round(year=year) is None:
        raise Http404
    response = HttpResponse(commendation_workbook(year=year), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{workbook_filename(year)}"'
    return response
