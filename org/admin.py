"""Admin for the organisation: the unit tree, members, categories, posts and (read-only) activation codes."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import connection
from django.db.models import Count, F, Func, OuterRef, QuerySet, Subquery
from django.db.models.expressions import OrderBy
from django.db.models.functions import Collate
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from org.models import ActivationCode, Member, MemberCategory, MemberStatus, Post, Unit

# Codes are shown once, in a message; a bigger batch belongs on the printable sheet of a unit.
MAX_RESETS_AT_ONCE = 100


def _count_subquery(queryset: QuerySet[Any]) -> Subquery:
    """COUNT(*) of a correlated queryset as a scalar subquery (no GROUP BY on the outer query)."""
    return Subquery(queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"))


def tree_ordering() -> OrderBy:
    # Paths sort into tree order only byte-wise ('/' before digits); PostgreSQL locale collations
    # skip punctuation, so ask for the C collation there.
    if connection.vendor == "postgresql":
        return Collate(F("path"), "C").asc()
    return F("path").asc()


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["tree_name", "code", "kind", "secretary", "direct_members", "all_members"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent", "secretary"]
    list_select_related = ["secretary"]
    list_per_page = 200

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        return [tree_ordering()]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Unit]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                direct_count=_count_subquery(Member.objects.filter(unit=OuterRef("pk"))),
                subtree_count=_count_subquery(Member.objects.filter(unit__path__startswith=OuterRef("path"))),
            )
        )

    @admin.display(description=_("名称"), ordering="name")
    def tree_name(self, unit: Unit) -> SafeString:
        return format_html('<span style="padding-left: {}em">{}</span>', unit.depth * 1.5, unit.name)

    @admin.display(description=_("直属党员"), ordering="direct_count")
    def direct_members(self, unit: Unit) -> int:
        return int(getattr(unit, "direct_count", 0) or 0)

    @admin.display(description=_("党员总数"), ordering="subtree_count")
    def all_members(self, unit: Unit) -> int:
        return int(getattr(unit, "subtree_count", 0) or 0)


@admin.register(MemberCategory)
class MemberCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "member_count"]
    search_fields = ["code", "name", "name_en"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[MemberCategory]:
        return super().get_queryset(request).annotate(member_total=Count("members"))

    @admin.display(description=_("党员人数"), ordering="member_total")
    def member_count(self, category: MemberCategory) -> int:
        return int(getattr(category, "member_total", 0) or 0)


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["employee_no", "name", "unit", "category", "status", "joined_on", "account_active"]
    list_filter = ["status", "category", "unit__kind"]
    search_fields = ["employee_no", "name", "unit__code", "unit__name"]
    autocomplete_fields = ["unit", "category"]
    readonly_fields = ["user"]
    list_select_related = ["unit", "category", "user"]
    actions = ["reset_and_issue_code"]

    @admin.display(description=_("账号已激活"), boolean=True)
    def account_active(self, member: Member) -> bool:
        return bool(member.user and member.user.is_active and member.user.has_usable_password())

    @admin.action(description=_("重置密码并签发激活码"), permissions=["change"])
    def reset_and_issue_code(self, request: HttpRequest, queryset: QuerySet[Member]) -> None:
        # Imported here so the rest of the admin works even where activation is not installed.
        try:
            from org.services.activation import reset_account
        except ImportError:
            self.message_user(request, _("激活码服务不可用。"), messages.ERROR)
            return
        members = list(queryset.select_related("user").order_by("employee_no"))
        if len(members) > MAX_RESETS_AT_ONCE:
            self.message_user(
                request,
                _("一次最多重置 %(n)d 人；整个组织请使用激活码打印页。") % {"n": MAX_RESETS_AT_ONCE},
                messages.ERROR,
            )
            return
        issued, skipped = [], []
        for member in members:
            if member.status != MemberStatus.ACTIVE:
                skipped.append(f"{member.name}（{member.employee_no}）")
                continue
            try:
                code = reset_account(member=member, issued_by=request.user)
            except DomainError as exc:
                self.message_user(request, f"{member.name}（{member.employee_no}）：{exc.message}", messages.ERROR)
                continue
            issued.append(f"{member.name}（{member.employee_no}）：{code}")
        if issued:
            self.message_user(
                request,
                _("已重置 %(n)d 人的密码。新激活码只显示这一次，请抄送本人：") % {"n": len(issued)} + "；".join(issued),
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(request, _("已离开的党员不签发激活码：") + "、".join(skipped), messages.WARNING)


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "is_model", "holder_count"]
    list_filter = ["is_model", "unit__kind"]
    search_fields = ["code", "name", "unit__code", "unit__name"]
    autocomplete_fields = ["unit", "holders"]
    list_select_related = ["unit"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Post]:
        return super().get_queryset(request).annotate(holder_total=Count("holders", distinct=True))

    @admin.display(description=_("岗位人数"), ordering="holder_total")
    def holder_count(self, post: Post) -> int:
        return int(getattr(post, "holder_total", 0) or 0)


@admin.register(ActivationCode)
class ActivationCodeAdmin(admin.ModelAdmin):
    """Codes are issued by the activation service, never typed in here; only their trail is shown."""

    list_display = ["code_member", "code_issued_by", "code_issued_at", "code_expires_at", "code_used_at"]
    list_filter = [("used_at", admin.EmptyFieldListFilter)]
    search_fields = ["member__employee_no", "member__name"]
    list_select_related = ["member", "issued_by"]
    fields = ["code_member", "code_issued_by", "code_issued_at", "code_expires_at", "code_used_at"]
    readonly_fields = ["code_member", "code_issued_by", "code_issued_at", "code_expires_at", "code_used_at"]

    @admin.display(description=_("党员"), ordering="member__employee_no")
    def code_member(self, code: ActivationCode) -> str:
        return str(code.member)

    @admin.display(description=_("签发人"))
    def code_issued_by(self, code: ActivationCode) -> str:
        return code.issued_by.get_username() if code.issued_by else "-"

    @admin.display(description=_("签发时间"), ordering="issued_at")
    def code_issued_at(self, code: ActivationCode) -> Any:
        return code.issued_at

    @admin.display(description=_("有效期至"), ordering="expires_at")
    def code_expires_at(self, code: ActivationCode) -> Any:
        return code.expires_at

    @admin.display(description=_("使用时间"), ordering="used_at")
    def code_used_at(self, code: ActivationCode) -> Any:
        return code.used_at

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
