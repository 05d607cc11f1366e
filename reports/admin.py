"""Admin for results: score runs (with the "计算得分" page that starts a job), score cards and jobs.

Everything here is read-only: runs and cards are written by the scoring service only, and a run is
replaced by computing again, never edited.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from indicators.periods import Period
from org.scope import is_administrator
from reports.models import CommendationCandidate, CommendationRound, Job, ScoreCard, ScoreRun
from reports.services.jobs import start_job


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _one_decimal(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


class ComputeScoresForm(forms.Form):
    period = forms.CharField(label=_("期间"), max_length=7, help_text=_("2025、2025-H1 或 2025-Q2"))
    preview = forms.BooleanField(
        label=_("预览"),
        required=False,
        help_text=_("预览结果与正式结果分开保存；指标体系尚未发布时只能预览。"),
    )

    def clean_period(self) -> str:
        try:
            return Period.parse(self.cleaned_data["period"]).code
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


@admin.register(ScoreRun)
class ScoreRunAdmin(_ReadOnlyAdmin):
    list_display = [
        "period", "kind", "status", "is_current", "card_count", "total_count", "started_at", "finished_at",
        "started_by",
    ]  # fmt: skip
    list_filter = ["period", "provisional", "status", "is_current"]
    list_select_related = ["started_by", "system"]
    readonly_fields = [
        "period", "system", "provisional", "status", "is_current", "parameters", "counts", "message",
        "started_by", "started_at", "finished_at",
    ]  # fmt: skip
    change_list_template = "admin/reports/scorerun/change_list.html"

    @admin.display(description=_("类型"), ordering="provisional")
    def kind(self, run: ScoreRun) -> str:
        return str(_("预览") if run.provisional else _("正式"))

    @admin.display(description=_("成绩卡"))
    def card_count(self, run: ScoreRun) -> int:
        return int((run.counts or {}).get("cards", 0))

    @admin.display(description=_("有总分"))
    def total_count(self, run: ScoreRun) -> int:
        return int((run.counts or {}).get("with_total", 0))

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}_compute"
        return [path("compute/", self.admin_site.admin_view(self.compute_view), name=name), *super().get_urls()]

    def compute_view(self, request: HttpRequest) -> HttpResponse:
        """计算得分: start a compute job for a period and follow it on the job's page."""
        if not is_administrator(request.user):
            raise PermissionDenied
        form = ComputeScoresForm(request.POST or None, initial={"period": str(timezone.localdate().year)})
        if request.method == "POST" and form.is_valid():
            try:
                job = start_job(kind="compute_scores", parameters=dict(form.cleaned_data), user=request.user)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, _("已开始计算得分（任务 #%(id)s）。") % {"id": job.pk}, messages.INFO)
                return HttpResponseRedirect(reverse("reports:job", args=[job.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("计算得分"),
            "subtitle": None,
            "opts": self.opts,
            "form": form,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/reports/scorerun/compute.html", context)


@admin.register(ScoreCard)
class ScoreCardAdmin(_ReadOnlyAdmin):
    list_display = [
        "employee_no", "member_name", "run_period", "branch", "unit", "category", "total_shown", "rank", "grade",
        "coverage_shown",
    ]  # fmt: skip
    list_filter = [
        "run__period",
        "run__provisional",
        ("branch", admin.RelatedOnlyFieldListFilter),
        "grade",
    ]
    search_fields = ["member__employee_no", "member__name"]
    list_select_related = ["member", "run", "unit", "branch", "category"]
    readonly_fields = [
        "run", "member", "unit", "branch", "category", "total", "coverage", "rank", "grade", "performance",
        "execution", "wisdom", "culture", "team", "belief", "dimension_coverage", "self_others",
    ]  # fmt: skip

    @admin.display(description=_("工号"), ordering="member__employee_no")
    def employee_no(self, card: ScoreCard) -> str:
        return card.member.employee_no

    @admin.display(description=_("姓名"), ordering="member__name")
    def member_name(self, card: ScoreCard) -> str:
        return card.member.name

    @admin.display(description=_("期间"), ordering="run__period")
    def run_period(self, card: ScoreCard) -> str:
        return str(card.run)

    @admin.display(description=_("总分"), ordering="total")
    def total_shown(self, card: ScoreCard) -> str:
        return _one_decimal(card.total)

    @admin.display(description=_("覆盖率"), ordering="coverage")
    def coverage_shown(self, card: ScoreCard) -> str:
        return f"{card.coverage * 100:.0f}%"


@admin.register(Job)
class JobAdmin(_ReadOnlyAdmin):
    list_display = ["id", "kind", "user", "status", "progress_bar", "short_message", "created_at", "finished_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["user"]
    readonly_fields = [
        "kind", "parameters", "user", "status", "progress_bar", "message", "result", "result_file", "task_id",
        "created_at", "started_at", "finished_at", "page",
    ]  # fmt: skip
    exclude = ["progress"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Old jobs may be cleared away; what they produced lives elsewhere.
        if obj is not None and not obj.is_finished:
            return False
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    @admin.display(description=_("进度"), ordering="progress")
    def progress_bar(self, job: Job) -> SafeString:
        percent = round(job.progress * 100)
        return format_html(
            '<progress max="100" value="{}" aria-label="{}"></progress> {}%', percent, _("进度"), percent
        )

    @admin.display(description=_("消息"))
    def short_message(self, job: Job) -> str:
        return job.message if len(job.message) <= 60 else job.message[:59] + "…"

    @admin.display(description=_("进度页面"))
    def page(self, job: Job) -> SafeString:
        return format_html('<a href="{}">{}</a>', reverse("reports:job", args=[job.pk]), _("打开"))


class CommendationCandidateInline(admin.TabularInline):
    model = CommendationCandidate
    extra = 0
    can_delete = False
    fields = ("kind", "position", "code", "name", "branch_name", "score", "last_score", "delta", "selected", "reasons")
    readonly_fields = fields
    ordering = ["kind", "position"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CommendationRound)
class CommendationRoundAdmin(_ReadOnlyAdmin):
    """Read-only: lists are proposed and approved on the commendation page (or by the command)."""

    list_display = ["year", "kinds", "status", "min_score", "per_branch", "share", "approved_by_name", "approved_at"]
    list_filter = ["status"]
    readonly_fields = [
        "year", "kinds", "min_score", "fall_tolerance", "per_branch", "share", "status", "proposed_by",
        "proposed_at", "approved_by", "approved_by_name", "approved_at", "page",
    ]  # fmt: skip
    inlines = [CommendationCandidateInline]

    @admin.display(description=_("评选页面"))
    def page(self, commendation: CommendationRound) -> SafeString:
        return format_html('<a href="{}">{}</a>', reverse("reports:commendation", args=[commendation.year]), _("打开"))
