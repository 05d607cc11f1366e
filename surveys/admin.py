"""Admin for questionnaires: their questions, assigning, opening and closing, paper forms and raw answers.

Assignments and responses are shown, never edited here: answers come from the fill-in pages and the
imports. A question that already has answers keeps its type, scale, indicator and reverse key (the
form refuses the change with a message) and cannot be deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import F, Func, OuterRef, Q, QuerySet, Subquery
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from indicators.models import Indicator, RaterRole, Source
from org.models import Unit
from surveys.models import (
    Answer,
    Assignment,
    AssignmentStatus,
    Question,
    Questionnaire,
    Response,
)
from surveys.services.assignments import create_assignments
from surveys.services.editing import (
    LOCKED_FIELDS,
    check_period,
    check_question,
    check_roles,
    close_questionnaire,
    has_answers,
    locked_changes,
    locked_message,
    open_questionnaire,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_COPIES = 20

# The intermediate page of the actions that need a few more answers (k peers, a unit, copies).
# Kept here as a string so the admin needs no template of its own.
_ACTION_FORM_SOURCE = """{% extends "admin/base_site.html" %}
{% load i18n admin_urls %}
{% block breadcrumbs %}
<div class="breadcrumbs">
  <a href="{% url 'admin:index' %}">{% translate "Home" %}</a>
  &rsaquo; <a href="{% url opts|admin_urlname:'changelist' %}">{{ opts.verbose_name_plural|capfirst }}</a>
  &rsaquo; {{ title }}
</div>
{% endblock %}
{% block content %}
<div id="content-main">
  <p>{{ intro }}</p>
  <ul>{% for item in selected %}<li>{{ item }}</li>{% endfor %}</ul>
  <form method="post">{% csrf_token %}
    <fieldset class="module aligned">{% for field in form %}
      <div class="form-row">
        {{ field.errors }}{{ field.label_tag }} {{ field }}
        {% if field.help_text %}<div class="help">{{ field.help_text }}</div>{% endif %}
      </div>{% endfor %}
    </fieldset>
    {% for item in selected %}<input type="hidden" name="{{ checkbox_name }}" value="{{ item.pk }}">{% endfor %}
    <input type="hidden" name="action" value="{{ action }}">
    <div class="submit-row">
      <input type="submit" name="apply" class="default" value="{{ submit_label }}">
      <a href="{% url opts|admin_urlname:'changelist' %}" class="closelink">{% translate "取消" %}</a>
    </div>
  </form>
</div>
{% endblock %}"""


@cache
def _action_form_template() -> Any:
    return engines["django"].from_string(_ACTION_FORM_SOURCE)


def _count_subquery(queryset: QuerySet[Any]) -> Subquery:
    """COUNT(*) of a correlated queryset as a scalar subquery (no GROUP BY on the outer query)."""
    return Subquery(queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"))


def _download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or ""
    return response


def _units() -> QuerySet[Unit]:
    return Unit.objects.order_by("path")


# ── questions ────────────────────────────────────────────────────────────────────────────────────


class QuestionInlineForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["order", "code", "indicator", "text", "text_en", "type", "lo", "hi", "labels", "reverse", "required"]
        widgets = {
            "order": forms.NumberInput(attrs={"style": "width: 3.5em"}),
            "code": forms.TextInput(attrs={"style": "width: 9em"}),
            "text": forms.Textarea(attrs={"rows": 2, "cols": 36}),
            "text_en": forms.Textarea(attrs={"rows": 2, "cols": 30}),
            "lo": forms.NumberInput(attrs={"style": "width: 4em", "step": "any"}),
            "hi": forms.NumberInput(attrs={"style": "width: 4em", "step": "any"}),
            "labels": forms.Textarea(attrs={"rows": 2, "cols": 22}),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        question = self.instance
        if question.pk is not None:
            changes = {name: cleaned.get(name) for name in LOCKED_FIELDS if name in self.changed_data}
            changed = locked_changes(question=question, changes=changes)
            if changed and has_answers(question):
                raise ValidationError(locked_message(changed))
        # The inline's parent, as the formset hands it over (unsaved on the add page, system already set).
        questionnaire = cleaned.get("questionnaire")
        if questionnaire is not None and questionnaire.system_id is not None:
            lo, hi = cleaned.get("lo"), cleaned.get("hi")
            probe = Question(
                indicator=cleaned.get("indicator"),
                type=cleaned.get("type") or question.type,
                lo=question.lo if lo is None else lo,
                hi=question.hi if hi is None else hi,
                labels=cleaned.get("labels") or {},
            )
            try:
                check_question(probe, questionnaire)
            except DomainError as exc:
                raise ValidationError(exc.message) from exc
        return cleaned


class QuestionInlineFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        answered = [
            form.instance.code
            for form in self.forms
            if self.can_delete
            and getattr(form, "cleaned_data", {}).get("DELETE")
            and form.instance.pk is not None
            and has_answers(form.instance)
        ]
        if answered:
            raise ValidationError(
                _("题目 %(codes)s 已有答案，不能删除。") % {"codes": "、".join(answered)},
            )
        kept = [
            form.cleaned_data.get("code")
            for form in self.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
        ]
        duplicates = sorted({code for code in kept if code and kept.count(code) > 1})
        if duplicates:
            raise ValidationError(_("题目编码重复：%(codes)s") % {"codes": "、".join(duplicates)})


class QuestionInline(admin.TabularInline):
    model = Question
    form = QuestionInlineForm
    formset = QuestionInlineFormSet
    extra = 0
    ordering = ["order", "pk"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Question]:
        return super().get_queryset(request).select_related("indicator")

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        # Each call builds a new form class, so narrowing its field here touches only this request.
        field = formset.form.base_fields.get("indicator")
        if field is not None:
            scored = Indicator.objects.filter(source__in=[Source.QUESTIONNAIRE, Source.RATING])
            if obj is not None:
                scored = scored.filter(system_id=obj.system_id)
            field.queryset = scored.select_related("system").order_by("system__year", "code")  # type: ignore[attr-defined]
            # Evaluated once here rather than once per question row when the page is drawn.
            field.choices = list(field.choices)  # type: ignore[attr-defined]
            if hasattr(field.widget, "widget"):
                field.widget = field.widget.widget
        return formset


# ── questionnaires ───────────────────────────────────────────────────────────────────────────────


class QuestionnaireForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=_("评价主体"), choices=RaterRole.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Questionnaire
        fields = ["code", "title", "title_en", "system", "period", "roles", "opens_at", "closes_at", "instructions"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        system = cleaned.get("system")
        problems: list[str] = []
        if system is not None and cleaned.get("period"):
            try:
                cleaned["period"] = check_period(period=cleaned["period"], system=system)
            except DomainError as exc:
                problems.append(exc.message)
        if cleaned.get("roles"):
            cleaned["roles"] = check_roles(cleaned["roles"])
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and opens >= closes:
            problems.append(str(_("截止时间须晚于开始时间。")))
        stored = self.instance
        moved = "system" in self.changed_data or "period" in self.changed_data
        if moved and stored.pk is not None and Response.objects.filter(questionnaire=stored).exists():
            problems.append(str(_("问卷已有答卷，不能修改指标体系或期间。")))
        if problems:
            raise ValidationError(problems)
        return cleaned


class AssignForm(forms.Form):
    peers_per_member = forms.IntegerField(
        label=_("每人互评人数"),
        min_value=1,
        required=False,
        help_text=_("每位党员由同支部几名党员互评；留空则同支部其他党员全部互评。"),
    )
    unit = forms.ModelChoiceField(
        label=_("组织（含下级组织）"), queryset=Unit.objects.none(), required=False, help_text=_("留空则为全部组织。")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units()  # type: ignore[attr-defined]


class PaperFormsForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("组织（含下级组织）"), queryset=Unit.objects.none())
    copies = forms.IntegerField(
        label=_("每人份数"), min_value=1, max_value=MAX_COPIES, initial=1, help_text=_("每位被评价党员打印几份表。")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units()  # type: ignore[attr-defined]


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    form = QuestionnaireForm
    list_display = [
        "code", "title", "system_year", "period", "status", "question_count", "assignment_count", "submitted_count",
    ]  # fmt: skip
    list_filter = ["status", "system__year", "period"]
    search_fields = ["code", "title", "title_en"]
    list_select_related = ["system"]
    readonly_fields = ["status"]
    inlines = [QuestionInline]
    actions = ["generate_assignments", "open_selected", "close_selected", "masses_paper_forms", "export_answers"]
    fields = [
        "code",
        "title",
        "title_en",
        "system",
        "period",
        "roles",
        "status",
        "opens_at",
        "closes_at",
        "instructions",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Questionnaire]:
        assignments = Assignment.objects.filter(questionnaire=OuterRef("pk"))
        return (
            super()
            .get_queryset(request)
            .annotate(
                question_total=_count_subquery(Question.objects.filter(questionnaire=OuterRef("pk"))),
                assignment_total=_count_subquery(assignments),
                submitted_total=_count_subquery(assignments.filter(status=AssignmentStatus.SUBMITTED)),
            )
        )

    @admin.display(description=_("年度"), ordering="system__year")
    def system_year(self, questionnaire: Questionnaire) -> int:
        return int(questionnaire.system.year)

    @admin.display(description=_("题目数"), ordering="question_total")
    def question_count(self, questionnaire: Questionnaire) -> int:
        return int(getattr(questionnaire, "question_total", 0) or 0)

    @admin.display(description=_("评价任务"), ordering="assignment_total")
    def assignment_count(self, questionnaire: Questionnaire) -> int:
        return int(getattr(questionnaire, "assignment_total", 0) or 0)

    @admin.display(description=_("已提交"), ordering="submitted_total")
    def submitted_count(self, questionnaire: Questionnaire) -> int:
        return int(getattr(questionnaire, "submitted_total", 0) or 0)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        answered = Response.objects.filter(questionnaire__in=[obj.pk for obj in objs]).values_list(
            "questionnaire__code", flat=True
        )
        codes = sorted(set(answered))
        if codes:
            # Listed as a missing permission, Django shows it on the confirmation page and refuses the POST.
            perms_needed.add(str(_("已有答卷的问卷（%(codes)s），请改为结束") % {"codes": "、".join(codes)}))
        return deleted, counts, perms_needed, protected

    # --- actions ---

    def _action_page(
        self,
        request: HttpRequest,
        queryset: QuerySet[Questionnaire],
        *,
        form: forms.Form,
        action: str,
        title: Any,
        intro: Any,
        submit_label: Any,
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "intro": intro,
            "submit_label": submit_label,
            "form": form,
            "action": action,
            "selected": list(queryset.order_by("code")),
            "checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return HttpResponse(_action_form_template().render(context, request))

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Questionnaire],
        work: Callable[[Questionnaire], str],
    ) -> None:
        for questionnaire in queryset.order_by("code"):
            try:
                done = work(questionnaire)
            except DomainError as exc:
                self.message_user(request, f"{questionnaire}：{exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"{questionnaire}：{done}", messages.SUCCESS)

    def _only_one(self, request: HttpRequest, queryset: QuerySet[Questionnaire]) -> Questionnaire | None:
        if queryset.count() != 1:
            self.message_user(request, _("请只选择一份问卷。"), messages.ERROR)
            return None
        return queryset.first()

    @admin.action(description=_("生成评价任务"), permissions=["change"])
    def generate_assignments(self, request: HttpRequest, queryset: QuerySet[Questionnaire]) -> HttpResponse | None:
        form = AssignForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            k, unit = form.cleaned_data["peers_per_member"], form.cleaned_data["unit"]

            def assign(questionnaire: Questionnaire) -> str:
                summary = create_assignments(questionnaire=questionnaire, peers_per_member=k, unit=unit)
                by_role = "，".join(f"{RaterRole(role).label} {n}" for role, n in sorted(summary.created.items()))
                return str(
                    _("新增评价任务 %(n)d 项%(roles)s；已存在 %(existing)d 项")
                    % {
                        "n": summary.total_created,
                        "roles": f"（{by_role}）" if by_role else "",
                        "existing": summary.existing,
                    }
                )

            self._each(request, queryset, assign)
            return None
        return self._action_page(
            request,
            queryset,
            form=form,
            action="generate_assignments",
            title=_("生成评价任务"),
            intro=_("按“谁评价谁”的规则为下列问卷补齐自评、互评和书记评价任务；已有的任务及其答卷不变。"),
            submit_label=_("生成"),
        )

    @admin.action(description=_("开放"), permissions=["change"])
    def open_selected(self, request: HttpRequest, queryset: QuerySet[Questionnaire]) -> None:
        def open_one(questionnaire: Questionnaire) -> str:
            open_questionnaire(questionnaire=questionnaire)
            return str(_("已开放"))

        self._each(request, queryset, open_one)

    @admin.action(description=_("结束"), permissions=["change"])
    def close_selected(self, request: HttpRequest, queryset: QuerySet[Questionnaire]) -> None:
        def close_one(questionnaire: Questionnaire) -> str:
            close_questionnaire(questionnaire=questionnaire)
            return str(_("已结束"))

        self._each(request, queryset, close_one)

    @admin.action(description=_("下载群众评议纸质表"), permissions=["view"])
    def masses_paper_forms(self, request: HttpRequest, queryset: QuerySet[Questionnaire]) -> HttpResponse | None:
        questionnaire = self._only_one(request, queryset)
        if questionnaire is None:
            return None
        form = PaperFormsForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            unit, copies = form.cleaned_data["unit"], form.cleaned_data["copies"]
            try:
                # Imported here: the workbook writers live in their own module, loaded only when used.
                from surveys.services.exports import masses_forms_workbook

                content = masses_forms_workbook(questionnaire=questionnaire, unit=unit, copies=copies)
            except ImportError:
                self.message_user(request, _("纸质表导出暂不可用。"), messages.ERROR)
                return None
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return None
            return _download(content, f"{questionnaire.code}-群众评议表-{unit.code}.xlsx")
        return self._action_page(
            request,
            queryset,
            form=form,
            action="masses_paper_forms",
            title=_("下载群众评议纸质表"),
            intro=_("为所选组织的每位党员生成群众评议表，每份有自己的答卷编号，填好后可按编号导入。"),
            submit_label=_("下载"),
        )

    @admin.action(description=_("导出原始答案"), permissions=["view"])
    def export_answers(self, request: HttpRequest, queryset: QuerySet[Questionnaire]) -> HttpResponse | None:
        questionnaire = self._only_one(request, queryset)
        if questionnaire is None:
            return None
        try:
            from surveys.services.exports import answers_workbook

            content = answers_workbook(questionnaire=questionnaire)
        except ImportError:
            self.message_user(request, _("答案导出暂不可用。"), messages.ERROR)
            return None
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return None
        return _download(content, f"{questionnaire.code}-原始答案.xlsx")


# ── assignments and responses: shown, not edited ─────────────────────────────────────────────────


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["questionnaire", "rater", "role", "subject", "status", "submitted_at", "reminded_at"]
    list_filter = ["questionnaire", "role", "status"]
    search_fields = ["rater__employee_no", "rater__name", "subject__employee_no", "subject__name"]
    raw_id_fields = ["rater", "subject"]
    list_select_related = ["questionnaire", "rater", "subject"]


class AnswerInline(admin.TabularInline):
    model = Answer
    fields = ["question", "value", "text"]
    readonly_fields = ["question", "value", "text"]
    extra = 0
    can_delete = False
    ordering = ["question__order", "question__pk"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Answer]:
        return super().get_queryset(request).select_related("question")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AnonymousFilter(admin.SimpleListFilter):
    title = _("匿名")
    parameter_name = "anonymous"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("群众评议（匿名）")), ("no", _("署名"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Response]) -> QuerySet[Response]:
        if self.value() == "yes":
            return queryset.filter(rater__isnull=True)
        if self.value() == "no":
            return queryset.filter(~Q(rater__isnull=True))
        return queryset


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin):
    list_display = ["questionnaire", "form_id", "rater", "role", "subject", "status", "submitted_at", "answer_count"]
    list_filter = ["questionnaire", "role", "status", AnonymousFilter]
    search_fields = ["form_id", "rater__employee_no", "rater__name", "subject__employee_no", "subject__name"]
    raw_id_fields = ["rater", "subject"]
    list_select_related = ["questionnaire", "rater", "subject"]
    inlines = [AnswerInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Response]:
        # A correlated count: the changelist's COUNT(*) and its page stay off the answers table.
        answers = Answer.objects.filter(response=OuterRef("pk"))
        return super().get_queryset(request).annotate(answer_total=_count_subquery(answers))

    @admin.display(description=_("答案数"), ordering="answer_total")
    def answer_count(self, response: Response) -> int:
        return int(getattr(response, "answer_total", 0) or 0)
