"""The reports API: score cards of a period (FORMATS.md, `GET scores/`) and background jobs.

Scores come from `reports.selectors.scores` in the reader's scope: a member sees himself, a
secretary the cards scored in his units' subtrees, an administrator everything; a card or a `unit=`
outside that scope is a 404. Jobs are started by those their kind admits (scoring: administrators;
the comparison workbook: administrators and secretaries) and read by whoever started them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from indicators.periods import Period
from org.api import CODE_REGEX
from org.scope import is_administrator, member_of
from reports.api_commendation import register as register_commendation
from reports.api_comparisons import register as register_comparisons
from reports.api_entropy import register as register_entropy
from reports.api_posts import register as register_posts
from reports.models import IndicatorScore, Job, ScoreCard
from reports.selectors import scores as score_selectors
from reports.selectors.jobs import jobs_visible_to
from reports.selectors.member import MIN_OTHER_RATERS
from reports.services import (
    job_kinds,  # noqa: F401 - every kind is known before one is listed
    jobs,
)
from reports.views import XLSX, job_file_response

OTHER_ROLES = ("peer", "secretary", "masses")

# ── scores ───────────────────────────────────────────────────────────────────────────────────────


class ScoreQuerySerializer(serializers.Serializer[Any]):
    period = serializers.CharField(
        label=_("期间"),
        help_text=_("2025、2025-H1 或 2025-Q2"),
        error_messages={"required": _("请指定期间，例如 ?period=2025 (period is required)")},
    )
    unit = serializers.CharField(required=False, label=_("组织"), help_text=_("组织编码，含下级组织"))
    provisional = serializers.BooleanField(
        default=False, label=_("预览"), help_text=_("true：读取预览结果而不是正式结果")
    )

    def validate_period(self, value: str) -> str:
        try:
            return Period.parse(value).code
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None


class DimensionsSerializer(serializers.Serializer[ScoreCard]):
    """The six dimension scores; a dimension with nothing scored is null."""

    performance = serializers.FloatField(allow_null=True, read_only=True, label=_("绩效"))
    execution = serializers.FloatField(allow_null=True, read_only=True, label=_("执行"))
    wisdom = serializers.FloatField(allow_null=True, read_only=True, label=_("智慧"))
    culture = serializers.FloatField(allow_null=True, read_only=True, label=_("文化"))
    team = serializers.FloatField(allow_null=True, read_only=True, label=_("团队"))
    belief = serializers.FloatField(allow_null=True, read_only=True, label=_("信仰"))


class ScoreSerializer(serializers.ModelSerializer[ScoreCard]):
    employee_no = serializers.CharField(source="member.employee_no", read_only=True, label=_("工号"))
    name = serializers.CharField(source="member.name", read_only=True, label=_("姓名"))
    unit = serializers.CharField(source="unit.code", read_only=True, label=_("所在组织"))
    unit_name = serializers.CharField(source="unit.name", read_only=True, label=_("组织名称"))
    category = serializers.CharField(source="category.code", read_only=True, label=_("人员类别"))
    period = serializers.CharField(source="run.period", read_only=True, label=_("期间"))
    total = serializers.FloatField(allow_null=True, read_only=True, label=_("总分"))
    rank = serializers.IntegerField(allow_null=True, read_only=True, label=_("排名"))
    grade = serializers.SerializerMethodField(label=_("等级"))
    coverage = serializers.FloatField(read_only=True, label=_("覆盖率"), help_text=_("0–1"))
    provisional = serializers.BooleanField(source="run.provisional", read_only=True, label=_("预览"))
    dimensions = DimensionsSerializer(source="*", read_only=True, label=_("维度得分"))

    class Meta:
        model = ScoreCard
        fields = [
            "employee_no", "name", "unit", "unit_name", "category", "period", "total", "rank", "grade",
            "coverage", "provisional", "dimensions",
        ]  # fmt: skip

    def get_grade(self, card: ScoreCard) -> str | None:
        return card.grade or None


class RoleScoresSerializer(serializers.Serializer[Any]):
    self = serializers.FloatField(allow_null=True, read_only=True, label=_("自评"))
    peer = serializers.FloatField(allow_null=True, read_only=True, label=_("互评"))
    secretary = serializers.FloatField(allow_null=True, read_only=True, label=_("书记评价"))
    masses = serializers.FloatField(allow_null=True, read_only=True, label=_("群众评议"))


class IndicatorScoreSerializer(serializers.Serializer[IndicatorScore]):
    code = serializers.CharField(source="indicator.code", read_only=True)
    name = serializers.CharField(source="indicator.name", read_only=True)
    name_en = serializers.CharField(source="indicator.name_en", read_only=True)
    dimension = serializers.CharField(source="indicator.dimension.key", read_only=True)
    # The stubs see `Field.source` (the attribute path); here it is the declared field `source`.
    source = serializers.CharField(source="indicator.source", read_only=True)  # type: ignore[assignment]
    score = serializers.FloatField(allow_null=True, read_only=True)
    roles = serializers.SerializerMethodField()
    raters = serializers.IntegerField(read_only=True)

    @extend_schema_field(RoleScoresSerializer)
    def get_roles(self, row: IndicatorScore) -> dict[str, float | None]:
        roles = {role: getattr(row, f"{role}_score") for role in ("self", *OTHER_ROLES)}
        if self.context.get("hide_few_raters"):
            others = row.raters - (1 if row.self_score is not None else 0)
            if others < MIN_OTHER_RATERS:
                roles.update(dict.fromkeys(OTHER_ROLES))
        return roles


class ScoreDetailSerializer(ScoreSerializer):
    dimension_coverage = serializers.JSONField(read_only=True, label=_("维度覆盖率"))
    indicators = serializers.SerializerMethodField(label=_("指标得分"))

    class Meta(ScoreSerializer.Meta):
        fields = [*ScoreSerializer.Meta.fields, "dimension_coverage", "indicators"]

    @extend_schema_field(IndicatorScoreSerializer(many=True))
    def get_indicators(self, card: ScoreCard) -> list[dict[str, Any]]:
        rows = score_selectors.indicator_scores(card=card)
        return [IndicatorScoreSerializer(row, context=self.context).data for row in rows]


@extend_schema(tags=["scores"], parameters=[ScoreQuerySerializer])
class ScoreViewSet(viewsets.ReadOnlyModelViewSet[ScoreCard]):
    """成绩：某期间当前正式结果（`provisional=true` 为预览结果）。党员只看到自己，书记看到所辖组织，
    管理员看到全部；`unit=CODE` 含下级组织。按党支部、排名排序。"""

    serializer_class = ScoreSerializer
    filter_backends: list[Any] = []
    lookup_field = "employee_no"
    lookup_value_regex = CODE_REGEX

    def _query(self) -> dict[str, Any]:
        query = ScoreQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return dict(query.validated_data)

    def get_queryset(self) -> QuerySet[ScoreCard]:
        if getattr(self, "swagger_fake_view", False):
            return ScoreCard.objects.none()
        query = self._query()
        user = self.request.user
        unit = score_selectors.unit_in_scope(user=user, code=query["unit"]) if query.get("unit") else None
        return score_selectors.score_cards(
            user=user, period=query["period"], provisional=query["provisional"], unit=unit
        )

    def get_object(self) -> ScoreCard:
        card = get_object_or_404(self.get_queryset(), member__employee_no=self.kwargs["employee_no"])
        self.check_object_permissions(self.request, card)
        return card

    def get_serializer_class(self) -> type[serializers.BaseSerializer[ScoreCard]]:
        return ScoreDetailSerializer if self.action == "retrieve" else ScoreSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        user = self.request.user
        if self.action == "retrieve" and not is_administrator(user):
            member = member_of(user)
            employee_no = self.kwargs.get("employee_no")
            context["hide_few_raters"] = member is not None and member.employee_no == employee_no
        return context


# ── jobs ─────────────────────────────────────────────────────────────────────────────────────────


class JobSerializer(serializers.ModelSerializer[Job]):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    result_url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id", "kind", "parameters", "status", "status_label", "progress", "message", "result",
            "result_url", "page_url", "created_at", "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_result_url(self, job: Job) -> str | None:
        return jobs.result_url(job)

    def get_page_url(self, job: Job) -> str:
        return reverse("reports:job", args=[job.pk])


class JobRequestSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=[], label=_("类型"))
    parameters = serializers.DictField(required=False, default=dict, label=_("参数"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, serializers.ChoiceField)
        kind.choices = [(entry.kind, entry.label) for entry in jobs.job_kinds()]


@extend_schema(tags=["jobs"])
class JobViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Job]):
    """后台任务（计算得分、导出对比报告等）。计算得分由管理员发起，导出报告由管理员和书记发起；
    发起人与管理员可查看进度、结果和下载文件。"""

    serializer_class = JobSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Job]:
        return jobs_visible_to(self.request.user)

    @extend_schema(request=JobRequestSerializer, responses={202: JobSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """启动后台任务，例如 {"kind": "compute_scores", "parameters": {"period": "2025", "preview": false}}。"""
        body = JobRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = jobs.start_job(
            kind=body.validated_data["kind"], parameters=body.validated_data["parameters"], user=request.user
        )
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> FileResponse:
        """下载任务生成的文件（例如对比报告工作簿）。"""
        return job_file_response(self.get_object())


def register(router: DefaultRouter) -> None:
    router.register("scores", ScoreViewSet, basename="score")
    router.register("jobs", JobViewSet, basename="job")
    register_comparisons(router)
    register_posts(router)
    register_commendation(router)
    register_entropy(router)
