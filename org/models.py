"""Who: the unit tree, members, member categories, posts, and the secretaries of units."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    COMMITTEE = "committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    GROUP = "group", _("党小组")


# Members belong to the grass roots only; committees and general branches lead units, not people.
MEMBER_UNIT_KINDS = (UnitKind.BRANCH, UnitKind.GROUP)


class Unit(models.Model):
    code = models.CharField(_("编码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    secretary = models.ForeignKey(
        "Member",
        verbose_name=_("书记"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="secretary_of",
    )
    # Materialised path of zero-padded ids ("/0000000001/0000000004/"): a subtree is one
    # `path__startswith`, whatever its depth (see org.services.units.path_for).
    path = models.CharField(max_length=1024, editable=False, db_index=True, default="")

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["path"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        from org.services.units import refresh_unit_path

        refresh_unit_path(self)

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 2, 0)

    def clean(self) -> None:
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": _("上级组织形成循环。")})
            ancestor = ancestor.parent


class MemberCategory(models.Model):
    code = models.CharField(_("编码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("人员类别")
        verbose_name_plural = _("人员类别")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    LEFT = "left", _("离开")


class Member(models.Model):
    employee_no = models.CharField(_("工号"), max_length=64, unique=True)
    name = models.CharField(_("姓名"), max_length=100)
    unit = models.ForeignKey(Unit, verbose_name=_("所在组织"), on_delete=models.PROTECT, related_name="members")
    category = models.ForeignKey(
        MemberCategory, verbose_name=_("人员类别"), on_delete=models.PROTECT, related_name="members"
    )
    joined_on = models.DateField(_("入党日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=MemberStatus.choices, default=MemberStatus.ACTIVE)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["employee_no"]

    def __str__(self) -> str:
        return f"{self.name} ({self.employee_no})"

    def clean(self) -> None:
        if self.unit_id and self.unit.kind not in MEMBER_UNIT_KINDS:
            raise ValidationError({"unit": _("党员只能属于党支部或党小组。")})


class Post(models.Model):
    code = models.CharField(_("编码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    unit = models.ForeignKey(Unit, verbose_name=_("所在组织"), on_delete=models.PROTECT, related_name="posts")
    holders = models.ManyToManyField(Member, verbose_name=_("岗位人员"), blank=True, related_name="posts")
    is_model = models.BooleanField(_("精品岗位"), default=False)

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ActivationCode(models.Model):
    """A one-time code printed on paper so a member can set his first password (no e-mail here)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="activation_codes")
    code_hash = models.CharField(max_length=128)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("激活码")
        verbose_name_plural = _("激活码")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.member} · {self.issued_at:%Y-%m-%d}"
