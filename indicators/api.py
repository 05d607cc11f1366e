"""The indicator-system API: systems (publish, clone, archive, the category weight grid), their
indicators, weights and grades, and post targets.

The indicator system is not secret: every signed-in user reads it; administrators write. Post
targets are read in the scope of the posts one may see. A frozen system answers every write with
409 (`FrozenSystemError`), before anything else is checked.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from common.pagination import Pagination
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
    PostTarget,
    RaterWeight,
    SystemPart,
)
from indicators.services import editing, systems, targets, weights
from org.models import MemberCategory, Post
from org.permissions import IsAdministrator, IsAdministratorOrReadOnly
from org.scope import posts_visible_to

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


def register(router: DefaultRouter) -> None:
    router.register("systems", SystemViewSet, basename="system")
    router.register("indicators", IndicatorViewSet, basename="indicator")
    router.register("category-weights", CategoryWeightViewSet, basename="category-weight")
    router.register("rater-weights", RaterWeightViewSet, basename="rater-weight")
    router.register("grades", GradeViewSet, basename="grade")
    router.register("post-targets", PostTargetViewSet, basename="post-target")
