"""Entropy weights API (administrators only): a period's suggestion per dimension, and applying one
dimension's suggestion to a draft system.

`GET entropy-weights/?period=2025[&system=2026]` answers, per dimension of the system (by default the
one the period was scored with), each indicator's current weight, entropy and suggested weight.
`POST entropy-weights/apply/` writes one dimension into a draft and answers the record (201); a
frozen system answers 409.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from common.errors import DomainError
from indicators.models import Dimension, EntropyWeighting, IndicatorSystem
from indicators.periods import Period
from indicators.services.editing import require_draft
from org.permissions import IsAdministrator
from reports.selectors.scores import current_run
from reports.services.entropy import EntropySuggestion, apply_entropy_weights, entropy_suggestions


def _period(value: str) -> str:
    try:
        return Period.parse(value).code
    except ValueError as exc:
        raise serializers.ValidationError(str(exc)) from None


def _system(year: int) -> IndicatorSystem:
    system = IndicatorSystem.objects.filter(year=year).first()
    if system is None:
        raise serializers.ValidationError(f"{year} 年没有指标体系 (no system for that year)")
    return system


class EntropyQuerySerializer(serializers.Serializer[Any]):
    period = serializers.CharField(
        label=_("期间"),
        help_text=_("已有正式成绩的期间：2025、2025-H1 或 2025-Q2"),
        error_messages={"required": _("请指定期间，例如 ?period=2025 (period is required)")},
    )
    system = serializers.IntegerField(
        required=False, label=_("指标体系年度"), help_text=_("对照的体系；省略时为该期间计分所用的体系")
    )

    def validate_period(self, value: str) -> str:
        return _period(value)

    def validate_system(self, year: int) -> IndicatorSystem:
        return _system(year)


class EntropyApplySerializer(serializers.Serializer[Any]):
    period = serializers.CharField(label=_("期间"))
    system = serializers.IntegerField(label=_("草稿体系年度"))
    dimension = serializers.CharField(label=_("维度"))

    def validate_period(self, value: str) -> str:
        return _period(value)

    def validate_system(self, year: int) -> IndicatorSystem:
        system = _system(year)
        require_draft(system=system)  # raised, not collected: a frozen system answers 409
        return system

    def validate_dimension(self, key: str) -> Dimension:
        dimension = Dimension.objects.filter(key=key).first()
        if dimension is None:
            raise serializers.ValidationError(f"未知的维度：{key} (unknown dimension)")
        return dimension


class EntropyIndicatorSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    current = serializers.FloatField(label=_("当前权重"))
    scored = serializers.IntegerField(label=_("有得分的党员数"))
    entropy = serializers.FloatField(allow_null=True, label=_("熵值"))
    suggested = serializers.FloatField(allow_null=True, label=_("建议权重"))


class EntropyDimensionSerializer(serializers.Serializer[Any]):
    dimension = serializers.CharField(source="dimension.key")
    dimension_name = serializers.CharField(source="dimension.name")
    members = serializers.IntegerField(label=_("有得分的党员数"))
    applicable = serializers.BooleanField(label=_("可应用"))
    problem = serializers.CharField(allow_null=True, label=_("不能应用的原因"))
    indicators = EntropyIndicatorSerializer(many=True)


class EntropySuggestionSerializer(serializers.Serializer[EntropySuggestion]):
    period = serializers.CharField()
    score_run = serializers.IntegerField(source="run.pk", label=_("计分批次"))
    scored_with = serializers.IntegerField(source="run.system.year", label=_("计分所用体系"))
    system = serializers.IntegerField(source="system.year", label=_("对照体系"))
    dimensions = EntropyDimensionSerializer(many=True)


class EntropyWeightingSerializer(serializers.ModelSerializer[EntropyWeighting]):
    system = serializers.IntegerField(source="system.year", read_only=True)
    dimension = serializers.CharField(source="dimension.key", read_only=True)
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = EntropyWeighting
        fields = [
            "id", "system", "dimension", "period", "score_run", "members", "items", "labels", "entropies",
            "previous_weights", "weights", "created_by", "created_at",
        ]  # fmt: skip

    def get_created_by(self, record: EntropyWeighting) -> str | None:
        return record.created_by.get_username() if record.created_by else None


@extend_schema(tags=["weighting"])
class EntropyWeightsViewSet(viewsets.ViewSet):
    """熵权法：按某期间正式成绩中各指标得分计算的建议权重。"""

    permission_classes = [IsAdministrator]

    @extend_schema(parameters=[EntropyQuerySerializer], responses=EntropySuggestionSerializer)
    def list(self, request: Request) -> Response:
        """每个维度：当前权重、熵值与建议权重。"""
        query = EntropyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        period = query.validated_data["period"]
        system = query.validated_data.get("system")
        if system is None:
            run = current_run(period=period)
            if run is None:
                raise DomainError(f"{period} 期间还没有正式成绩 (the period {period} has no official scores)")
            system = run.system
        return Response(EntropySuggestionSerializer(entropy_suggestions(period=period, system=system)).data)

    @extend_schema(request=EntropyApplySerializer, responses={201: EntropyWeightingSerializer})
    @action(detail=False, methods=["post"])
    def apply(self, request: Request) -> Response:
        """把一个维度的建议权重写入草稿体系，并记录来源。"""
        body = EntropyApplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        record = apply_entropy_weights(**body.validated_data, user=request.user)
        return Response(EntropyWeightingSerializer(record).data, status=status.HTTP_201_CREATED)


def register(router: DefaultRouter) -> None:
    router.register("entropy-weights", EntropyWeightsViewSet, basename="entropy-weights")
