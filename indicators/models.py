"""What is measured: the six dimensions, yearly indicator systems and their weights, post targets.

A published (or archived) system is frozen: its rows refuse every change at the model level, in
`save`, `delete`, and queryset `update`/`delete`, so the admin, the API and imports all inherit it.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.errors import FrozenSystemError
from indicators.periods import Period, validate_period_code

_M = TypeVar("_M", bound=models.Model)


class Dimension(models.Model):
    """One of the six angles. Rows are created by a migration; keys never change."""

    key = models.CharField(_("键"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    name_en = models.CharField(_("英文名称"), max_length=50)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("维度")
        verbose_name_plural = _("维度")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name


DIMENSIONS: list[tuple[str, str, str]] = [
    ("performance", "绩效", "Performance"),
    ("execution", "执行", "Execution"),
    ("wisdom", "智慧", "Wisdom"),
    ("culture", "文化", "Culture"),
    ("team", "团队", "Team"),
    ("belief", "信仰", "Belief"),
]
DIMENSION_KEYS = [key for key, _zh, _en in DIMENSIONS]


class Source(models.TextChoices):
    QUESTIONNAIRE = "questionnaire", _("问卷")
    RATING = "rating", _("评分")
    KPI = "kpi", _("实绩")


class RaterRole(models.TextChoices):
    SELF = "self", _("自评")
    PEER = "peer", _("互评")
    SECRETARY = "secretary", _("书记评价")
    MASSES = "masses", _("群众评议")


class SystemStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    ARCHIVED = "archived", _("已归档")


def _frozen_message(year: int) -> str:
    return f"{year} 年指标体系已发布，不能修改 (the {year} indicator system is published and frozen)"


class IndicatorSystemQuerySet(models.QuerySet["IndicatorSystem"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        frozen = self.exclude(status=SystemStatus.DRAFT).values_list("year", flat=True).first()
        if frozen is not None:
            raise FrozenSystemError(_frozen_message(frozen))
        return super().delete()

    def update(self, **kwargs: Any) -> int:
        # Only the publish/archive transitions may touch a frozen system, and they go through save().
        frozen = self.exclude(status=SystemStatus.DRAFT).values_list("year", flat=True).first()
        if frozen is not None:
            raise FrozenSystemError(_frozen_message(frozen))
        return super().update(**kwargs)


class IndicatorSystem(models.Model):
    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    name = models.CharField(_("名称"), max_length=200)
    status = models.CharField(_("状态"), max_length=12, choices=SystemStatus.choices, default=SystemStatus.DRAFT)
    cloned_from = models.ForeignKey(
        "self", verbose_name=_("复制自"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = IndicatorSystemQuerySet.as_manager()

    class Meta:
        verbose_name = _("指标体系")
        verbose_name_plural = _("指标体系")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = IndicatorSystem.objects.filter(pk=self.pk).values("year", "name", "status").first()
            if stored and stored["status"] != SystemStatus.DRAFT:
                archiving = stored["status"] == SystemStatus.PUBLISHED and self.status == SystemStatus.ARCHIVED
                unchanged = stored["year"] == self.year and stored["name"] == self.name
                if not (unchanged and (archiving or self.status == stored["status"])):
                    raise FrozenSystemError(_frozen_message(stored["year"]))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.is_frozen:
            raise FrozenSystemError(_frozen_message(self.year))
        return super().delete(*args, **kwargs)

    @property
    def is_frozen(self) -> bool:
        return self.status != SystemStatus.DRAFT


class SystemPartQuerySet(models.QuerySet[_M]):
    def _refuse_if_frozen(self) -> None:
        frozen = (
            self.exclude(system__status=SystemStatus.DRAFT).values_list("system__year", flat=True).distinct().first()
        )
        if frozen is not None:
            raise FrozenSystemError(_frozen_message(frozen))

    def update(self, **kwargs: Any) -> int:
        self._refuse_if_frozen()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._refuse_if_frozen()
        return super().delete()


class SystemPart(models.Model):
    """A row that belongs to an indicator system and freezes with it."""

    system = models.ForeignKey(IndicatorSystem, verbose_name=_("指标体系"), on_delete=models.CASCADE)

    objects = SystemPartQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._refuse_if_frozen()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        self._refuse_if_frozen()
        return super().delete(*args, **kwargs)

    def _refuse_if_frozen(self) -> None:
        status, year = IndicatorSystem.objects.values_list("status", "year").get(pk=self.system_id)
        if status != SystemStatus.DRAFT:
            raise FrozenSystemError(_frozen_message(year))
        if self.pk is not None:
            # Moving a row out of a frozen system is a change to that system too.
            stored = type(self).objects.filter(pk=self.pk).values_list("system__status", "system__year").first()
            if stored and stored[0] != SystemStatus.DRAFT:
                raise FrozenSystemError(_frozen_message(stored[1]))


weight_validators = [MinValueValidator(0.0), MaxValueValidator(1.0)]


class Indicator(SystemPart):
    code = models.CharField(_("编码"), max_length=64)
    dimension = models.ForeignKey(Dimension, verbose_name=_("维度"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    weight = models.FloatField(_("权重"), validators=weight_validators, help_text=_("维度内权重，同一维度合计为 1"))
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    measure_unit = models.CharField(_("计量单位"), max_length=32, blank=True)
    floor = models.FloatField(_("底线值"), null=True, blank=True)
    target = models.FloatField(_("目标值"), null=True, blank=True)
    description = models.TextField(_("说明"), blank=True)
    order = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["system", "dimension__order", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["system", "code"], name="indicator_code_unique_in_system")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        if self.source == Source.KPI:
            if self.floor is None or self.target is None:
                raise ValidationError(_("实绩指标须有底线值和目标值。"))
            if self.floor == self.target:
                raise ValidationError({"target": _("目标值不能等于底线值。")})
        elif self.floor is not None or self.target is not None:
            raise ValidationError(_("只有实绩指标有底线值和目标值。"))


class CategoryWeight(SystemPart):
    """The weight of one dimension for one member category; a category's six weights sum to 1."""

    category = models.ForeignKey("org.MemberCategory", verbose_name=_("人员类别"), on_delete=models.PROTECT)
    dimension = models.ForeignKey(Dimension, verbose_name=_("维度"), on_delete=models.PROTECT, related_name="+")
    weight = models.FloatField(_("权重"), validators=weight_validators)

    class Meta:
        verbose_name = _("类别权重")
        verbose_name_plural = _("类别权重")
        ordering = ["system", "category__code", "dimension__order"]
        constraints = [
            models.UniqueConstraint(fields=["system", "category", "dimension"], name="category_weight_unique")
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.dimension}: {self.weight:g}"


class RaterWeight(SystemPart):
    role = models.CharField(_("评价主体"), max_length=16, choices=RaterRole.choices)
    weight = models.FloatField(_("权重"), validators=weight_validators)

    class Meta:
        verbose_name = _("评价主体权重")
        verbose_name_plural = _("评价主体权重")
        ordering = ["system", "role"]
        constraints = [models.UniqueConstraint(fields=["system", "role"], name="rater_weight_unique")]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.weight:g}"


class Grade(SystemPart):
    """A grade threshold. Grades are ordered by min_score, best first; only the top one may cap its share."""

    label = models.CharField(_("等级"), max_length=20)
    min_score = models.FloatField(_("最低分"), validators=[MinValueValidator(0.0), MaxValueValidator(100.0)])
    max_share = models.FloatField(
        _("最高比例"), null=True, blank=True, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )

    class Meta:
        verbose_name = _("等级")
        verbose_name_plural = _("等级")
        ordering = ["system", "-min_score"]
        constraints = [models.UniqueConstraint(fields=["system", "label"], name="grade_label_unique")]

    def __str__(self) -> str:
        return f"{self.label} ≥ {self.min_score:g}"


def _period_outside_system_year(period: str, indicator: Indicator) -> str | None:
    """Why a period cannot carry data for this indicator (targets and measurements), or None."""
    try:
        if Period.parse(period).year != indicator.system.year:
            return str(_("期间须在该指标所属体系的年度内。"))
    except ValueError as exc:
        return str(exc)
    return None


DEFAULT_GRADES: list[tuple[str, float, float | None]] = [
    ("优秀", 90.0, None),
    ("合格", 70.0, None),
    ("基本合格", 60.0, None),
    ("不合格", 0.0, None),
]
# A grade's label is data (a system may name its own grades); the default labels read in the
# reader's language.
DEFAULT_GRADE_NAMES = {
    "优秀": _("优秀"),
    "合格": _("合格"),
    "基本合格": _("基本合格"),
    "不合格": _("不合格"),
}


class PostTarget(models.Model):
    """A model post's target task for one KPI indicator and period: data, never frozen."""

    post = models.ForeignKey("org.Post", verbose_name=_("岗位"), on_delete=models.CASCADE, related_name="targets")
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), on_delete=models.CASCADE, related_name="post_targets"
    )
    period = models.CharField(_("期间"), max_length=7, validators=[validate_period_code])
    floor = models.FloatField(_("底线值"))
    target = models.FloatField(_("目标值"))

    class Meta:
        verbose_name = _("岗位目标")
        verbose_name_plural = _("岗位目标")
        ordering = ["post__code", "indicator__code", "period"]
        constraints = [
            models.UniqueConstraint(fields=["post", "indicator", "period"], name="post_target_unique"),
            models.CheckConstraint(
                condition=~models.Q(floor=models.F("target")), name="post_target_differs_from_floor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.post} · {self.indicator.code} · {self.period}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.post_id and not self.post.is_model:
            errors["post"] = str(_("只有精品岗位可以设定目标。"))
        if self.indicator_id and self.indicator.source != Source.KPI:
            errors["indicator"] = str(_("只有实绩指标可以设定目标。"))
        if self.floor is not None and self.target is not None and self.floor == self.target:
            errors["target"] = str(_("目标值不能等于底线值。"))
        if self.period and self.indicator_id:
            period_problem = _period_outside_system_year(self.period, self.indicator)
            if period_problem:
                errors["period"] = period_problem
        if errors:
            raise ValidationError(errors)


class SubjectKind(models.TextChoices):
    MEMBER = "member", _("党员")
    POST = "post", _("岗位")


class Measurement(models.Model):
    """An objective KPI value for a member or a post in one period: data, never frozen."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="measurements"
    )
    member = models.ForeignKey(
        "org.Member", verbose_name=_("党员"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    post = models.ForeignKey(
        "org.Post", verbose_name=_("岗位"), null=True, blank=True, on_delete=models.CASCADE, related_name="measurements"
    )
    period = models.CharField(_("期间"), max_length=7, validators=[validate_period_code], db_index=True)
    value = models.FloatField(_("数值"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(_("录入时间"), auto_now=True)

    class Meta:
        verbose_name = _("实绩")
        verbose_name_plural = _("实绩")
        ordering = ["period", "indicator__code"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(member__isnull=False) & models.Q(post__isnull=True))
                | (models.Q(member__isnull=True) & models.Q(post__isnull=False)),
                name="measurement_has_one_subject",
            ),
            models.UniqueConstraint(
                fields=["indicator", "member", "period"],
                condition=models.Q(member__isnull=False),
                name="measurement_unique_member",
            ),
            models.UniqueConstraint(
                fields=["indicator", "post", "period"],
                condition=models.Q(post__isnull=False),
                name="measurement_unique_post",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member or self.post} · {self.indicator.code} · {self.period} = {self.value:g}"

    @property
    def subject_kind(self) -> str:
        return SubjectKind.MEMBER if self.member_id else SubjectKind.POST

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.indicator_id and self.indicator.source != Source.KPI:
            errors["indicator"] = str(_("只有实绩指标可以录入实绩。"))
        if self.period and self.indicator_id:
            period_problem = _period_outside_system_year(self.period, self.indicator)
            if period_problem:
                errors["period"] = period_problem
        if errors:
            raise ValidationError(errors)


class AhpJudgement(SystemPart):
    """Pairwise judgements (AHP) behind a group of weights of a system, kept so they can be explained.

    Either a member category's six dimension weights (`category`) or the indicator weights inside a
    dimension (`dimension`). `items` are the compared keys in matrix order (dimension keys or
    indicator codes) and `labels` their names at the time; `matrix` is the full reciprocal matrix
    used; `weights` are the weights as written into the system (rounded, summing to 1). Each
    application adds a row; the latest one of a group explains the weights it wrote.
    """

    category = models.ForeignKey(
        "org.MemberCategory",
        verbose_name=_("人员类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    dimension = models.ForeignKey(
        Dimension, verbose_name=_("维度"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    items = models.JSONField(_("比较项"))
    labels = models.JSONField(_("比较项名称"), default=list)
    matrix = models.JSONField(_("判断矩阵"))
    weights = models.JSONField(_("权重"))
    lambda_max = models.FloatField(_("最大特征值"))
    ci = models.FloatField(_("一致性指标 CI"))
    cr = models.FloatField(_("一致性比率 CR"))
    forced = models.BooleanField(_("强制应用"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("层次分析判断")
        verbose_name_plural = _("层次分析判断")
        ordering = ["system", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(category__isnull=False) & models.Q(dimension__isnull=True))
                | (models.Q(category__isnull=True) & models.Q(dimension__isnull=False)),
                name="ahp_judgement_has_one_scope",
            )
        ]

    def __str__(self) -> str:
        return f"{self.category or self.dimension} · CR {self.cr:.3f}"


class EntropyWeighting(SystemPart):
    """Indicator weights of one dimension derived by the entropy method from a period's scores.

    Kept beside the AHP judgements so a weight can be traced to how it was set. `score_run` is the id
    of the official score run read (reports sits above this app, so it is a plain number).
    """

    dimension = models.ForeignKey(Dimension, verbose_name=_("维度"), on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("期间"), max_length=7, validators=[validate_period_code])
    score_run = models.PositiveIntegerField(_("计分批次"), null=True, blank=True)
    members = models.PositiveIntegerField(_("党员数"), default=0)
    items = models.JSONField(_("指标"))
    labels = models.JSONField(_("指标名称"), default=list)
    entropies = models.JSONField(_("熵值"))
    previous_weights = models.JSONField(_("原权重"), default=list)
    weights = models.JSONField(_("权重"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("熵权法权重")
        verbose_name_plural = _("熵权法权重")
        ordering = ["system", "-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.dimension} · {self.period}"
