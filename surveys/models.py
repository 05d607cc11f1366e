"""What people answered: questionnaires, their questions, who is asked to rate whom, and the answers."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from indicators.models import RaterRole
from indicators.periods import validate_period_code


class QuestionnaireStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class Questionnaire(models.Model):
    code = models.CharField(_("编码"), max_length=64, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    title_en = models.CharField(_("英文标题"), max_length=200, blank=True)
    system = models.ForeignKey(
        "indicators.IndicatorSystem",
        verbose_name=_("指标体系"),
        on_delete=models.PROTECT,
        related_name="questionnaires",
    )
    period = models.CharField(_("期间"), max_length=7, validators=[validate_period_code])
    # The rater roles this questionnaire asks, as role keys ("self", "peer", ...).
    roles = models.JSONField(_("评价主体"), default=list)
    opens_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closes_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=QuestionnaireStatus.choices, default=QuestionnaireStatus.DRAFT
    )
    instructions = models.TextField(_("填写说明"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("问卷")
        verbose_name_plural = _("问卷")
        ordering = ["-period", "code"]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"


class QuestionType(models.TextChoices):
    LIKERT = "likert", _("量表")
    CHOICE = "choice", _("单选")
    NUMBER = "number", _("数值")
    TEXT = "text", _("文本")


SCORED_TYPES = (QuestionType.LIKERT, QuestionType.CHOICE, QuestionType.NUMBER)
WHOLE_NUMBER_TYPES = (QuestionType.LIKERT, QuestionType.CHOICE)


class Question(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    code = models.CharField(_("编码"), max_length=64)
    indicator = models.ForeignKey(
        "indicators.Indicator",
        verbose_name=_("指标"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="questions",
    )
    text = models.TextField(_("题干"))
    text_en = models.TextField(_("英文题干"), blank=True)
    type = models.CharField(_("题型"), max_length=10, choices=QuestionType.choices, default=QuestionType.LIKERT)
    lo = models.FloatField(_("最低分值"), default=1)
    hi = models.FloatField(_("最高分值"), default=5)
    # Labels of scale points, {"1": "很不符合", "5": "完全符合"}; keys are the point values as text.
    labels = models.JSONField(_("选项说明"), default=dict, blank=True)
    reverse = models.BooleanField(_("反向计分"), default=False)
    required = models.BooleanField(_("必答"), default=True)
    order = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("题目")
        verbose_name_plural = _("题目")
        ordering = ["questionnaire", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "code"], name="question_code_unique"),
            models.CheckConstraint(condition=models.Q(lo__lt=models.F("hi")), name="question_scale_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.text[:30]}"

    @property
    def is_scored(self) -> bool:
        return self.type in SCORED_TYPES and self.indicator_id is not None

    def scale_points(self) -> list[int]:
        return list(range(int(self.lo), int(self.hi) + 1)) if self.type in WHOLE_NUMBER_TYPES else []


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", _("未填写")
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")


class Assignment(models.Model):
    """One rater asked to rate one subject in one role on one questionnaire."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="assignments")
    rater = models.ForeignKey("org.Member", verbose_name=_("评价人"), on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey("org.Member", verbose_name=_("被评价人"), on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("评价主体"), max_length=16, choices=RaterRole.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=AssignmentStatus.choices, default=AssignmentStatus.PENDING
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评价任务")
        verbose_name_plural = _("评价任务")
        ordering = ["questionnaire", "rater", "role", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "rater", "subject", "role"], name="assignment_unique")
        ]
        indexes = [models.Index(fields=["rater", "status"])]

    def __str__(self) -> str:
        return f"{self.questionnaire.code} · {self.rater_id} → {self.subject_id} ({self.role})"


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")


class Response(models.Model):
    """One filled-in form. Anonymous (masses) forms have no rater but their own form id."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="responses")
    rater = models.ForeignKey(
        "org.Member", verbose_name=_("评价人"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subject = models.ForeignKey("org.Member", verbose_name=_("被评价人"), on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("评价主体"), max_length=16, choices=RaterRole.choices)
    form_id = models.CharField(_("答卷编号"), max_length=64, null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ResponseStatus.choices, default=ResponseStatus.DRAFT)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("答卷")
        verbose_name_plural = _("答卷")
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "rater", "role", "subject"],
                condition=models.Q(rater__isnull=False),
                name="response_unique_per_rater",
            ),
            models.UniqueConstraint(
                fields=["questionnaire", "form_id"],
                condition=models.Q(form_id__isnull=False),
                name="response_unique_form_id",
            ),
            models.CheckConstraint(
                condition=models.Q(rater__isnull=False) | models.Q(form_id__isnull=False),
                name="anonymous_response_has_form_id",
            ),
        ]
        indexes = [models.Index(fields=["questionnaire", "status"])]

    def __str__(self) -> str:
        return f"{self.questionnaire.code} · {self.form_id or self.rater_id} → {self.subject_id} ({self.role})"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    value = models.FloatField(_("数值"), null=True, blank=True)
    text = models.TextField(_("文本"), blank=True, default="")

    class Meta:
        verbose_name = _("答案")
        verbose_name_plural = _("答案")
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="answer_unique")]

    def __str__(self) -> str:
        return f"{self.response_id} · {self.question_id} = {self.value if self.value is not None else self.text}"
