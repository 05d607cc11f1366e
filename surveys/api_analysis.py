"""`GET /api/v1/questionnaires/<code>/analysis/?period=P[&unit=][&category=]`: the empirical analysis
of a questionnaire (DESIGN.md "Empirical analysis"), the same figures as the page and the workbook.

Administrators only. To anyone else the analysis does not exist (404), as everything outside one's
scope: it describes answers about every member, which no secretary or member may read.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from common.errors import DomainError, NotInScope
from org.scope import is_administrator
from surveys.services.analysis import analyze_questionnaire, result_as_json

FLAG_HELP = "alpha_low 信度偏低、item_total_low 区分度低、ceiling 天花板效应、missing 缺失偏多"


class DistributionSerializer(serializers.Serializer[Any]):
    points = serializers.ListField(child=serializers.IntegerField(), help_text="量表分值 (scale points, keyed)")
    counts = serializers.ListField(child=serializers.IntegerField())
    shares = serializers.ListField(child=serializers.FloatField(allow_null=True))


class AnalysisItemSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    text = serializers.CharField()
    text_en = serializers.CharField(allow_blank=True)
    type = serializers.CharField(help_text="likert 量表、choice 单选、number 数值")
    indicator = serializers.CharField(allow_null=True)
    dimension = serializers.CharField(allow_null=True)
    lo = serializers.FloatField()
    hi = serializers.FloatField()
    reverse = serializers.BooleanField()
    n = serializers.IntegerField(help_text="作答数 (answers)")
    missing_share = serializers.FloatField(allow_null=True, help_text="1 − n / 答卷数")
    mean = serializers.FloatField(allow_null=True, help_text="反向题已换算 (reverse keys applied)")
    sd = serializers.FloatField(allow_null=True, help_text="样本标准差 ddof = 1")
    ceiling_share = serializers.FloatField(allow_null=True)
    floor_share = serializers.FloatField(allow_null=True)
    item_total = serializers.FloatField(allow_null=True, help_text="校正题总相关 (corrected item-total r)")
    alpha_if_deleted = serializers.FloatField(allow_null=True)
    flags = serializers.ListField(child=serializers.CharField(), help_text=FLAG_HELP)
    distribution = DistributionSerializer(allow_null=True, help_text="量表题和单选题 (likert and choice only)")


class AnalysisDimensionSerializer(serializers.Serializer[Any]):
    dimension = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    items = serializers.IntegerField()
    n_complete = serializers.IntegerField(help_text="答完本维度全部题目的答卷数 (listwise sample)")
    alpha = serializers.FloatField(allow_null=True, help_text="Cronbach's α")
    flags = serializers.ListField(child=serializers.CharField(), help_text=FLAG_HELP)


class CorrelationsSerializer(serializers.Serializer[Any]):
    dimensions = serializers.ListField(child=serializers.CharField())
    matrix = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(allow_null=True)),
        help_text="Pearson r，行列顺序同 dimensions",
    )


class UnitRateSerializer(serializers.Serializer[Any]):
    unit = serializers.CharField()
    unit_name = serializers.CharField()
    assigned = serializers.IntegerField()
    submitted = serializers.IntegerField()
    draft = serializers.IntegerField()
    pending = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="submitted / assigned")
    masses_forms = serializers.IntegerField(help_text="群众评议答卷 (anonymous forms, no assignment)")
    responses = serializers.IntegerField(help_text="纳入分析的答卷 (submitted responses analysed)")


class RateTotalSerializer(serializers.Serializer[Any]):
    assigned = serializers.IntegerField()
    submitted = serializers.IntegerField()
    draft = serializers.IntegerField()
    pending = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)
    masses_forms = serializers.IntegerField()
    responses = serializers.IntegerField()


class ResponseRatesSerializer(serializers.Serializer[Any]):
    units = UnitRateSerializer(many=True, help_text="按被评价人所在党支部 (per branch of the members rated)")
    total = RateTotalSerializer()


class FlagSerializer(serializers.Serializer[Any]):
    level = serializers.CharField(help_text="dimension 或 item")
    dimension = serializers.CharField(allow_null=True)
    code = serializers.CharField(help_text="维度键或题目编码 (dimension key or question code)")
    flag = serializers.CharField(help_text=FLAG_HELP)
    value = serializers.FloatField()
    threshold = serializers.FloatField()


class AnalysisSerializer(serializers.Serializer[Any]):
    questionnaire = serializers.CharField()
    title = serializers.CharField()
    period = serializers.CharField()
    unit = serializers.CharField(allow_null=True)
    category = serializers.CharField(allow_null=True)
    respondents = serializers.IntegerField(help_text="纳入分析的已提交答卷数 (submitted responses)")
    thresholds = serializers.DictField(child=serializers.FloatField())
    items = AnalysisItemSerializer(many=True)
    dimensions = AnalysisDimensionSerializer(many=True)
    correlations = CorrelationsSerializer()
    response_rates = ResponseRatesSerializer()
    flags = FlagSerializer(many=True)


@extend_schema(tags=["questionnaires"])
class QuestionnaireAnalysisViewSet(viewsets.GenericViewSet[Any]):
    """问卷实证分析（仅管理员）。"""

    permission_classes = [IsAuthenticated]
    serializer_class = AnalysisSerializer
    filter_backends: list[Any] = []
    pagination_class = None

    @extend_schema(
        parameters=[
            OpenApiParameter("period", str, required=True, description="期间，须与问卷的期间一致 (the period)"),
            OpenApiParameter("unit", str, description="组织编码，含下级组织；按被评价人筛选 (subjects' unit)"),
            OpenApiParameter("category", str, description="人员类别编码；按被评价人筛选 (subjects' category)"),
        ],
        responses={
            200: AnalysisSerializer,
            400: OpenApiResponse(description="期间不符、没有已提交的答卷等 (nothing to analyse)"),
            404: OpenApiResponse(description="问卷或组织不存在，或调用者不是管理员 (not found)"),
        },
    )
    def list(self, request: Request, questionnaire_code: str) -> Response:
        """各维度信度（Cronbach's α）、题目统计（均值、标准差、缺失、分布、天花板和地板比例、校正题总相关、
        删除该题后的 α）、维度相关矩阵、回收率和标记。"""
        if not is_administrator(request.user):
            raise NotInScope("只有管理员可以查看问卷分析 (administrators only)")
        period = (request.query_params.get("period") or "").strip()
        if not period:
            raise DomainError("请指定期间 period，例如 ?period=2025 (the period is required)")
        result = analyze_questionnaire(
            code=questionnaire_code,
            period=period,
            unit_code=(request.query_params.get("unit") or "").strip() or None,
            category=(request.query_params.get("category") or "").strip() or None,
        )
        return Response(AnalysisSerializer(result_as_json(result)).data)
