"""`commendations/` (表彰): the years' lists, proposing under rules, approving, and the workbook.

Administrators only; for anybody else signed in every route is a 404, as for anything outside one's
scope. The service checks the rules, so the API refuses with the same words as the page and the
command (400 for bad rules or a year without an official annual run, 409 once the list is approved).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from common.import_api import XlsxRenderer
from common.imports import XLSX_CONTENT_TYPE
from org.scope import is_administrator
from reports.models import CommendationCandidate, CommendationKinds, CommendationRound
from reports.services.commendation import (
    MAX_YEAR,
    MIN_YEAR,
    approve_commendations,
    candidates_of,
    select_commendations,
)
from reports.services.commendation_workbook import commendation_workbook, workbook_filename

YEAR_PARAMETER = OpenApiParameter("year", OpenApiTypes.INT, OpenApiParameter.PATH, description="年度 (the year)")


class AdministratorsOnly(BasePermission):
    """Signed-in non-administrators are told nothing is there (404), not that it is forbidden."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not is_administrator(user):
            raise NotFound("未找到 (not found)")
        return True


class CandidateSerializer(serializers.ModelSerializer[CommendationCandidate]):
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True, label="理由")

    class Meta:
        model = CommendationCandidate
        fields = [
            "kind", "position", "code", "name", "branch", "branch_name", "score", "last_score", "delta",
            "selected", "reasons",
        ]  # fmt: skip
        read_only_fields = fields


class RoundSerializer(serializers.ModelSerializer[CommendationRound]):
    proposed_by = serializers.CharField(source="proposed_by.username", read_only=True, allow_null=True, label="提出人")
    approved_by = serializers.CharField(source="approved_by_name", read_only=True, label="批准人")
    # Plain text in the schema: an enum named "status" would collide with the other apps' status sets.
    status = serializers.CharField(read_only=True, label="状态", help_text="proposed 待批准 · approved 已批准")
    candidate_count = serializers.IntegerField(read_only=True, label="候选数")
    selected_count = serializers.IntegerField(read_only=True, label="入选数")

    class Meta:
        model = CommendationRound
        fields = [
            "year", "kinds", "min_score", "fall_tolerance", "per_branch", "share", "status", "proposed_by",
            "proposed_at", "approved_by", "approved_at", "candidate_count", "selected_count",
        ]  # fmt: skip
        read_only_fields = fields


class RoundDetailSerializer(RoundSerializer):
    candidates = serializers.SerializerMethodField(label="候选（精品岗位在前，各自按名次）")

    class Meta(RoundSerializer.Meta):
        fields = [*RoundSerializer.Meta.fields, "candidates"]
        read_only_fields = fields

    @extend_schema_field(CandidateSerializer(many=True))
    def get_candidates(self, commendation: CommendationRound) -> list[dict[str, Any]]:
        return list(CandidateSerializer(candidates_of(commendation), many=True).data)


class ProposeSerializer(serializers.Serializer[Any]):
    year = serializers.IntegerField(min_value=MIN_YEAR, max_value=MAX_YEAR, help_text="年度 (the year)")
    kinds = serializers.ChoiceField(
        choices=CommendationKinds.choices, default=CommendationKinds.BOTH.value, help_text="posts、members 或 both"
    )
    min_score = serializers.FloatField(help_text="最低年度总分，≥ (minimum annual score)")
    fall_tolerance = serializers.FloatField(default=0.0, help_text="下降容差，默认 0 (fall tolerance)")
    per_branch = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="每支部名额，空为不限 (at most N per branch)"
    )
    share = serializers.FloatField(
        required=False, allow_null=True, default=None, help_text="比例上限，百分数，空为不限 (at most X %)"
    )


class YearQuerySerializer(serializers.Serializer[Any]):
    year = serializers.IntegerField(required=False, min_value=MIN_YEAR, max_value=MAX_YEAR, help_text="年度")


def _rounds() -> QuerySet[CommendationRound]:
    return (
        CommendationRound.objects.select_related("proposed_by")
        .annotate(
            candidate_count=Count("candidates"),
            selected_count=Count("candidates", filter=Q(candidates__selected=True)),
        )
        .order_by("-year")
    )


@extend_schema(tags=["commendations"])
class CommendationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[CommendationRound]):
    """表彰名单（仅管理员）：各年度名单，按规则评选（替换未批准的建议名单），批准（冻结），导出 Excel。"""

    permission_classes = [AdministratorsOnly]
    serializer_class = RoundSerializer
    filter_backends: list[Any] = []
    lookup_field = "year"
    lookup_value_regex = r"\d{4}"

    def get_queryset(self) -> QuerySet[CommendationRound]:
        rounds = _rounds()
        if self.action == "list":
            query = YearQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            if query.validated_data.get("year") is not None:
                rounds = rounds.filter(year=query.validated_data["year"])
        return rounds

    def get_serializer_class(self) -> type[serializers.BaseSerializer[CommendationRound]]:
        return RoundSerializer if self.action == "list" else RoundDetailSerializer

    def _detail(self, year: int, *, status_code: int = status.HTTP_200_OK) -> Response:
        commendation = get_object_or_404(_rounds(), year=year)
        return Response(RoundDetailSerializer(commendation).data, status=status_code)

    @extend_schema(parameters=[YearQuerySerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """各年度的表彰名单（不含候选明细），`?year=2025` 只看一年。"""
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ProposeSerializer, responses={201: RoundDetailSerializer, 409: OpenApiResponse()})
    @action(detail=False, methods=["post"])
    def propose(self, request: Request) -> Response:
        """按规则评选某年度，生成建议名单；已有建议名单时替换，已批准时拒绝 (409)。"""
        body = ProposeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        commendation = select_commendations(**body.validated_data, user=request.user)
        return self._detail(commendation.year, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=None, parameters=[YEAR_PARAMETER], responses={200: RoundDetailSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, year: str) -> Response:
        """批准该年度的建议名单：名单冻结，记录批准人和时间。"""
        approve_commendations(year=int(year), user=request.user)
        return self._detail(int(year))

    @extend_schema(parameters=[YEAR_PARAMETER], responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, XlsxRenderer])
    def export(self, request: Request, year: str) -> HttpResponse:
        """下载该年度名单的 Excel 工作簿。"""
        commendation = get_object_or_404(CommendationRound, year=int(year))
        response = HttpResponse(commendation_workbook(year=commendation.year), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{workbook_filename(commendation.year)}"'
        return response


def register(router: DefaultRouter) -> None:
    router.register("commendations", CommendationViewSet, basename="commendation")
