"""Pages: filling in an assignment, the member's self-check, and a secretary's completion page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.errors import NotInScope
from indicators.models import RaterRole
from org.models import Member, Unit
from org.scope import member_of
from surveys.forms import SheetForm, build_sheet, localized, posted_values, stored_values
from surveys.models import Assignment, AssignmentStatus, Question, Questionnaire, QuestionnaireStatus
from surveys.selectors import self_assignment, self_check, unfinished_raters
from surveys.services.answering import (
    AnswerErrors,
    ReadOnlyError,
    StaleFormError,
    current_answers,
    is_open_for_answers,
    response_for,
    response_version,
    save_answers,
)
from surveys.services.assignments import remind_pending
from surveys.services.progress import completion_status, followed_units, questionnaires_visible_to

SORTS = ("unit", "pending")


def _member_or_404(request: HttpRequest) -> Member:
    member = member_of(request.user)
    if member is None:
        raise Http404
    return member


def _questions(assignment: Assignment) -> list[Question]:
    return list(
        Question.objects.filter(questionnaire_id=assignment.questionnaire_id)
        .select_related("indicator__dimension")
        .order_by("order", "pk")
    )


def closed_reason(assignment: Assignment) -> str:
    """Why an unsubmitted assignment cannot be filled in now ("" when it can)."""
    questionnaire = assignment.questionnaire
    if is_open_for_answers(assignment):
        return ""
    now = timezone.now()
    if questionnaire.status == QuestionnaireStatus.DRAFT or (questionnaire.opens_at and now < questionnaire.opens_at):
        return _("问卷尚未开放，暂不能填写。")
    return _("问卷已截止，不能再填写。")


@login_required
@require_http_methods(["GET", "POST"])
def fill_in(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member_or_404(request)
    assignment = get_object_or_404(Assignment.objects.select_related("questionnaire", "subject"), pk=pk, rater=member)
    questions = _questions(assignment)
    if request.method == "POST":
        return _save(request, assignment, questions)
    return _render_sheet(request, assignment, questions)


def _save(request: HttpRequest, assignment: Assignment, questions: list[Question]) -> HttpResponse:
    form = SheetForm(request.POST)
    submit = form.wants_submit()
    was_submitted = assignment.status == AssignmentStatus.SUBMITTED
    values = posted_values(questions, request.POST)
    try:
        save_answers(assignment=assignment, values=values, submit=submit, version=request.POST.get("version"))
    except AnswerErrors as exc:
        return _render_sheet(request, assignment, questions, values=values, errors=exc.errors)
    except StaleFormError:
        messages.warning(request, _("答卷已在其他窗口保存，请刷新后再填写；下面是已保存的答案。"))
    except ReadOnlyError:
        assignment.refresh_from_db(fields=["status"])
        if assignment.status == AssignmentStatus.SUBMITTED:
            messages.info(request, _("该问卷已提交，答案不能再修改。"))
        else:
            messages.warning(request, _("问卷未开放或已截止，答案未保存。"))
    else:
        if was_submitted:
            messages.info(request, _("该问卷已提交，无需重复提交。"))
        elif submit:
            messages.success(request, _("已提交，感谢您的填写。"))
        else:
            answered = sum(bool(value.strip()) for value in values.values())
            messages.success(
                request,
                _("草稿已保存：已答 %(answered)d / %(total)d 题。") % {"answered": answered, "total": len(values)},
            )
    return redirect("surveys:fill-in", pk=assignment.pk)


def _render_sheet(
    request: HttpRequest,
    assignment: Assignment,
    questions: list[Question],
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> HttpResponse:
    response = response_for(assignment)
    submitted = assignment.status == AssignmentStatus.SUBMITTED
    reason = "" if submitted else closed_reason(assignment)
    if values is None:
        values = stored_values(current_answers(assignment)) if response is not None else {}
    sheet = build_sheet(questions, values, errors)
    questionnaire = assignment.questionnaire
    context: dict[str, Any] = {
        "assignment": assignment,
        "questionnaire": questionnaire,
        "title": localized(questionnaire, "title"),
        "sheet": sheet,
        "editable": not submitted and not reason,
        "closed_reason": reason,
        "submitted": submitted,
        "submitted_at": assignment.submitted_at or (response.submitted_at if response else None),
        "version": response_version(response),
        "is_self": assignment.role == RaterRole.SELF,
        "has_errors": bool(errors),
    }
    return render(request, "surveys/fill_in.html", context)


@login_required
def self_check_page(request: HttpRequest, code: str) -> HttpResponse:
    member = _member_or_404(request)
    questionnaire = get_object_or_404(Questionnaire, code=code)
    assignment = self_assignment(questionnaire=questionnaire, member=member)
    if assignment is None:
        raise Http404
    check = self_check(questionnaire=questionnaire, assignment=assignment)
    context = {
        "questionnaire": questionnaire,
        "title": localized(questionnaire, "title"),
        "assignment": assignment,
        "check": check,
    }
    return render(request, "surveys/self_check.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def completion(request: HttpRequest, code: str) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    unit_code = (data.get("unit") or "").strip()
    try:
        units = followed_units(user=request.user, code=unit_code or None)
    except NotInScope as exc:
        raise Http404 from exc
    questionnaire = get_object_or_404(questionnaires_visible_to(request.user), code=code)
    address = reverse("surveys:completion", args=[questionnaire.code])
    if unit_code:
        address += "?" + urlencode({"unit": unit_code})

    if request.method == "POST":
        people = unfinished_raters(questionnaire=questionnaire, units=units)
        targets: list[Unit | None] = list(units) if units is not None else [None]
        reminded = sum([remind_pending(questionnaire=questionnaire, unit=unit) for unit in targets])
        if reminded:
            messages.success(
                request,
                _("已提醒 %(people)d 人，共 %(count)d 项未完成的评价任务。") % {"people": people, "count": reminded},
            )
        else:
            messages.info(request, _("没有未完成的评价任务，无需提醒。"))
        return redirect(address)

    status = completion_status(questionnaire=questionnaire, units=units)
    sort = data.get("sort") if data.get("sort") in SORTS else "unit"
    members = status.members
    unit_rows = status.units
    if sort == "pending":
        members = sorted(members, key=lambda m: (-m.counts.unfinished, m.unit, m.employee_no))
        unit_rows = sorted(unit_rows, key=lambda u: (-u.counts.unfinished, u.path))
    context = {
        "questionnaire": questionnaire,
        "title": localized(questionnaire, "title"),
        "status": status,
        "members": members,
        "unit_rows": unit_rows,
        "sort": sort,
        "unit_code": unit_code,
        "scope_units": units,
        "address": address,
    }
    return render(request, "surveys/completion.html", context)
