"""The indicator-system API: systems (publish, clone, archive, the category weight grid), their
indicators, weights and grades, post targets and KPI measurements.

The indicator system is not secret: every signed-in user reads it; administrators write. Post
targets are read in the scope of the posts one may see, measurements in the scope of the members
and posts one may see. A frozen system answers every write with
409 (`FrozenSystemError`), before anything else is checked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from common.errors import DomainError
from common.pagination import Pagination
from indicators.api_ahp import register as register_ahp
from indicators.filters import (
    CategoryWeightFilter,
    GradeFilter,
    IndicatorFilter,
    PostTargetFilter,
    RaterWeightFilter,
    SystemFilter,
)
from indicators.models import (
    CategoryWeight,
    Dimension,
    Grade,
    Indicator,
    IndicatorSystem,
    Measurement,
    PostTarget,
    RaterWeight,
    SubjectKind,
    SystemPart,
)
from indicators.periods import normalise_period_code, validate_period_code
from indicators.services import editing, systems, targets, weights
from indicators.services import measurements as measuring
from org.models import Member, MemberCategory, Post
from org.permissions import IsAdministrator, IsAdministratorOrReadOnly
from org.scope import posts_visible_to
from org.services.directory import unit_in_scope
from org.services.units import subtree_q

# ── systems ──────────────────────────────────────────────────────────────────────────────────────


class SystemCountsSerializer(serializers.Serializer[IndicatorSystem]):
    indicators = serializers.IntegerField(source="indicator_count", read_only=True)
    categories = serializers.IntegerField(source="category_count", read_only=True)
    rater_weights = serializers.IntegerField(source="rater_weight_count", read_only=True)
    grades = serializers.IntegerField(source="grade_count", read_only=True)


class SystemSerializer(serializers.ModelSerializer[IndicatorSystem]):
    year = serializers.IntegerField(min_value=1900, max_value=2999, label=_("年度"))
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    cloned_from: serializers.SlugRelatedField[IndicatorSystem] = serializers.SlugRelatedField(
        slug_field="year", read_only=True
    )
    counts = SystemCountsSerializer(source="*", read_only=True)

    class Meta:
        model = IndicatorSystem
        fields = ["year", "name", "status", "status_label", "published_at", "cloned_from", "counts"]
        read_only_fields = ["status", "published_at"]


class CloneSerializer(serializers.Serializer[Any]):
    year = serializers.IntegerField(min_value=1900, max_value=2999, label=_("新年度"))
    name = serializers.CharField(max_length=200, required=False, label=_("名称"))


# `{category code: {dimension key: weight}}`: a map of maps, which no serializer class describes.
CATEGORY_GRID_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": {
        "type": "object",
        "additionalProperties": {"type": "number", "format": "double", "minimum": 0, "maximum": 1},
    },
    "example": {
        "management": {
            "performance": 0.25, "execution": 0.15, "wisdom": 0.15,
            "culture": 0.15, "team": 0.15, "belief": 0.15,
        }
    },
}  # fmt: skip
CATEGORY_GRID_RESPONSE = OpenApiResponse(CATEGORY_GRID_SCHEMA, description="人员类别 → 维度 → 权重")


def _category_grid_field() -> serializers.DictField:
    weight = serializers.FloatField(min_value=0.0, max_value=1.0)
    return serializers.DictField(child=serializers.DictField(child=weight), allow_empty=False)


@extend_schema(tags=["systems"])
class SystemViewSet(viewsets.ModelViewSet[IndicatorSystem]):
    """指标体系（每年一套）：草稿 → 已发布（冻结）→ 已归档。"""

    serializer_class = SystemSerializer
    filterset_class = SystemFilter
    permission_classes = [IsAdministratorOrReadOnly]
    pagination_class = Pagination
    lookup_field = "year"

    def get_queryset(self) -> QuerySet[IndicatorSystem]:
        return editing.systems_with_counts()

    def _shown(self, system: IndicatorSystem) -> IndicatorSystem:
        return self.get_queryset().get(pk=system.pk)

    def perform_create(self, serializer: serializers.BaseSerializer[IndicatorSystem]) -> None:
        data = serializer.validated_data
        serializer.instance = self._shown(editing.create_system(year=data["year"], name=data["name"]))

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        editing.require_draft(system=self.get_object())
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer: serializers.BaseSerializer[IndicatorSystem]) -> None:
        system = serializer.instance
        assert system is not None
        data = serializer.validated_data
        renamed = editing.rename_system(system=system, name=data.get("name", system.name), year=data.get("year"))
        serializer.instance = self._shown(renamed)

    def perform_destroy(self, instance: IndicatorSystem) -> None:
        editing.delete_system(system=instance)

    def _answer(self, system: IndicatorSystem, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self._shown(system)).data, status=code)

    @extend_schema(request=None, responses=SystemSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdministrator])
    def publish(self, request: Request, year: str | None = None) -> Response:
        """发布（冻结）体系：各组权重须合计为 1。"""
        return self._answer(systems.publish_system(system=self.get_object(), user=request.user))

    @extend_schema(request=None, responses=SystemSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdministrator])
    def archive(self, request: Request, year: str | None = None) -> Response:
        """归档已发布的体系。"""
        return self._answer(systems.archive_system(system=self.get_object()))

    @extend_schema(request=CloneSerializer, responses={201: SystemSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsAdministrator])
    def clone(self, request: Request, year: str | None = None) -> Response:
        """把体系复制为另一年度的草稿。"""
        source = self.get_object()
        body = CloneSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        clone = systems.clone_system(
            source=source, year=body.validated_data["year"], name=body.validated_data.get("name")
        )
        return self._answer(clone, status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=CATEGORY_GRID_RESPONSE)
    @extend_schema(
        methods=["PUT", "PATCH"], request={"application/json": CATEGORY_GRID_SCHEMA}, responses=CATEGORY_GRID_RESPONSE
    )
    @action(detail=True, methods=["get", "put", "patch"], url_path="category-weights", pagination_class=None)
    def category_weights(self, request: Request, year: str | None = None) -> Response:
        """类别权重表。PUT 替换整张表，PATCH 只改所给类别；每一类别的权重须合计为 1。"""
        system = self.get_object()
        if request.method == "GET":
            return Response(weights.category_weight_grid(system=system))
        editing.require_draft(system=system)
        grid = _category_grid_field().run_validation(request.data)
        written = weights.set_category_weights(system=system, grid=grid, replace=request.method == "PUT")
        return Response(written)


# ── the parts of a system ────────────────────────────────────────────────────────────────────────


class _PartSerializer(serializers.ModelSerializer[Any]):
    system = serializers.SlugRelatedField(slug_field="year", queryset=IndicatorSystem.objects.all(), label=_("年度"))

    def validate_system(self, system: IndicatorSystem) -> IndicatorSystem:
        # Raised, not collected: a frozen system answers 409 whatever else is wrong with the request.
        editing.require_draft(system=system)
        return system


class IndicatorSerializer(_PartSerializer):
    dimension = serializers.SlugRelatedField(slug_field="key", queryset=Dimension.objects.all(), label=_("维度"))
    dimension_name = serializers.CharField(source="dimension.name", read_only=True)
    source_label = serializers.CharField(source="get_source_display", read_only=True)
    unit = serializers.CharField(source="measure_unit", max_length=32, allow_blank=True, required=False)

    class Meta:
        model = Indicator
        fields = [
            "id", "system", "code", "dimension", "dimension_name", "name", "name_en", "weight",
            "source", "source_label", "unit", "floor", "target", "description", "order",
        ]  # fmt: skip


class CategoryWeightSerializer(_PartSerializer):
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=MemberCategory.objects.all(), label=_("人员类别")
    )
    category_name = serializers.CharField(source="category.name", read_only=True)
    dimension = serializers.SlugRelatedField(slug_field="key", queryset=Dimension.objects.all(), label=_("维度"))

    class Meta:
        model = CategoryWeight
        fields = ["id", "system", "category", "category_name", "dimension", "weight"]


class RaterWeightSerializer(_PartSerializer):
    role_label = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = RaterWeight
        fields = ["id", "system", "role", "role_label", "weight"]


class GradeSerializer(_PartSerializer):
    class Meta:
        model = Grade
        fields = ["id", "system", "label", "min_score", "max_share"]


class _PartViewSet(viewsets.ModelViewSet[Any]):
    permission_classes = [IsAdministratorOrReadOnly]
    pagination_class = Pagination
    part_model: type[SystemPart]

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        editing.require_draft(system=self.get_object().system)
        return super().update(request, *args, **kwargs)

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = editing.save_part(part=self.part_model(), changes=serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        part = serializer.instance
        assert part is not None
        serializer.instance = editing.save_part(part=part, changes=serializer.validated_data)

    def perform_destroy(self, instance: SystemPart) -> None:
        editing.delete_part(part=instance)


@extend_schema(tags=["indicators"])
class IndicatorViewSet(_PartViewSet):
    """指标：`system=2025` 选定年度。"""

    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilter
    part_model = Indicator
    queryset = Indicator.objects.select_related("system", "dimension")


@extend_schema(tags=["category-weights"])
class CategoryWeightViewSet(_PartViewSet):
    """类别权重（逐项）。整表写入用 `PUT systems/{year}/category-weights/`。"""

    serializer_class = CategoryWeightSerializer
    filterset_class = CategoryWeightFilter
    part_model = CategoryWeight
    queryset = CategoryWeight.objects.select_related("system", "category", "dimension")


@extend_schema(tags=["rater-weights"])
class RaterWeightViewSet(_PartViewSet):
    """评价主体权重。"""

    serializer_class = RaterWeightSerializer
    filterset_class = RaterWeightFilter
    part_model = RaterWeight
    queryset = RaterWeight.objects.select_related("system")


@extend_schema(tags=["grades"])
class GradeViewSet(_PartViewSet):
    """等级及最低分。"""

    serializer_class = GradeSerializer
    filterset_class = GradeFilter
    part_model = Grade
    queryset = Grade.objects.select_related("system")


# ── post targets ─────────────────────────────────────────────────────────────────────────────────


class PostTargetSerializer(serializers.ModelSerializer[PostTarget]):
    post = serializers.SlugRelatedField(slug_field="code", queryset=Post.objects.all(), label=_("岗位"))
    post_name = serializers.CharField(source="post.name", read_only=True)
    indicator = serializers.PrimaryKeyRelatedField(queryset=Indicator.objects.all(), label=_("指标 id"))
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)
    system = serializers.IntegerField(source="indicator.system.year", read_only=True)

    class Meta:
        model = PostTarget
        fields = ["id", "post", "post_name", "indicator", "indicator_code", "system", "period", "floor", "target"]


class CopyTargetsSerializer(serializers.Serializer[Any]):
    from_year = serializers.IntegerField(min_value=1900, max_value=2999, label=_("源年度"))
    to_year = serializers.IntegerField(min_value=1900, max_value=2999, label=_("复制到年度"))
    posts = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, label=_("只复制这些岗位（编码）")
    )


class CopiedTargetsSerializer(serializers.Serializer[Any]):
    from_year = serializers.IntegerField()
    to_year = serializers.IntegerField()
    created = serializers.IntegerField(help_text=_("新建的目标数；已有的目标不变"))


@extend_schema(tags=["post-targets"])
class PostTargetViewSet(viewsets.ModelViewSet[PostTarget]):
    """精品岗位的目标任务（数据，不随体系冻结）。"""

    serializer_class = PostTargetSerializer
    filterset_class = PostTargetFilter
    permission_classes = [IsAdministratorOrReadOnly]
    pagination_class = Pagination

    def get_queryset(self) -> QuerySet[PostTarget]:
        visible = posts_visible_to(self.request.user)
        return PostTarget.objects.filter(post__in=visible).select_related("post", "indicator__system")

    def perform_create(self, serializer: serializers.BaseSerializer[PostTarget]) -> None:
        serializer.instance = targets.save_post_target(changes=serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer[PostTarget]) -> None:
        serializer.instance = targets.save_post_target(target=serializer.instance, changes=serializer.validated_data)

    def perform_destroy(self, instance: PostTarget) -> None:
        targets.delete_post_target(target=instance)

    @extend_schema(request=CopyTargetsSerializer, responses=CopiedTargetsSerializer)
    @action(
        detail=False, methods=["post"], url_path="copy-forward", permission_classes=[IsAdministrator],
        filter_backends=[], pagination_class=None,
    )  # fmt: skip
    def copy_forward(self, request: Request) -> Response:
        """把一个年度的岗位目标复制到另一年度作为起点：期间顺延，指标按编码对应，已有的目标不变。"""
        body = CopyTargetsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        chosen = None
        if data.get("posts"):
            chosen = list(Post.objects.filter(code__in=data["posts"]))
            missing = sorted(set(data["posts"]) - {post.code for post in chosen})
            if missing:
                raise serializers.ValidationError(
                    {"posts": f"未知的岗位编码：{'、'.join(missing)} (unknown post codes)"}
                )
        created = measuring.copy_targets_forward(from_year=data["from_year"], to_year=data["to_year"], posts=chosen)
        return Response({"from_year": data["from_year"], "to_year": data["to_year"], "created": created})


# ── measurements ─────────────────────────────────────────────────────────────────────────────────


class _ReadThrough(serializers.CharField):
    """Written as a code; read through a function, since the model holds a key, not the code."""

    def __init__(self, *, read: Callable[[Measurement], str | None], **kwargs: Any) -> None:
        self.read = read
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> Any:
        return self.read(instance)


def _subject_code(measurement: Measurement) -> str:
    return measurement.member.employee_no if measurement.member else measurement.post.code  # type: ignore[union-attr]


def _subject_name(measurement: Measurement) -> str:
    return measurement.member.name if measurement.member else measurement.post.name  # type: ignore[union-attr]


def _subject_unit(measurement: Measurement) -> str:
    subject = measurement.member or measurement.post
    return subject.unit.code  # type: ignore[union-attr]


class MeasurementSerializer(serializers.Serializer[Measurement]):
    id = serializers.IntegerField(read_only=True)
    subject_kind = serializers.ChoiceField(
        choices=SubjectKind.choices, required=False, label=_("对象类型"),
        help_text=_("仅当同一编码既是工号又是岗位编码时必填 (needed only where a code is both)"),
    )  # fmt: skip
    subject = _ReadThrough(read=_subject_code, max_length=64, label=_("工号或岗位编码"))
    subject_name = _ReadThrough(read=_subject_name, read_only=True, label=_("对象名称"))
    unit = _ReadThrough(read=_subject_unit, read_only=True, label=_("所在组织"))
    indicator = _ReadThrough(read=lambda m: m.indicator.code, max_length=64, label=_("实绩指标编码"))
    indicator_name = _ReadThrough(read=lambda m: m.indicator.name, read_only=True, label=_("指标名称"))
    system = serializers.IntegerField(source="indicator.system.year", read_only=True, label=_("指标体系年度"))
    period = serializers.CharField(max_length=7, label=_("期间"))
    value = serializers.FloatField(label=_("数值"))
    entered_by = _ReadThrough(
        read=lambda m: m.entered_by.get_username() if m.entered_by else None,
        read_only=True, allow_null=True, label=_("录入人"),
    )  # fmt: skip
    entered_at = serializers.DateTimeField(read_only=True, label=_("录入时间"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """From codes to rows; on a partial update what is not sent stays as stored."""
        stored = self.instance
        subject = attrs.get("subject", _subject_code(stored) if stored else None)
        kind = attrs.get("subject_kind", stored.subject_kind if stored and "subject" not in attrs else None)
        indicator_code = attrs.get("indicator", stored.indicator.code if stored else None)
        period_text = attrs.get("period", stored.period if stored else None)
        errors: dict[str, str] = {}
        found: dict[str, Any] = {}
        try:
            found["subject"] = measuring.resolve_subject(code=str(subject), kind=kind)
        except DomainError as exc:
            errors["subject"] = exc.message
        try:
            period = measuring.parse_period(period_text)
        except DomainError as exc:
            errors["period"] = exc.message
        else:
            found["period"] = period.code
            if not IndicatorSystem.objects.filter(year=period.year).exists():
                errors["period"] = measuring.no_system_message(period.year)
            else:
                try:
                    found["indicator"] = measuring.kpi_indicator(code=str(indicator_code), period=period)
                except DomainError as exc:
                    errors["indicator"] = exc.message
        if errors:
            raise serializers.ValidationError(errors)
        target = found.pop("subject")
        return {
            **found,
            "member": target if isinstance(target, Member) else None,
            "post": target if isinstance(target, Post) else None,
            "value": attrs.get("value", stored.value if stored else None),
        }


class MeasurementFilter(django_filters.FilterSet):
    period = django_filters.CharFilter(method="filter_period", label=_("期间"), validators=[validate_period_code])
    indicator = django_filters.CharFilter(field_name="indicator__code", label=_("指标编码"))
    system = django_filters.NumberFilter(field_name="indicator__system__year", label=_("指标体系年度"))
    subject_kind = django_filters.ChoiceFilter(
        choices=SubjectKind.choices, method="filter_subject_kind", label=_("对象类型")
    )
    subject = django_filters.CharFilter(method="filter_subject", label=_("工号或岗位编码"))
    unit = django_filters.CharFilter(method="filter_unit", label=_("组织编码（含下级组织）"))

    class Meta:
        model = Measurement
        fields = ["period", "indicator", "system", "subject_kind", "subject", "unit"]

    def filter_period(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(period=normalise_period_code(value))

    def filter_subject_kind(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(**{"member__isnull" if value == SubjectKind.MEMBER else "post__isnull": False})

    def filter_subject(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(Q(member__employee_no=value) | Q(post__code=value))

    def filter_unit(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        unit = unit_in_scope(user=getattr(self.request, "user", None), code=value)
        return queryset.filter(
            subtree_q([unit.path], field="member__unit__path") | subtree_q([unit.path], field="post__unit__path")
        )


@extend_schema(tags=["measurements"])
class MeasurementViewSet(viewsets.ModelViewSet[Measurement]):
    """实绩（客观指标数值）：党员或岗位在某期间的实绩指标数值。POST 时若同一对象、指标和期间已有数值，则更新该数值。"""

    serializer_class = MeasurementSerializer
    filterset_class = MeasurementFilter
    permission_classes = [IsAdministratorOrReadOnly]
    pagination_class = Pagination

    def get_queryset(self) -> QuerySet[Measurement]:
        return (
            measuring.measurements_visible_to(self.request.user)
            .select_related("member__unit", "post__unit")
            .order_by("period", "indicator__code", "member__employee_no", "post__code", "pk")
        )

    def perform_create(self, serializer: serializers.BaseSerializer[Measurement]) -> None:
        serializer.instance = measuring.save_measurement(**serializer.validated_data, user=self.request.user)

    def perform_update(self, serializer: serializers.BaseSerializer[Measurement]) -> None:
        serializer.instance = measuring.save_measurement(
            measurement=serializer.instance, **serializer.validated_data, user=self.request.user
        )

    def perform_destroy(self, instance: Measurement) -> None:
        measuring.delete_measurement(measurement=instance)


def register(router: DefaultRouter) -> None:
    router.register("systems", SystemViewSet, basename="system")
    router.register("indicators", IndicatorViewSet, basename="indicator")
    router.register("category-weights", CategoryWeightViewSet, basename="category-weight")
    router.register("rater-weights", RaterWeightViewSet, basename="rater-weight")
    router.register("grades", GradeViewSet, basename="grade")
    router.register("post-targets", PostTargetViewSet, basename="post-target")
    router.register("measurements", MeasurementViewSet, basename="measurement")
    register_ahp(router)
