"""`posts/scores/` and `posts/comparisons/` (FORMATS.md): model posts' scores and three-axis comparison.

Scope as everywhere: an administrator sees every post, a secretary the posts of his units' subtrees
(as scored), a member the model posts he holds; `unit=` outside that scope is a 404. The org app's
`posts/<code>/` keeps its own route: its lookup refuses these two names.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from common.pagination import Pagination
from reports.api_comparisons import ValueSerializer
from reports.comparison import DEFAULT_TREND_THRESHOLD
from reports.models import PostScore
from reports.services.post_comparisons import post_comparisons, post_scores


class PostQuerySerializer(serializers.Serializer[Any]):
    period = serializers.CharField(
        help_text="期间 (period): 2025, 2025-H1, 2025-Q2",
        error_messages={"required": "请指定期间，例如 ?period=2025-Q2 (period is required)"},
    )
    unit = serializers.CharField(required=False, help_text="组织编码，含下级 (unit code, with its subtree)")


class PostComparisonQuerySerializer(PostQuerySerializer):
    threshold = serializers.FloatField(
        required=False, min_value=0.0, default=DEFAULT_TREND_THRESHOLD, help_text="持平阈值 (flat below this change)"
    )


class PostIndicatorSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField(help_text="计量单位 (measurement unit)")
    value = serializers.FloatField(allow_null=True, help_text="实绩 (actual)")
    floor = serializers.FloatField(allow_null=True, help_text="底线值：岗位本期目标任务，未设定时取指标的")
    target = serializers.FloatField(allow_null=True, help_text="目标值：岗位本期目标任务，未设定时取指标的")
    completion = serializers.FloatField(
        allow_null=True, help_text="完成率 = 实绩 / 目标值 (ratio; null when target is 0)"
    )
    score = serializers.FloatField(allow_null=True, help_text="得分 0–100 (rule 2)")
    weight = serializers.FloatField(help_text="在岗位得分中的权重 (share of the post score; 0 when not scored)")


class PostScoreSerializer(serializers.Serializer[Any]):
    post = serializers.CharField(help_text="岗位编码 (post code)")
    name = serializers.CharField()
    unit = serializers.CharField(help_text="所在组织编码（计分时）(unit code as scored)")
    unit_name = serializers.CharField()
    period = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    indicators = PostIndicatorSerializer(many=True)


class PostIndicatorComparisonSerializer(PostIndicatorSerializer):
    previous_stage = ValueSerializer(help_text="与上一阶段比 (against the previous stage)")
    same_period_last_year = ValueSerializer(help_text="与去年同期比 (against the same stage last year)")
    last_year = ValueSerializer(help_text="与去年全年比 (against last year's annual figure)")


class PostSeriesSerializer(serializers.Serializer[Any]):
    periods_now = serializers.ListField(child=serializers.CharField())
    now = serializers.ListField(child=serializers.FloatField(allow_null=True))
    periods_before = serializers.ListField(child=serializers.CharField())
    before = serializers.ListField(child=serializers.FloatField(allow_null=True))


class PostComparisonSerializer(serializers.Serializer[Any]):
    post = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    unit_name = serializers.CharField()
    period = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    previous_stage = ValueSerializer()
    same_period_last_year = ValueSerializer()
    last_year = ValueSerializer()
    series = PostSeriesSerializer(help_text="本年与上年各季度岗位得分 (quarterly scores, this year and last)")
    indicators = PostIndicatorComparisonSerializer(many=True)


def _query(request: Request, serializer: type[PostQuerySerializer]) -> dict[str, Any]:
    query = serializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


def _page(view: viewsets.GenericViewSet[Any], rows: list[dict[str, Any]]) -> Response:
    page = view.paginate_queryset(rows)  # type: ignore[arg-type]
    return view.get_paginated_response(page if page is not None else rows)


@extend_schema(tags=["posts"], parameters=[PostQuerySerializer], responses=PostScoreSerializer(many=True))
class PostScoreViewSet(viewsets.GenericViewSet[Any]):
    """精品岗位得分：某期间每个精品岗位的得分及各指标的实绩、目标、完成率和得分。"""

    pagination_class = Pagination
    serializer_class = PostScoreSerializer
    queryset = PostScore.objects.none()  # only for the schema: rows come from the post scores service

    def list(self, request: Request) -> Response:
        query = _query(request, PostQuerySerializer)
        return _page(self, post_scores(user=request.user, period=query["period"], unit_code=query.get("unit")))


@extend_schema(
    tags=["posts"], parameters=[PostComparisonQuerySerializer], responses=PostComparisonSerializer(many=True)
)
class PostComparisonViewSet(viewsets.GenericViewSet[Any]):
    """精品岗位三向对比：与上一阶段、去年同期、去年全年比较岗位得分和各指标得分，并给出本年与上年的季度序列。"""

    pagination_class = Pagination
    serializer_class = PostComparisonSerializer
    queryset = PostScore.objects.none()  # only for the schema: rows come from the comparison service

    def list(self, request: Request) -> Response:
        query = _query(request, PostComparisonQuerySerializer)
        rows = post_comparisons(
            user=request.user, period=query["period"], unit_code=query.get("unit"), threshold=query["threshold"]
        )
        return _page(self, rows)


def register(router: DefaultRouter) -> None:
    router.register("posts/scores", PostScoreViewSet, basename="post-score")
    router.register("posts/comparisons", PostComparisonViewSet, basename="post-comparison")
