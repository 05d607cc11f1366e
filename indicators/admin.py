"""Admin for indicator systems. A published or archived system is frozen at the admin door too.

Every part of a frozen system is shown read-only (no change, delete or add permission), and should a
forged request get past that, the model's FrozenSystemError becomes an error message, never a 500.
Category weights are edited as one grid (categories × the six dimensions) on their own page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError, FrozenSystemError
from indicators.models import (
    AhpJudgement,
    CategoryWeight,
    Dimension,
    EntropyWeighting,
    Grade,
    Indicator,
    IndicatorSystem,
    Measurement,
    PostTarget,
    RaterWeight,
    SubjectKind,
    SystemStatus,
)
from indicators.periods import normalise_period_code
from indicators.services.measurements import copy_targets_forward, save_measurement
from indicators.services.systems import (
    archive_system,
    clone_system,
    grade_problems,
    publish_system,
    weights_sum_to_one,
)
from indicators.services.weights import category_weight_grid, set_category_weights
from indicators.weighting import format_judgement
from org.models import MemberCategory


def _frozen_years(system_ids: set[int]) -> list[int]:
    return sorted(
        IndicatorSystem.objects.filter(pk__in=system_ids)
        .exclude(status=SystemStatus.DRAFT)
        .values_list("year", flat=True)
    )


class RefusalsAsMessages:
    """Turn a domain refusal raised while saving (a forged POST on a frozen system) into a message.

    Django runs the add/change/delete views inside a transaction, so nothing of the refused request
    is kept when the error reaches here.
    """

    def _refused(self, request: HttpRequest, exc: DomainError) -> HttpResponse:
        self.message_user(request, exc.message, messages.ERROR)  # type: ignore[attr-defined]
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)  # type: ignore[misc,no-any-return]
        except DomainError as exc:
            return self._refused(request, exc)

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().delete_view(request, *args, **kwargs)  # type: ignore[misc,no-any-return]
        except DomainError as exc:
            return self._refused(request, exc)

    def changelist_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changelist_view(request, *args, **kwargs)  # type: ignore[misc,no-any-return]
        except DomainError as exc:
            return self._refused(request, exc)


class SystemPartAdmin(RefusalsAsMessages, admin.ModelAdmin):
    """Rows that belong to a system: read-only once their system is published or archived."""

    list_select_related = ["system"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.system.is_frozen:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.system.is_frozen:
            return False
        return super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "system":
            kwargs["queryset"] = IndicatorSystem.objects.filter(status=SystemStatus.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        years = _frozen_years({obj.system_id for obj in objs})
        if years:
            # Listed as a missing permission, Django shows it on the confirmation page and refuses the POST.
            perms_needed.add(str(_("已发布的指标体系（%(years)s 年）") % {"years": "、".join(map(str, years))}))
        return deleted, counts, perms_needed, protected

    @admin.display(description=_("年度"), ordering="system__year")
    def system_year(self, obj: Any) -> int:
        return int(obj.system.year)


# --- the category weight grid -------------------------------------------------------------------


@dataclass
class GridCell:
    name: str
    value: str
    dimension: Dimension


@dataclass
class GridRow:
    category: MemberCategory
    cells: list[GridCell]
    total: float | None
    ok: bool


def _cell_name(category: MemberCategory, dimension: Dimension) -> str:
    return f"w-{category.pk}-{dimension.key}"


def _shown(weight: float | None) -> str:
    return "" if weight is None else format(weight, ".10g")


def _row(category: MemberCategory, cells: list[GridCell], weights: Sequence[float]) -> GridRow:
    if not weights:
        return GridRow(category=category, cells=cells, total=None, ok=True)
    ok, total = weights_sum_to_one(weights)
    return GridRow(category=category, cells=cells, total=total, ok=ok)


def grid_rows(
    grid: Mapping[str, Mapping[str, float]], *, categories: Sequence[MemberCategory], dimensions: Sequence[Dimension]
) -> list[GridRow]:
    rows = []
    for category in categories:
        weights = grid.get(category.code, {})
        cells = [GridCell(_cell_name(category, d), _shown(weights.get(d.key)), d) for d in dimensions]
        rows.append(_row(category, cells, list(weights.values())))
    return rows


def parse_grid(
    data: Mapping[str, Any], *, categories: Sequence[MemberCategory], dimensions: Sequence[Dimension]
) -> tuple[dict[str, dict[str, float]], list[GridRow], list[str]]:
    """The posted grid: a row left wholly blank weights nothing; in a row begun, a blank cell is 0.

    Returns the grid to save, the rows to show again (as typed) and every problem found.
    """
    grid: dict[str, dict[str, float]] = {}
    rows: list[GridRow] = []
    errors: list[str] = []
    for category in categories:
        cells = [
            GridCell(_cell_name(category, d), str(data.get(_cell_name(category, d), "")).strip(), d) for d in dimensions
        ]
        if not any(cell.value for cell in cells):
            rows.append(_row(category, cells, []))
            continue
        weights: dict[str, float] = {}
        for cell in cells:
            try:
                weight = float(cell.value) if cell.value else 0.0
            except ValueError:
                errors.append(
                    str(_("人员类别“%(category)s”的“%(dimension)s”权重“%(value)s”不是数字。"))
                    % {"category": category.name, "dimension": cell.dimension.name, "value": cell.value}
                )
                continue
            if not 0.0 <= weight <= 1.0:
                errors.append(
                    str(_("人员类别“%(category)s”的“%(dimension)s”权重 %(value)s 应在 0 到 1 之间。"))
                    % {"category": category.name, "dimension": cell.dimension.name, "value": cell.value}
                )
            weights[cell.dimension.key] = weight
        row = _row(category, cells, list(weights.values()))
        rows.append(row)
        if not row.ok:
            errors.append(
                str(_("人员类别“%(category)s”的维度权重合计为 %(sum)s，应为 1。"))
                % {"category": category.name, "sum": f"{row.total:.4g}"}
            )
        grid[category.code] = weights
    return grid, rows, errors


# --- inlines of the system's change page ----------------------------------------------------------


class FrozenInlineMixin:
    """An inline of a frozen system offers no add, change or delete; `obj` here is the system."""

    def _open(self, obj: Any) -> bool:
        return obj is None or not obj.is_frozen

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._open(obj) and super().has_add_permission(request, obj)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._open(obj) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._open(obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]


def _kept_rows(formset: BaseInlineFormSet) -> list[dict[str, Any]]:
    """The cleaned rows the formset will keep: filled in and not marked for deletion."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if not data or (formset.can_delete and data.get("DELETE")):
            continue
        rows.append(data)
    return rows


class IndicatorInlineFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        by_dimension: dict[Dimension, list[float]] = defaultdict(list)
        for row in _kept_rows(self):
            if row.get("dimension") is not None and row.get("weight") is not None:
                by_dimension[row["dimension"]].append(row["weight"])
        problems = []
        for dimension in sorted(by_dimension, key=lambda d: d.order):
            ok, total = weights_sum_to_one(by_dimension[dimension])
            if not ok:
                problems.append(
                    _("维度“%(name)s”的指标权重合计为 %(sum)s，应为 1。")
                    % {"name": dimension.name, "sum": f"{total:.4g}"}
                )
        if problems:
            raise ValidationError(problems)


class RaterWeightInlineFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        weights = [row["weight"] for row in _kept_rows(self) if row.get("weight") is not None]
        if weights:
            ok, total = weights_sum_to_one(weights)
            if not ok:
                raise ValidationError(_("评价主体权重合计为 %(sum)s，应为 1。") % {"sum": f"{total:.4g}"})


class GradeInlineFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        rows = [row for row in _kept_rows(self) if row.get("label") and row.get("min_score") is not None]
        problems = grade_problems([(row["label"], row["min_score"], row.get("max_share")) for row in rows])
        if problems:
            raise ValidationError(problems)


INDICATOR_INLINE_FIELDS = [
    "order", "code", "dimension", "name", "name_en", "weight", "source", "measure_unit", "floor", "target",
]  # fmt: skip


def _narrow(width_em: float) -> dict[str, str]:
    return {"style": f"width: {width_em}em"}


class IndicatorInlineForm(forms.ModelForm):
    """Narrow inputs, so a row of the tabular inline fits a laptop screen."""

    class Meta:
        model = Indicator
        fields = INDICATOR_INLINE_FIELDS
        widgets = {
            "order": forms.NumberInput(attrs=_narrow(3.5)),
            "code": forms.TextInput(attrs=_narrow(11)),
            "name": forms.TextInput(attrs=_narrow(11)),
            "name_en": forms.TextInput(attrs=_narrow(13)),
            "weight": forms.NumberInput(attrs={**_narrow(5), "step": "any"}),
            "measure_unit": forms.TextInput(attrs=_narrow(3.5)),
            "floor": forms.NumberInput(attrs={**_narrow(5), "step": "any"}),
            "target": forms.NumberInput(attrs={**_narrow(5), "step": "any"}),
        }


class IndicatorInline(FrozenInlineMixin, admin.TabularInline):
    model = Indicator
    form = IndicatorInlineForm
    formset = IndicatorInlineFormSet
    extra = 0
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Indicator]:
        return super().get_queryset(request).select_related("dimension", "system")

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "dimension" and field is not None and hasattr(field.widget, "widget"):
            # The six dimensions are fixed: no "add / change dimension" icons beside each row.
            field.widget = field.widget.widget
        return field


class RaterWeightInline(FrozenInlineMixin, admin.TabularInline):
    model = RaterWeight
    formset = RaterWeightInlineFormSet
    fields = ["role", "weight"]
    extra = 0
    max_num = 4


class GradeInline(FrozenInlineMixin, admin.TabularInline):
    model = Grade
    formset = GradeInlineFormSet
    fields = ["label", "min_score", "max_share"]
    extra = 0


class _RecordInline(admin.TabularInline):
    """How weights were derived (AHP judgements, entropy weightings): written only by the weighting
    services, shown here read-only in every state of the system."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("权重"))
    def weights_shown(self, record: Any) -> str:
        labels = record.labels or record.items
        return " · ".join(f"{label} {weight:.4f}" for label, weight in zip(labels, record.weights, strict=False))

    @admin.display(description=_("操作人"))
    def who(self, record: Any) -> str:
        return record.created_by.get_username() if record.created_by else "-"


class AhpJudgementInline(_RecordInline):
    model = AhpJudgement
    verbose_name_plural = _("层次分析判断（权重来源）")
    fields = readonly_fields = ("created_at", "scope", "cr_shown", "forced", "weights_shown", "matrix_shown", "who")

    def get_queryset(self, request: HttpRequest) -> QuerySet[AhpJudgement]:
        return super().get_queryset(request).select_related("category", "dimension", "created_by")

    @admin.display(description=_("比较对象"))
    def scope(self, judgement: AhpJudgement) -> str:
        if judgement.category is not None:
            return str(_("人员类别“%(name)s”的维度权重") % {"name": judgement.category.name})
        return str(_("维度“%(name)s”的指标权重") % {"name": judgement.dimension})

    @admin.display(description="CR")
    def cr_shown(self, judgement: AhpJudgement) -> str:
        return f"{judgement.cr:.3f} (λmax {judgement.lambda_max:.4f}, CI {judgement.ci:.4f})"

    @admin.display(description=_("判断矩阵（上三角）"))
    def matrix_shown(self, judgement: AhpJudgement) -> str:
        n = len(judgement.matrix)
        return "；".join(
            " ".join(format_judgement(judgement.matrix[i][j]) for j in range(i + 1, n)) for i in range(n - 1)
        )


class EntropyWeightingInline(_RecordInline):
    model = EntropyWeighting
    verbose_name_plural = _("熵权法权重（权重来源）")
    fields = readonly_fields = (
        "created_at", "dimension", "period", "score_run", "members", "previous_shown", "weights_shown", "who",
    )  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[EntropyWeighting]:
        return super().get_queryset(request).select_related("dimension", "created_by")

    @admin.display(description=_("原权重"))
    def previous_shown(self, record: EntropyWeighting) -> str:
        return " · ".join(f"{weight:.4f}" for weight in record.previous_weights)


# --- the system --------------------------------------------------------------------------------


@admin.register(IndicatorSystem)
class IndicatorSystemAdmin(RefusalsAsMessages, admin.ModelAdmin):
    list_display = ["year", "name", "status", "indicator_count", "category_count", "published_at", "cloned_from"]
    list_filter = ["status"]
    search_fields = ["name"]
    list_select_related = ["cloned_from"]
    inlines = [IndicatorInline, RaterWeightInline, GradeInline, AhpJudgementInline, EntropyWeightingInline]
    actions = ["publish", "clone_to_next_year", "archive"]
    change_form_template = "admin/indicators/indicatorsystem/change_form.html"
    fields = ["year", "name", "status", "cloned_from", "published_at", "publisher"]
    # Status changes only through the actions, which check the weights and freeze the system.
    always_read_only = ["status", "cloned_from", "published_at", "publisher"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[IndicatorSystem]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                indicator_total=Count("indicator", distinct=True),
                category_total=Count("categoryweight__category", distinct=True),
            )
        )

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        system = self.get_object(request, unquote(object_id))
        if system is not None:
            categories = list(MemberCategory.objects.filter(categoryweight__system=system).distinct().order_by("code"))
            dimensions = list(Dimension.objects.order_by("order"))
            extra_context = {
                **(extra_context or {}),
                "weight_dimensions": dimensions,
                "weight_rows": grid_rows(
                    category_weight_grid(system=system), categories=categories, dimensions=dimensions
                ),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        inlines = super().get_inline_instances(request, obj)
        if request.method == "POST":
            # The records are only shown: a save need not post them back (nor their management forms).
            inlines = [inline for inline in inlines if not isinstance(inline, _RecordInline)]
        return inlines

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None and obj.is_frozen:
            return ["year", "name", *self.always_read_only]
        return list(self.always_read_only)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_frozen:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_frozen:
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        years = _frozen_years({obj.pk for obj in objs})
        if years:
            perms_needed.add(str(_("已发布的指标体系（%(years)s 年）") % {"years": "、".join(map(str, years))}))
        return deleted, counts, perms_needed, protected

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[IndicatorSystem]) -> None:
        # A queryset delete cascades below the model's guard, so check here before anything goes.
        years = _frozen_years(set(queryset.values_list("pk", flat=True)))
        if years:
            raise FrozenSystemError(f"{years[0]} 年指标体系已发布，不能删除 (the {years[0]} system is frozen)")
        super().delete_queryset(request, queryset)

    @admin.display(description=_("发布人"))
    def publisher(self, system: IndicatorSystem) -> str:
        return system.published_by.get_username() if system.published_by else "-"

    @admin.display(description=_("指标数"), ordering="indicator_total")
    def indicator_count(self, system: IndicatorSystem) -> int:
        return int(getattr(system, "indicator_total", 0) or 0)

    @admin.display(description=_("人员类别数"), ordering="category_total")
    def category_count(self, system: IndicatorSystem) -> int:
        return int(getattr(system, "category_total", 0) or 0)

    # --- actions ---

    @admin.action(description=_("发布"), permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[IndicatorSystem]) -> None:
        for system in queryset.order_by("year"):
            try:
                publish_system(system=system, user=request.user)
            except DomainError as exc:
                self.message_user(request, f"{system}：{exc.message}", messages.ERROR)
            else:
                self.message_user(request, _("已发布：%(system)s") % {"system": system}, messages.SUCCESS)

    @admin.action(description=_("复制到下一年"), permissions=["add"])
    def clone_to_next_year(self, request: HttpRequest, queryset: QuerySet[IndicatorSystem]) -> None:
        for system in queryset.order_by("year"):
            try:
                clone = clone_system(source=system, year=system.year + 1)
            except DomainError as exc:
                self.message_user(request, f"{system}：{exc.message}", messages.ERROR)
            else:
                self.message_user(request, _("已复制为草稿：%(system)s") % {"system": clone}, messages.SUCCESS)

    @admin.action(description=_("归档"), permissions=["change"])
    def archive(self, request: HttpRequest, queryset: QuerySet[IndicatorSystem]) -> None:
        for system in queryset.order_by("year"):
            try:
                archive_system(system=system)
            except DomainError as exc:
                self.message_user(request, f"{system}：{exc.message}", messages.ERROR)
            else:
                self.message_user(request, _("已归档：%(system)s") % {"system": system}, messages.SUCCESS)

    # --- the category weight grid ---

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}_weights"
        grid = path("<path:object_id>/weights/", self.admin_site.admin_view(self.weights_view), name=name)
        return [grid, *super().get_urls()]

    def weights_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        system = self.get_object(request, unquote(object_id))
        if system is None:
            raise Http404
        if not self.has_view_or_change_permission(request, system):
            raise PermissionDenied
        editable = self.has_change_permission(request, system)
        categories = list(MemberCategory.objects.order_by("code"))
        dimensions = list(Dimension.objects.order_by("order"))
        change_url = reverse(f"{self.admin_site.name}:indicators_indicatorsystem_change", args=[system.pk])

        rows: list[GridRow]
        if request.method == "POST":
            if not editable:
                self.message_user(
                    request, _("%(year)s 年指标体系已发布，不能修改。") % {"year": system.year}, messages.ERROR
                )
                return HttpResponseRedirect(request.path)
            grid, rows, errors = parse_grid(request.POST, categories=categories, dimensions=dimensions)
            if not errors:
                try:
                    set_category_weights(system=system, grid=grid, replace=True)
                except DomainError as exc:
                    errors = [exc.message]
                else:
                    self.message_user(request, _("类别权重已保存。"), messages.SUCCESS)
                    return HttpResponseRedirect(change_url)
            for error in errors:
                self.message_user(request, error, messages.ERROR)
        else:
            rows = grid_rows(category_weight_grid(system=system), categories=categories, dimensions=dimensions)

        context = {
            **self.admin_site.each_context(request),
            "title": _("类别权重：%(system)s") % {"system": system},
            "subtitle": None,
            "opts": self.opts,
            "original": system,
            "system": system,
            "dimensions": dimensions,
            "rows": rows,
            "editable": editable,
            "change_url": change_url,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/indicators/indicatorsystem/weights.html", context)


# --- the parts on their own --------------------------------------------------------------------


@admin.register(Dimension)
class DimensionAdmin(admin.ModelAdmin):
    """The six dimensions are fixed: their keys are what files, the API and scores refer to."""

    list_display = ["order", "key", "name", "name_en"]
    readonly_fields = ["key"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Indicator)
class IndicatorAdmin(SystemPartAdmin):
    list_display = [
        "code", "name", "system_year", "dimension", "weight", "source", "measure_unit", "floor", "target",
    ]  # fmt: skip
    list_filter = ["system__year", "system__status", "dimension", "source"]
    search_fields = ["code", "name", "name_en"]
    list_select_related = ["system", "dimension"]


@admin.register(CategoryWeight)
class CategoryWeightAdmin(SystemPartAdmin):
    list_display = ["system_year", "category", "dimension", "weight"]
    list_filter = ["system__year", "category", "dimension"]
    search_fields = ["category__code", "category__name"]
    list_select_related = ["system", "category", "dimension"]


@admin.register(RaterWeight)
class RaterWeightAdmin(SystemPartAdmin):
    list_display = ["system_year", "role", "weight"]
    list_filter = ["system__year", "role"]


@admin.register(Grade)
class GradeAdmin(SystemPartAdmin):
    list_display = ["system_year", "label", "min_score", "max_share"]
    list_filter = ["system__year"]
    search_fields = ["label"]


class CopyTargetsForm(forms.Form):
    from_year = forms.IntegerField(label=_("从年度"), min_value=1900, max_value=2999)
    to_year = forms.IntegerField(label=_("复制到年度"), min_value=1900, max_value=2999)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("from_year") is not None and data.get("from_year") == data.get("to_year"):
            raise ValidationError(_("两个年度不能相同。"))
        return data


class PostTargetAdminForm(forms.ModelForm):
    class Meta:
        model = PostTarget
        fields = ["post", "indicator", "period", "floor", "target"]

    def clean_period(self) -> str:
        # Stored as scoring reads it: "2025-q3" typed here must be the 2025-Q3 a run looks up.
        try:
            return normalise_period_code(self.cleaned_data["period"])
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


@admin.register(PostTarget)
class PostTargetAdmin(admin.ModelAdmin):
    """Targets are data, not definitions: they stay editable in every year. A page copies last
    year's targets into a new year as a starting point."""

    form = PostTargetAdminForm
    list_display = ["post", "indicator", "period", "floor", "target"]
    list_filter = ["indicator__system__year", "period"]
    search_fields = ["post__code", "post__name", "indicator__code", "indicator__name"]
    autocomplete_fields = ["post", "indicator"]
    list_select_related = ["post", "indicator"]
    change_list_template = "admin/indicators/posttarget/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}_copy_forward"
        page = path("copy-forward/", self.admin_site.admin_view(self.copy_forward_view), name=name)
        return [page, *super().get_urls()]

    def copy_forward_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        changelist = reverse(f"{self.admin_site.name}:indicators_posttarget_changelist")
        if request.method == "POST":
            form = CopyTargetsForm(request.POST)
            if form.is_valid():
                to_year = form.cleaned_data["to_year"]
                try:
                    created = copy_targets_forward(from_year=form.cleaned_data["from_year"], to_year=to_year)
                except DomainError as exc:
                    form.add_error(None, exc.message)
                else:
                    message = _("已复制 %(count)s 个岗位目标到 %(year)s 年；已有的目标保持不变。")
                    self.message_user(request, message % {"count": created, "year": to_year}, messages.SUCCESS)
                    return HttpResponseRedirect(f"{changelist}?indicator__system__year={to_year}")
        else:
            newest = IndicatorSystem.objects.order_by("-year").values_list("year", flat=True).first()
            form = CopyTargetsForm(initial={"from_year": newest - 1, "to_year": newest} if newest else {})
        context = {
            **self.admin_site.each_context(request),
            "title": _("复制上一年的岗位目标"),
            "subtitle": None,
            "opts": self.opts,
            "form": form,
            "changelist_url": changelist,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/indicators/posttarget/copy_forward.html", context)


class SubjectKindFilter(admin.SimpleListFilter):
    title = _("对象类型")
    parameter_name = "subject_kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return SubjectKind.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == SubjectKind.MEMBER:
            return queryset.filter(member__isnull=False)
        if self.value() == SubjectKind.POST:
            return queryset.filter(post__isnull=False)
        return queryset


class MeasurementAdminForm(forms.ModelForm):
    class Meta:
        model = Measurement
        fields = ["member", "post", "indicator", "period", "value"]

    def clean_period(self) -> str:
        try:
            return normalise_period_code(self.cleaned_data["period"])
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        member, post = data.get("member"), data.get("post")
        # Errors go on fields, not the form: the model then skips its constraints on those fields and
        # the user reads one message in Chinese instead of a constraint's name.
        if (member is None) == (post is None):
            self.add_error("member", _("请选择一名党员或一个岗位（只选其一）。"))
            return data
        indicator, period = data.get("indicator"), data.get("period")
        if indicator is not None and period:
            same = Measurement.objects.filter(indicator=indicator, period=period, member=member, post=post)
            if same.exclude(pk=self.instance.pk).exists():
                self.add_error("period", _("该对象在该期间已有此指标的实绩。"))
        return data


@admin.register(Measurement)
class MeasurementAdmin(RefusalsAsMessages, admin.ModelAdmin):
    """KPI values are data: they stay editable whatever the status of their indicator's system."""

    form = MeasurementAdminForm
    list_display = ["subject", "subject_kind_label", "indicator_code", "period", "value", "entered_by", "entered_at"]
    list_filter = ["period", "indicator__system__year", SubjectKindFilter]
    search_fields = ["member__employee_no", "member__name", "post__code", "post__name", "indicator__code"]
    autocomplete_fields = ["member", "post", "indicator"]
    list_select_related = ["member", "post", "indicator", "entered_by"]
    fields = ["member", "post", "indicator", "period", "value", "entered_by", "entered_at"]
    readonly_fields = ["entered_by", "entered_at"]

    @admin.display(description=_("对象"))
    def subject(self, measurement: Measurement) -> str:
        return str(measurement.member or measurement.post)

    @admin.display(description=_("对象类型"))
    def subject_kind_label(self, measurement: Measurement) -> str:
        return str(SubjectKind(measurement.subject_kind).label)

    @admin.display(description=_("指标编码"), ordering="indicator__code")
    def indicator_code(self, measurement: Measurement) -> str:
        return measurement.indicator.code

    def save_model(self, request: HttpRequest, obj: Measurement, form: Any, change: bool) -> None:
        save_measurement(
            measurement=obj,
            indicator=obj.indicator,
            period=obj.period,
            value=obj.value,
            member=obj.member,
            post=obj.post,
            user=request.user,
        )
