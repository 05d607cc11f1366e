"""What it means: background jobs, score runs and the score cards they produce."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from indicators.periods import validate_period_code


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")


class Job(models.Model):
    """Long work a user started. The Tasks framework runs it; pages poll this row for progress."""

    kind = models.CharField(_("类型"), max_length=40)
    parameters = models.JSONField(_("参数"), default=dict, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.FloatField(_("进度"), default=0.0)
    message = models.TextField(_("消息"), blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    result_file = models.FileField(_("结果文件"), upload_to="jobs/%Y/%m/", blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)


class RunStatus(models.TextChoices):
    RUNNING = "running", _("计算中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ScoreRun(models.Model):
    """One scoring of one period. Exactly one official (and at most one preview) run is current."""

    period = models.CharField(_("期间"), max_length=7, validators=[validate_period_code], db_index=True)
    system = models.ForeignKey(
        "indicators.IndicatorSystem", verbose_name=_("指标体系"), on_delete=models.PROTECT, related_name="+"
    )
    provisional = models.BooleanField(_("预览"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    is_current = models.BooleanField(_("当前结果"), default=False)
    parameters = models.JSONField(_("参数"), default=dict, blank=True)
    counts = models.JSONField(_("统计"), default=dict, blank=True)
    message = models.TextField(_("消息"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("计分批次")
        verbose_name_plural = _("计分批次")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "provisional"],
                condition=models.Q(is_current=True),
                name="one_current_run_per_period",
            )
        ]

    def __str__(self) -> str:
        kind = "预览" if self.provisional else "正式"
        return f"{self.period} {kind} #{self.pk}"


class ScoreCard(models.Model):
    """A member's result for a run. Unit and category are kept as they were when scored."""

    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="cards")
    member = models.ForeignKey("org.Member", verbose_name=_("党员"), on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name=_("所在组织"), on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey("org.Unit", verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(
        "org.MemberCategory", verbose_name=_("人员类别"), on_delete=models.PROTECT, related_name="+"
    )
    total = models.FloatField(_("总分"), null=True, blank=True)
    coverage = models.FloatField(_("覆盖率"), default=0.0)
    rank = models.PositiveIntegerField(_("排名"), null=True, blank=True)
    grade = models.CharField(_("等级"), max_length=20, blank=True)
    performance = models.FloatField(_("绩效"), null=True, blank=True)
    execution = models.FloatField(_("执行"), null=True, blank=True)
    wisdom = models.FloatField(_("智慧"), null=True, blank=True)
    culture = models.FloatField(_("文化"), null=True, blank=True)
    team = models.FloatField(_("团队"), null=True, blank=True)
    belief = models.FloatField(_("信仰"), null=True, blank=True)
    # {"performance": 0.8, …}: the share of each dimension's weight that was present.
    dimension_coverage = models.JSONField(default=dict, blank=True)
    # {"performance": {"self": 81.0, "others": 76.5, "raters": 4}, …}: 对标检查.
    self_others = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("成绩")
        verbose_name_plural = _("成绩")
        ordering = ["run", "branch", "rank"]
        constraints = [models.UniqueConstraint(fields=["run", "member"], name="one_card_per_member_per_run")]
        indexes = [models.Index(fields=["run", "branch"])]

    def __str__(self) -> str:
        return f"{self.run} · {self.member_id}: {self.total}"


class IndicatorScore(models.Model):
    """A member's score on one indicator in a run, with the role scores behind it (drill-down)."""

    # Millions of rows per run, written only by the scoring service from rows it has just read: checking
    # three foreign keys per row at commit cost more than the whole scoring (bench/RESULTS.md), and the
    # unique (run, member, indicator) index already serves every lookup, so neither is kept here.
    run = models.ForeignKey(
        ScoreRun, on_delete=models.CASCADE, related_name="indicator_scores", db_constraint=False, db_index=False
    )
    member = models.ForeignKey(
        "org.Member", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    indicator = models.ForeignKey(
        "indicators.Indicator", on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    score = models.FloatField(null=True, blank=True)
    self_score = models.FloatField(null=True, blank=True)
    peer_score = models.FloatField(null=True, blank=True)
    secretary_score = models.FloatField(null=True, blank=True)
    masses_score = models.FloatField(null=True, blank=True)
    raters = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("指标得分")
        verbose_name_plural = _("指标得分")
        constraints = [
            models.UniqueConstraint(fields=["run", "member", "indicator"], name="one_indicator_score_per_run")
        ]

    def __str__(self) -> str:
        return f"{self.run_id} · {self.member_id} · {self.indicator_id}: {self.score}"


class PostScore(models.Model):
    """A model post's score for a run's period (DESIGN.md "Model posts"), kept with the member cards
    of the same run so both swap in together. The unit is the post's unit when scored."""

    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="post_scores")
    post = models.ForeignKey("org.Post", verbose_name=_("岗位"), on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name=_("所在组织"), on_delete=models.PROTECT, related_name="+")
    # None where no indicator of the post has both a target and a value in the period.
    score = models.FloatField(_("岗位得分"), null=True, blank=True)

    class Meta:
        verbose_name = _("岗位得分")
        verbose_name_plural = _("岗位得分")
        ordering = ["run", "post__code"]
        constraints = [models.UniqueConstraint(fields=["run", "post"], name="one_post_score_per_run")]

    def __str__(self) -> str:
        return f"{self.run} · {self.post_id}: {self.score}"


class PostIndicatorScore(models.Model):
    """One KPI of a model post in a run: the value, the target it was scored against and rule 2."""

    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="post_indicator_scores")
    post = models.ForeignKey("org.Post", verbose_name=_("岗位"), on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(
        "indicators.Indicator", verbose_name=_("指标"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.FloatField(_("实绩"), null=True, blank=True)
    floor = models.FloatField(_("底线值"), null=True, blank=True)
    target = models.FloatField(_("目标值"), null=True, blank=True)
    # actual / target; None when the target is 0 or either is missing.
    completion = models.FloatField(_("完成率"), null=True, blank=True)
    score = models.FloatField(_("得分"), null=True, blank=True)
    weight = models.FloatField(_("权重"), default=0.0)

    class Meta:
        verbose_name = _("岗位指标得分")
        verbose_name_plural = _("岗位指标得分")
        ordering = ["run", "post__code", "indicator__code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "post", "indicator"], name="one_post_indicator_score_per_run")
        ]

    def __str__(self) -> str:
        return f"{self.run_id} · {self.post_id} · {self.indicator_id}: {self.score}"
