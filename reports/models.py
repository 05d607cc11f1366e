"""What it means: background jobs, score runs and the score cards they produce, and the year's
commendation (表彰) list."""

from __future__ import annotations

from typing import Any, TypeVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.errors import ApprovedListError
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


# ── commendation (表彰, DESIGN.md "Commendation") ─────────────────────────────────────────────────
#
# An approved round is frozen with its candidates: `save`, `delete`, queryset `update`/`delete` and
# candidates' `bulk_create` all refuse, so the admin, the pages, the API and the command inherit it.
# Candidates keep their code, name, branch and scores (and the round its approver's name) as values
# of their own, so the approved list reads the same after a member leaves, a post is renamed or an
# account is deleted (those links are only set to NULL).


class CommendationKinds(models.TextChoices):
    """What a round selects from."""

    POSTS = "posts", _("精品岗位")
    MEMBERS = "members", _("党员")
    BOTH = "both", _("精品岗位和党员")


class CandidateKind(models.TextChoices):
    POST = "post", _("精品岗位")
    MEMBER = "member", _("党员")


class RoundStatus(models.TextChoices):
    PROPOSED = "proposed", _("待批准")
    APPROVED = "approved", _("已批准")


_Row = TypeVar("_Row", bound=models.Model)


def approved_message(year: int) -> str:
    return f"{year} 年表彰名单已批准，不能修改 (the {year} commendation list is approved and frozen)"


class _FrozenOnceApproved(models.QuerySet[_Row]):
    """Bulk updates and deletes that refuse to touch a row of an approved list. `through` is the path
    from the row to its round ("" for the round itself)."""

    through = ""

    def _refuse_if_approved(self) -> None:
        status, year = f"{self.through}status", f"{self.through}year"
        approved = self.filter(**{status: RoundStatus.APPROVED}).values_list(year, flat=True).first()
        if approved is not None:
            raise ApprovedListError(approved_message(approved))

    def update(self, **kwargs: Any) -> int:
        self._refuse_if_approved()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._refuse_if_approved()
        return super().delete()


class CommendationRoundQuerySet(_FrozenOnceApproved["CommendationRound"]):
    pass


class CommendationRound(models.Model):
    """One year's rules and the list they produced; one round per year."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    kinds = models.CharField(_("表彰对象"), max_length=10, choices=CommendationKinds.choices)
    min_score = models.FloatField(_("最低年度总分"), validators=[MinValueValidator(0.0), MaxValueValidator(100.0)])
    fall_tolerance = models.FloatField(_("下降容差"), default=0.0, validators=[MinValueValidator(0.0)])
    per_branch = models.PositiveIntegerField(_("每支部名额"), null=True, blank=True)
    # Percent of the eligible candidates of a kind (20 means 20 %).
    share = models.FloatField(
        _("比例上限（%）"), null=True, blank=True, validators=[MinValueValidator(0.0), MaxValueValidator(100.0)]
    )
    status = models.CharField(_("状态"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("提出时间"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("批准人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_by_name = models.CharField(_("批准人姓名"), max_length=150, blank=True)
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)

    objects = CommendationRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("表彰名单")
        verbose_name_plural = _("表彰名单")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} {self.get_status_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Approving is the one change allowed, and it happens while the stored row is still proposed.
        if self.pk is not None:
            stored = CommendationRound.objects.filter(pk=self.pk).values_list("status", "year").first()
            if stored and stored[0] == RoundStatus.APPROVED:
                raise ApprovedListError(approved_message(stored[1]))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.pk is not None and CommendationRound.objects.filter(pk=self.pk, status=RoundStatus.APPROVED).exists():
            raise ApprovedListError(approved_message(self.year))
        return super().delete(*args, **kwargs)

    @property
    def is_approved(self) -> bool:
        return self.status == RoundStatus.APPROVED


class CandidateQuerySet(_FrozenOnceApproved["CommendationCandidate"]):
    through = "round__"

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[CommendationCandidate]:
        objs = list(objs)
        rounds = {obj.round_id for obj in objs}
        year = (
            CommendationRound.objects.filter(pk__in=rounds, status=RoundStatus.APPROVED)
            .values_list("year", flat=True)
            .first()
        )
        if year is not None:
            raise ApprovedListError(approved_message(year))
        return super().bulk_create(objs, *args, **kwargs)


class CommendationCandidate(models.Model):
    """A post or member considered in a round, in the list's order, with why it is in or out."""

    round = models.ForeignKey(
        CommendationRound, verbose_name=_("表彰名单"), on_delete=models.CASCADE, related_name="candidates"
    )
    kind = models.CharField(_("类别"), max_length=10, choices=CandidateKind.choices)
    member = models.ForeignKey(
        "org.Member", verbose_name=_("党员"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    post = models.ForeignKey(
        "org.Post", verbose_name=_("岗位"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    code = models.CharField(_("编码"), max_length=64)
    name = models.CharField(_("名称"), max_length=200)
    # The 党支部 it counts in: a member or post of a 党小组 counts in the group's branch.
    branch = models.CharField(_("党支部编码"), max_length=64)
    branch_name = models.CharField(_("党支部"), max_length=200)
    score = models.FloatField(_("年度总分"))
    last_score = models.FloatField(_("去年总分"), null=True, blank=True)
    delta = models.FloatField(_("变化"), null=True, blank=True)
    # 1, 2, 3 … inside the kind: best score first, ties cut by code.
    position = models.PositiveIntegerField(_("名次"))
    selected = models.BooleanField(_("入选"), default=False)
    reasons = models.JSONField(_("理由"), default=list, blank=True)

    objects = CandidateQuerySet.as_manager()

    class Meta:
        verbose_name = _("表彰候选")
        verbose_name_plural = _("表彰候选")
        ordering = ["round", "kind", "position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "kind", "code"], name="one_candidate_per_code_in_round"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._refuse_if_approved()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        self._refuse_if_approved()
        return super().delete(*args, **kwargs)

    def _refuse_if_approved(self) -> None:
        stored = CommendationRound.objects.filter(pk=self.round_id).values_list("status", "year").first()
        if stored and stored[0] == RoundStatus.APPROVED:
            raise ApprovedListError(approved_message(stored[1]))
        if self.pk is not None:
            # Moving a candidate out of an approved round changes that round too.
            year = (
                CommendationCandidate.objects.filter(pk=self.pk, round__status=RoundStatus.APPROVED)
                .values_list("round__year", flat=True)
                .first()
            )
            if year is not None:
                raise ApprovedListError(approved_message(year))
