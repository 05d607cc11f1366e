"""`comparisons/` and `branches/comparisons/` (FORMATS.md): a period against its baseline, in scope."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from common.pagination import Pagination
from reports.comparison import DEFAULT_TREND_THRESHOLD
from reports.models import ScoreCard
from reports.scoring.types import DIMENSIONS
from reports.services.comparisons import branch_comparisons, member_comparisons


class ComparisonQuerySerializer(serializers.Serializer[Any]):
    period = serializers.CharField(help_text="期间 (period): 2025, 2025-H1, 2025-Q2")
    baseline = serializers.CharField(
        required=False, help_text="基期，默认去年同期 (baseline; default same period last year)"
    )
    unit = serializers.CharField(required=False, help_text="组织编码，含下级 (unit code, with its subtree)")
    threshold = serializers.FloatField(
        required=False, min_value=0.0, default=DEFAULT_TREND_THRESHOLD, help_text="持平阈值 (flat below this change)"
    )


class ValueSerializer(serializers.Serializer[Any]):
    now = serializers.FloatField(allow_null=True)
    before = serializers.FloatField(allow_null=True)
    delta = serializers.FloatField(allow_null=True)
    pct = serializers.FloatField(allow_null=True)
    trend = serializers.ChoiceField(choices=["up", "down", "flat"], allow_null=True)


class MeansSerializer(serializers.Serializer[Any]):
    now = serializers.FloatField(allow_null=True)
    before = serializers.FloatField(allow_null=True)
    delta = serializers.FloatField(allow_null=True)


def _dimensions_of(field: type[serializers.Serializer[Any]], name: str) -> type[serializers.Serializer[Any]]:
    return type(name, (serializers.Serializer,), {key: field() for key in DIMENSIONS})


class MemberComparisonSerializer(serializers.Serializer[Any]):
    employee_no = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    status = serializers.ChoiceField(choices=["both", "new", "left"])
    period = serializers.CharField()
    baseline = serializers.CharField()
    total = ValueSerializer()
    dimensions = _dimensions_of(ValueSerializer, "DimensionComparisons")()


class BranchComparisonSerializer(serializers.Serializer[Any]):
    unit = serializers.CharField()
    unit_name = serializers.CharField()
    period = serializers.CharField()
    baseline = serializers.CharField()
    members_now = serializers.IntegerField()
    members_before = serializers.IntegerField()
    members_both = serializers.IntegerField()
    up = serializers.IntegerField()
    flat = serializers.IntegerField()
    down = serializers.IntegerField()
    total = MeansSerializer()
    dimensions = _dimensions_of(MeansSerializer, "DimensionMeans")()
    paired_t_p = serializers.FloatField(allow_null=True)
    wilcoxon_p = serializers.FloatField(allow_null=True)


def _query(request: Request) -> dict[str, Any]:
    query = ComparisonQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    return {
        "period": data["period"],
        "baseline": data.get("baseline"),
        "unit_code": data.get("unit"),
        "threshold": data["threshold"],
    }


def _page(view: viewsets.GenericViewSet[Any], request: Request, rows: list[dict[str, Any]]) -> Response:
    page = view.paginate_queryset(rows)  # type: ignore[arg-type]
    return view.get_paginated_response(page if page is not None else rows)


@extend_schema(
    tags=["comparisons"], parameters=[ComparisonQuerySerializer], responses=MemberComparisonSerializer(many=True)
)
class MemberComparisonViewSet(viewsets.GenericViewSet[Any]):
    """Each member against the baseline: now, before, delta, pct and trend per dimension and total."""

    pagination_class = Pagination
    serializer_class = MemberComparisonSerializer
    queryset = ScoreCard.objects.none()  # only for the schema: rows come from the comparison service

    def list(self, request: Request) -> Response:
        return _page(self, request, member_comparisons(user=request.user, **_query(request)))


@extend_schema(
    tags=["comparisons"], parameters=[ComparisonQuerySerializer], responses=BranchComparisonSerializer(many=True)
)
class BranchComparisonViewSet(viewsets.GenericViewSet[Any]):
    """Each branch and unit above it: means now and before, members up/flat/down, paired tests."""

    pagination_class = Pagination
    serializer_class = BranchComparisonSerializer
    queryset = ScoreCard.objects.none()  # only for the schema: rows come from the comparison service

    def list(self, request: Request) -> Response:
        return _page(self, request, branch_comparisons(user=request.user, **_query(request)))


def register(router: DefaultRouter) -> None:
    router.register("comparisons", MemberComparisonViewSet, basename="comparison")
    router.register("branches/comparisons", BranchComparisonViewSet, basename="branch-comparison")
