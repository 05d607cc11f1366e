"""The questionnaire API: questionnaires and their questions, assigning, opening, closing and reminding,
completion status, and a member's own assignments with their answers (draft, submit).

Questionnaires are read in scope (`surveys.services.progress.questionnaires_visible_to`) and written by
administrators through `surveys.services.editing`. `assignments/` is always the caller's own list as
rater, whoever he is: nobody reads another person's answers here, and another person's assignment
is a 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from common.errors import DomainError, NotInScope
from common.pagination import Pagination
from indicators.models import Indicator, IndicatorSystem, RaterRole
from org.permissions import IsAdministrator, IsAdministratorOrReadOnly
from org.scope import member_of
from org.services.directory import unit_in_scope
from surveys.api_analysis import QuestionnaireAnalysisViewSet
from surveys.filters import AssignmentFilter, QuestionFilter, QuestionnaireFilter
from surveys.models import Answer, Assignment, AssignmentStatus, Question, Questionnaire, QuestionnaireStatus
from surveys.services import editing
from surveys.services.answering import (
    AnswerErrors,
    current_answers,
    is_open_for_answers,
    response_for,
    response_version,
    save_answers,
)
from surveys.services.assignments import create_assignments, remind_pending
from surveys.services.progress import completion_status, followed_units, questionnaires_visible_to

CODE_REGEX = r"[^/]+"

# ── questionnaires and questions ─────────────────────────────────────────────────────────────────


class QuestionnaireSerializer(serializers.ModelSerializer[Questionnaire]):
    year: serializers.SlugRelatedField[IndicatorSystem] = serializers.SlugRelatedField(
        source="system", slug_field="year", queryset=IndicatorSystem.objects.all(), label=_("年度")
    )
    period = serializers.CharField(max_length=7, required=False, label=_("期间"))
    # Plain strings in the schema (the service checks them): an enum here would collide with the
    # other apps' `role`/`status` enums in the generated component names.
    roles = serializers.ListField(
        child=serializers.CharField(),
        allow_empty=False,
        label=_("评价主体"),
        help_text="self 自评、peer 互评、secretary 书记评价、masses 群众评议",
    )
    status = serializers.CharField(read_only=True, help_text="draft 草稿、open 进行中、closed 已结束")
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    question_count = serializers.IntegerField(read_only=True, label=_("题目数"))

    class Meta:
        model = Questionnaire
        fields = [
            "code", "title", "title_en", "year", "period", "roles", "status", "status_label",
            "opens_at", "closes_at", "instructions", "question_count",
        ]  # fmt: skip
        read_only_fields = ["status"]


class IndicatorCodeField(serializers.SlugRelatedField[Indicator]):
    """An indicator by code, looked up in the system of the questionnaire the question belongs to."""

    def get_queryset(self) -> QuerySet[Indicator]:
        questionnaire = self.context.get("questionnaire")
        if questionnaire is None:
            return Indicator.objects.none()
        return Indicator.objects.filter(system_id=questionnaire.system_id)


class QuestionSerializer(serializers.ModelSerializer[Question]):
    indicator = IndicatorCodeField(
        slug_field="code", queryset=Indicator.objects.all(), allow_null=True, required=False, label=_("指标")
    )
    dimension = serializers.CharField(source="indicator.dimension.key", read_only=True, allow_null=True)
    labels = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False, label=_("选项说明"))

    class Meta:
        model = Question
        fields = [
            "code", "indicator", "dimension", "text", "text_en", "type", "lo", "hi", "labels",
            "reverse", "required", "order",
        ]  # fmt: skip


class AssignRequestSerializer(serializers.Serializer[Any]):
    peers_per_member = serializers.IntegerField(min_value=1, required=False, allow_null=True, label=_("每人互评人数"))
    unit = serializers.CharField(required=False, allow_blank=True, label=_("组织编码（含下级组织）"))


class AssignResultSerializer(serializers.Serializer[Any]):
    created = serializers.DictField(child=serializers.IntegerField(), label=_("按评价主体新增的任务数"))
    total_created = serializers.IntegerField()
    existing = serializers.IntegerField(label=_("已存在的任务数"))


class UnitRequestSerializer(serializers.Serializer[Any]):
    unit = serializers.CharField(required=False, allow_blank=True, label=_("组织编码（含下级组织）"))


class CompletionCountsSerializer(serializers.Serializer[Any]):
    total = serializers.IntegerField()
    submitted = serializers.IntegerField()
    draft = serializers.IntegerField()
    pending = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="已提交比例 0–1 (share submitted)")


class UnitCompletionSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    depth = serializers.IntegerField()
    raters = serializers.IntegerField(help_text="有评价任务的人数 (members with assignments)")
    raters_done = serializers.IntegerField(help_text="已全部提交的人数 (members who submitted all)")
    masses_forms = serializers.IntegerField(help_text="群众评议答卷数 (anonymous forms received)")
    counts = CompletionCountsSerializer()


class MemberCompletionSerializer(serializers.Serializer[Any]):
    employee_no = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    unit_name = serializers.CharField()
    reminded_at = serializers.DateTimeField(allow_null=True)
    counts = CompletionCountsSerializer()


class CompletionSerializer(serializers.Serializer[Any]):
    questionnaire = serializers.CharField(source="questionnaire.code")
    total = CompletionCountsSerializer()
    masses_forms = serializers.IntegerField()
    units = UnitCompletionSerializer(many=True)
    members = MemberCompletionSerializer(many=True)
    unfinished = MemberCompletionSerializer(many=True, help_text="尚有未提交任务的评价人 (raters with work left)")


def _question_count() -> Coalesce:
    rows = (
        Question.objects.filter(questionnaire=OuterRef("pk"))
        .order_by()
        .values("questionnaire")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


UNIT_PARAMETER = OpenApiParameter("unit", str, description="组织编码（含下级组织）(unit code, with its subtree)")


@extend_schema(tags=["questionnaires"])
class QuestionnaireViewSet(viewsets.ModelViewSet[Questionnaire]):
    """问卷：管理员看到全部；党员看到要他填写的；书记还看到所辖组织有评价任务的问卷。"""

    serializer_class = QuestionnaireSerializer
    filterset_class = QuestionnaireFilter
    permission_classes = [IsAdministratorOrReadOnly]
    pagination_class = Pagination
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX

    def get_queryset(self) -> QuerySet[Questionnaire]:
        return (
            questionnaires_visible_to(self.request.user)
            .select_related("system")
            .annotate(question_count=_question_count())
        )

    def _shown(self, questionnaire: Questionnaire, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=questionnaire.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def perform_create(self, serializer: serializers.BaseSerializer[Questionnaire]) -> None:
        created = editing.save_questionnaire(changes=serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=created.pk)

    def perform_update(self, serializer: serializers.BaseSerializer[Questionnaire]) -> None:
        assert serializer.instance is not None
        changed = editing.save_questionnaire(questionnaire=serializer.instance, changes=serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=changed.pk)

    def perform_destroy(self, instance: Questionnaire) -> None:
        editing.delete_questionnaire(questionnaire=instance)

    @extend_schema(request=AssignRequestSerializer, responses=AssignResultSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdministrator])
    def assign(self, request: Request, code: str | None = None) -> Response:
        """生成评价任务（自评、互评、书记评价），只补缺，不重复、不删除。"""
        questionnaire = self.get_object()
        body = AssignRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        unit_code = body.validated_data.get("unit")
        unit = unit_in_scope(user=request.user, code=unit_code) if unit_code else None
        summary = create_assignments(
            questionnaire=questionnaire, peers_per_member=body.validated_data.get("peers_per_member"), unit=unit
        )
        result = {"created": summary.created, "total_created": summary.total_created, "existing": summary.existing}
        return Response(AssignResultSerializer(result).data)

    @extend_schema(request=None, responses=QuestionnaireSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdministrator], url_path="open")
    def open_for_answers(self, request: Request, code: str | None = None) -> Response:
        """开放问卷，开始填写。"""
        return self._shown(editing.open_questionnaire(questionnaire=self.get_object()))

    @extend_schema(request=None, responses=QuestionnaireSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdministrator])
    def close(self, request: Request, code: str | None = None) -> Response:
        """结束问卷：此后答卷只读。"""
        return self._shown(editing.close_questionnaire(questionnaire=self.get_object()))

    @extend_schema(
        request=UnitRequestSerializer,
        responses=inline_serializer("RemindResult", {"reminded": serializers.IntegerField()}),
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def remind(self, request: Request, code: str | None = None) -> Response:
        """提醒所辖组织中尚未提交的评价人（管理员、书记）。"""
        questionnaire = self.get_object()
        body = UnitRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        units = followed_units(user=request.user, code=body.validated_data.get("unit") or None)
        if questionnaire.status != QuestionnaireStatus.OPEN:
            raise DomainError("问卷未开放，无需提醒 (the questionnaire is not open)")
        if units is None:
            reminded = remind_pending(questionnaire=questionnaire)
        else:
            reminded = sum(remind_pending(questionnaire=questionnaire, unit=unit) for unit in units)
        return Response({"reminded": reminded})

    @extend_schema(parameters=[UNIT_PARAMETER], responses=CompletionSerializer, filters=False)
    @action(detail=True, methods=["get"], permission_classes=[IsAuthenticated], filterset_class=None)
    def completion(self, request: Request, code: str | None = None) -> Response:
        """填写进度：按组织和评价人统计任务数（只有数量，不含答案）。"""
        questionnaire = self.get_object()
        units = followed_units(user=request.user, code=request.query_params.get("unit") or None)
        return Response(CompletionSerializer(completion_status(questionnaire=questionnaire, units=units)).data)


@extend_schema(
    tags=["questionnaires"],
    parameters=[OpenApiParameter("questionnaire_code", str, OpenApiParameter.PATH, description="问卷编码")],
)
class QuestionViewSet(viewsets.ModelViewSet[Question]):
    """问卷的题目（按顺序）。已有答案的题目不能再改题型、分值范围、指标或反向计分。"""

    serializer_class = QuestionSerializer
    filterset_class = QuestionFilter
    permission_classes = [IsAdministratorOrReadOnly]
    pagination_class = Pagination
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX

    @cached_property
    def questionnaire(self) -> Questionnaire:
        code = self.kwargs.get("questionnaire_code", "")
        found = questionnaires_visible_to(self.request.user).select_related("system").filter(code=code).first()
        if found is None:
            raise NotInScope(f"问卷 {code} 不存在 (questionnaire {code} not found)")
        return found

    def get_queryset(self) -> QuerySet[Question]:
        if getattr(self, "swagger_fake_view", False):
            return Question.objects.none()
        return Question.objects.filter(questionnaire=self.questionnaire).select_related("indicator__dimension")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False) and "questionnaire_code" in self.kwargs:
            context["questionnaire"] = self.questionnaire
        return context

    def perform_create(self, serializer: serializers.BaseSerializer[Question]) -> None:
        serializer.instance = editing.save_question(questionnaire=self.questionnaire, changes=serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer[Question]) -> None:
        assert serializer.instance is not None
        serializer.instance = editing.save_question(
            questionnaire=self.questionnaire, question=serializer.instance, changes=serializer.validated_data
        )

    def perform_destroy(self, instance: Question) -> None:
        editing.delete_question(question=instance)


# ── a member's own assignments and answers ───────────────────────────────────────────────────────


class ProgressSerializer(serializers.Serializer[Any]):
    answered = serializers.IntegerField(help_text="已答的必答题数 (required questions answered)")
    # The stubs see `Field.required` / `Field.read_only`; here they are declared fields of the payload.
    required = serializers.IntegerField(help_text="必答题数 (required questions)")  # type: ignore[assignment]


class AssignmentSerializer(serializers.ModelSerializer[Assignment]):
    questionnaire = serializers.CharField(source="questionnaire.code", read_only=True)
    title = serializers.CharField(source="questionnaire.title", read_only=True)
    title_en = serializers.CharField(source="questionnaire.title_en", read_only=True)
    period = serializers.CharField(source="questionnaire.period", read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    subject = serializers.CharField(source="subject.employee_no", read_only=True)
    subject_name = serializers.CharField(source="subject.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    progress = serializers.SerializerMethodField()
    open = serializers.SerializerMethodField(help_text="问卷正在开放填写 (the questionnaire takes answers now)")

    class Meta:
        model = Assignment
        fields = [
            "id", "questionnaire", "title", "title_en", "period", "role", "role_label", "subject", "subject_name",
            "status", "status_label", "submitted_at", "reminded_at", "progress", "open",
        ]  # fmt: skip
        extra_kwargs = {"status": {"help_text": "pending 未填写、draft 草稿、submitted 已提交"}}

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, assignment: Assignment) -> dict[str, int]:
        return {
            "answered": int(getattr(assignment, "answered_required", 0) or 0),
            "required": int(getattr(assignment, "required_total", 0) or 0),
        }

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_open(self, assignment: Assignment) -> bool:
        return is_open_for_answers(assignment)


class AnswerSheetSerializer(serializers.Serializer[Any]):
    version = serializers.CharField(help_text="保存时原样送回，用于发现过期的表单 (send back when saving)")
    status = serializers.CharField(help_text="pending 未填写、draft 草稿、submitted 已提交")
    read_only = serializers.BooleanField()  # type: ignore[assignment]
    answers = serializers.DictField(help_text="题目编码 → 数值或文字 (question code → value or text)")


class AnswersInSerializer(serializers.Serializer[Any]):
    answers = serializers.DictField(help_text="题目编码 → 数值或文字；空值清除该题 (empty clears an answer)")
    version = serializers.CharField(required=False, allow_null=True, allow_blank=True)


ANSWER_ERRORS_RESPONSE = OpenApiResponse(
    inline_serializer(
        "AnswerErrors",
        {"detail": serializers.CharField(), "errors": serializers.DictField(child=serializers.CharField())},
    ),
    description="逐题的错误 (per-question problems, keyed by question code)",
)
CONFLICT_RESPONSE = OpenApiResponse(
    inline_serializer("Conflict", {"detail": serializers.CharField()}),
    description="已提交、未开放或表单已过期 (submitted, not open, or a stale form)",
)


def _shown_value(value: float | None, text: str) -> float | int | str:
    if value is None:
        return text
    return int(value) if value.is_integer() else value


def _answered_required() -> Coalesce:
    rows = (
        Answer.objects.filter(
            response__questionnaire=OuterRef("questionnaire"),
            response__rater=OuterRef("rater"),
            response__subject=OuterRef("subject"),
            response__role=OuterRef("role"),
            question__required=True,
        )
        .order_by()
        .values("response")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _required_total() -> Coalesce:
    rows = (
        Question.objects.filter(questionnaire=OuterRef("questionnaire"), required=True)
        .order_by()
        .values("questionnaire")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


ROLE_ORDER = Case(
    When(role=RaterRole.SELF, then=Value(0)),
    When(role=RaterRole.SECRETARY, then=Value(1)),
    When(role=RaterRole.PEER, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


@extend_schema(tags=["assignments"])
class AssignmentViewSet(viewsets.ReadOnlyModelViewSet[Assignment]):
    """我的评价任务（我作为评价人）：自评在前。管理员在这里也只看到自己的任务。"""

    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter
    pagination_class = Pagination

    def get_queryset(self) -> QuerySet[Assignment]:
        member = member_of(self.request.user)
        if member is None:
            return Assignment.objects.none()
        return (
            Assignment.objects.filter(rater=member)
            .select_related("questionnaire", "subject")
            .annotate(answered_required=_answered_required(), required_total=_required_total(), role_order=ROLE_ORDER)
            .order_by("role_order", "-questionnaire__period", "questionnaire__code", "subject__employee_no")
        )

    def _sheet(self, assignment: Assignment) -> Response:
        response = response_for(assignment)
        answers = {code: _shown_value(v.value, v.text) for code, v in current_answers(assignment).items()}
        read_only = assignment.status == AssignmentStatus.SUBMITTED or not is_open_for_answers(assignment)
        sheet = {
            "version": response_version(response),
            "status": assignment.status,
            "read_only": read_only,
            "answers": answers,
        }
        return Response(AnswerSheetSerializer(sheet).data)

    @extend_schema(methods=["GET"], responses=AnswerSheetSerializer, filters=False)
    @extend_schema(
        methods=["PUT", "POST"],
        request=AnswersInSerializer,
        responses={200: AnswerSheetSerializer, 400: ANSWER_ERRORS_RESPONSE, 409: CONFLICT_RESPONSE},
        filters=False,
    )
    @action(detail=True, methods=["get", "put", "post"], filterset_class=None)
    def answers(self, request: Request, pk: str | None = None) -> Response:
        """GET 取回答卷；PUT 保存草稿；POST 提交（必答题须全部作答）。"""
        assignment = self.get_object()
        if request.method == "GET":
            return self._sheet(assignment)
        body = AnswersInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            save_answers(
                assignment=assignment,
                values=body.validated_data["answers"],
                submit=request.method == "POST",
                version=body.validated_data.get("version"),
            )
        except AnswerErrors as exc:
            return Response(
                {"detail": "部分答案有误 (some answers are invalid)", "errors": exc.errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return self._sheet(assignment)


def register(router: DefaultRouter) -> None:
    router.register("questionnaires", QuestionnaireViewSet, basename="questionnaire")
    router.register(
        r"questionnaires/(?P<questionnaire_code>[^/]+)/questions", QuestionViewSet, basename="questionnaire-question"
    )
    router.register("assignments", AssignmentViewSet, basename="assignment")
    router.register(
        r"questionnaires/(?P<questionnaire_code>[^/]+)/analysis",
        QuestionnaireAnalysisViewSet,
        basename="questionnaire-analysis",
    )
