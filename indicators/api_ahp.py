"""The AHP API (administrators only): compute a matrix, apply it to a draft system, read the judgements.

`POST ahp-judgements/preview/` computes (nothing is written); `POST ahp-judgements/` applies and
answers the saved judgement (201), or 400 with the computed result where CR ≥ 0.1 and `force` is not
set; `GET ahp-judgements/?system=2026` lists a system's judgements, newest first. A frozen system
answers 409 before anything else is checked.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from common.pagination import Pagination
from indicators.models import AhpJudgement, Dimension, IndicatorSystem
from indicators.services.ahp import AhpPreview, InconsistentJudgementsError, apply_ahp, preview_ahp
from indicators.services.editing import require_draft
from org.models import MemberCategory
from org.permissions import IsAdministrator


@extend_schema_field({"oneOf": [{"type": "number"}, {"type": "string", "example": "1/3"}]})
class JudgementField(serializers.Field):  # type: ignore[type-arg]
    """A judgement as a number (3, 0.2) or as written on the scale ("3", "1/5"); the service checks it."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int | float | str):
            raise serializers.ValidationError(_('判断须是数字或分数，例如 3 或 "1/3"'))
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class AhpRequestSerializer(serializers.Serializer[Any]):
    system = serializers.IntegerField(label=_("指标体系年度"))
    category = serializers.CharField(
        required=False, label=_("人员类别"), help_text=_("人员类别编码：比较其六个维度（与 dimension 二选一）")
    )
    dimension = serializers.CharField(
        required=False, label=_("维度"), help_text=_("维度键：比较其中的指标（与 category 二选一）")
    )
    items = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        label=_("比较项"),
        help_text=_("矩阵各行对应的维度键或指标编码；省略时按体系中的顺序"),
    )
    matrix = serializers.ListField(
        child=serializers.ListField(child=JudgementField()),
        label=_("判断矩阵"),
        help_text=_("n×n 互反矩阵，a[i][j] 为第 i 项相对第 j 项的重要程度（1/9–9）"),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, str] = {}
        system = IndicatorSystem.objects.filter(year=attrs["system"]).first()
        if system is None:
            errors["system"] = f"{attrs['system']} 年没有指标体系 (no system for that year)"
        if ("category" in attrs) == ("dimension" in attrs):
            errors["category"] = "请给出 category 或 dimension 之一 (give either category or dimension)"
        category = dimension = None
        if "category" in attrs:
            category = MemberCategory.objects.filter(code=attrs["category"]).first()
            if category is None:
                errors["category"] = f"未知的人员类别：{attrs['category']} (unknown category)"
        if "dimension" in attrs:
            dimension = Dimension.objects.filter(key=attrs["dimension"]).first()
            if dimension is None:
                errors["dimension"] = f"未知的维度：{attrs['dimension']} (unknown dimension)"
        if errors:
            raise serializers.ValidationError(errors)
        return {**attrs, "system": system, "category": category, "dimension": dimension}


class AhpApplySerializer(AhpRequestSerializer):
    force = serializers.BooleanField(default=False, label=_("强制应用"), help_text=_("CR ≥ 0.1 时仍写入"))

    def validate_system(self, year: int) -> int:
        system = IndicatorSystem.objects.filter(year=year).first()
        if system is not None:
            require_draft(system=system)  # raised, not collected: a frozen system answers 409
        return year


class InconsistentPairSerializer(serializers.Serializer[Any]):
    row = serializers.CharField(label=_("行"))
    column = serializers.CharField(label=_("列"))
    judgement = serializers.FloatField(label=_("所填"))
    implied = serializers.FloatField(label=_("其他判断推得"))
    suggested = serializers.CharField(label=_("建议"))
    cr_if_suggested = serializers.FloatField(label=_("改后 CR"))


class AhpResultSerializer(serializers.Serializer[AhpPreview]):
    system = serializers.IntegerField(source="scope.system.year")
    category = serializers.CharField(source="scope.category.code", allow_null=True, default=None)
    dimension = serializers.CharField(source="scope.dimension.key", allow_null=True, default=None)
    items = serializers.ListField(child=serializers.CharField(), source="scope.items")
    labels = serializers.ListField(child=serializers.CharField(), source="scope.labels")
    current = serializers.ListField(
        child=serializers.FloatField(allow_null=True), source="scope.current", label=_("当前权重")
    )
    weights = serializers.ListField(
        child=serializers.FloatField(), label=_("权重"), help_text=_("应用时写入的值：四位小数，合计为 1")
    )
    exact_weights = serializers.ListField(child=serializers.FloatField(), source="result.weights")
    lambda_max = serializers.FloatField(source="result.lambda_max")
    ci = serializers.FloatField(source="result.ci")
    ri = serializers.FloatField(source="result.ri")
    cr = serializers.FloatField(source="result.cr")
    consistent = serializers.BooleanField(help_text=_("CR < 0.1"))
    explanation = serializers.CharField(allow_null=True)
    inconsistent = serializers.SerializerMethodField(label=_("最不一致的判断"))

    @extend_schema_field(InconsistentPairSerializer(many=True))
    def get_inconsistent(self, preview: AhpPreview) -> list[dict[str, Any]]:
        if preview.consistent:
            return []
        labels = preview.scope.items
        return [
            {
                "row": labels[p.row],
                "column": labels[p.column],
                "judgement": p.judgement,
                "implied": p.implied,
                "suggested": p.suggested,
                "cr_if_suggested": p.cr_if_suggested,
            }
            for p in preview.result.most_inconsistent
        ]


class AhpRefusalSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    result = AhpResultSerializer()


class AhpJudgementSerializer(serializers.ModelSerializer[AhpJudgement]):
    system = serializers.IntegerField(source="system.year", read_only=True)
    category = serializers.CharField(source="category.code", read_only=True, allow_null=True, default=None)
    dimension = serializers.CharField(source="dimension.key", read_only=True, allow_null=True, default=None)
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = AhpJudgement
        fields = [
            "id", "system", "category", "dimension", "items", "labels", "matrix", "weights",
            "lambda_max", "ci", "cr", "forced", "created_by", "created_at",
        ]  # fmt: skip

    def get_created_by(self, judgement: AhpJudgement) -> str | None:
        return judgement.created_by.get_username() if judgement.created_by else None


class AhpJudgementFilter(django_filters.FilterSet):
    system = django_filters.NumberFilter(field_name="system__year", label=_("指标体系年度"))
    category = django_filters.CharFilter(field_name="category__code", label=_("人员类别"))
    dimension = django_filters.CharFilter(field_name="dimension__key", label=_("维度"))

    class Meta:
        model = AhpJudgement
        fields = ["system", "category", "dimension"]


def _scope_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "system": data["system"],
        "category": data["category"],
        "dimension": data["dimension"],
        "matrix": data["matrix"],
        "items": data.get("items"),
    }


@extend_schema(tags=["weighting"])
class AhpJudgementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[AhpJudgement]):
    """层次分析法（AHP）：判断矩阵 → 权重、λmax、CI、CR；应用到草稿体系并保存判断。"""

    serializer_class = AhpJudgementSerializer
    filterset_class = AhpJudgementFilter
    permission_classes = [IsAdministrator]
    pagination_class = Pagination

    def get_queryset(self) -> QuerySet[AhpJudgement]:
        return AhpJudgement.objects.select_related("system", "category", "dimension", "created_by").order_by(
            "-created_at", "-pk"
        )

    @extend_schema(
        request=AhpApplySerializer,
        responses={
            201: AhpJudgementSerializer,
            400: OpenApiResponse(AhpRefusalSerializer, description=_("CR ≥ 0.1 且未强制，或输入有误")),
        },
    )
    def create(self, request: Request) -> Response:
        """应用：把权重写入草稿体系并保存本次判断。CR ≥ 0.1 时须 `force: true`。"""
        body = AhpApplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            judgement = apply_ahp(
                **_scope_kwargs(body.validated_data), force=body.validated_data["force"], user=request.user
            )
        except InconsistentJudgementsError as exc:
            return Response(
                {"detail": exc.message, "result": AhpResultSerializer(exc.preview).data},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(AhpJudgementSerializer(judgement).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AhpRequestSerializer, responses=AhpResultSerializer)
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def preview(self, request: Request) -> Response:
        """计算（不写入）：权重、λmax、CI、CR，CR ≥ 0.1 时给出最不一致的判断和建议值。"""
        body = AhpRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(AhpResultSerializer(preview_ahp(**_scope_kwargs(body.validated_data))).data)


def register(router: DefaultRouter) -> None:
    router.register("ahp-judgements", AhpJudgementViewSet, basename="ahp-judgement")
