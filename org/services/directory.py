"""The directory as the API edits it: units, members, categories and posts, looked up in scope."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, QuerySet

from common.errors import DomainError, NotInScope
from org.models import Member, MemberCategory, MemberStatus, Post, Unit
from org.scope import units_visible_to
from org.services.accounts import ensure_accounts
from org.services.units import subtree_q

_UNSET: Any = object()


def unit_in_scope(*, user: Any, code: str) -> Unit:
    """The unit with this code, if the user may see it; otherwise not found, whether it exists or not."""
    unit = units_visible_to(user).filter(code=code).first()
    if unit is None:
        raise NotInScope(f"组织 {code} 不存在 (unit {code} not found)")
    return unit


def within_unit(queryset: QuerySet[Any], *, unit: Unit, field: str = "path") -> QuerySet[Any]:
    """Narrow rows to the unit's subtree; `field` is the path of the row's unit (`unit__path` for members)."""
    return queryset.filter(subtree_q([unit.path], field=field))


def _validated(instance: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """Run the model's own rules and report them as one domain error (shown to the user as it is)."""
    try:
        instance.full_clean(exclude=list(exclude), validate_constraints=False)
    except ValidationError as exc:
        raise DomainError("；".join(exc.messages)) from exc


def _apply(instance: models.Model, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if value is not _UNSET:
            setattr(instance, name, value)


def _delete(instance: models.Model, *, what: str) -> None:
    try:
        with transaction.atomic():
            instance.delete()
    except ProtectedError as exc:
        raise DomainError(f"{what}仍被引用，不能删除 ({what} is still in use and cannot be deleted)") from exc


@transaction.atomic
def save_unit(
    *,
    unit: Unit | None = None,
    code: str = _UNSET,
    name: str = _UNSET,
    kind: str = _UNSET,
    parent: Unit | None = _UNSET,
    secretary: Member | None = _UNSET,
) -> Unit:
    """Create a unit (no `unit`) or change the given fields of one; the tree must stay a tree."""
    unit = unit or Unit()
    _apply(unit, {"code": code, "name": name, "kind": kind, "parent": parent, "secretary": secretary})
    if unit.parent_id is not None and unit.pk is not None and unit.parent_id == unit.pk:
        raise DomainError("组织不能以自己为上级 (a unit cannot be its own parent)")
    _validated(unit, exclude=["path"])
    unit.save()
    return unit


def delete_unit(*, unit: Unit) -> None:
    if unit.children.exists() or unit.members.exists() or unit.posts.exists():
        raise DomainError(
            f"组织 {unit.code} 下仍有下级组织、党员或岗位，不能删除"
            f" (unit {unit.code} still has units, members or posts)"
        )
    _delete(unit, what=f"组织 {unit.code} ")


@transaction.atomic
def save_member(
    *,
    member: Member | None = None,
    employee_no: str = _UNSET,
    name: str = _UNSET,
    unit: Unit = _UNSET,
    category: MemberCategory = _UNSET,
    joined_on: date | None = _UNSET,
    status: str = _UNSET,
) -> Member:
    """Create a member (with his login account) or change the given fields of one."""
    creating = member is None
    member = member or Member(status=MemberStatus.ACTIVE)
    old_number = member.employee_no
    _apply(
        member,
        {
            "employee_no": employee_no,
            "name": name,
            "unit": unit,
            "category": category,
            "joined_on": joined_on,
            "status": status,
        },
    )
    _validated(member, exclude=["user"])
    member.save()
    if creating:
        ensure_accounts(members=[member])
        member.refresh_from_db()
    elif member.user_id is not None and old_number != member.employee_no:
        _rename_account(user_id=member.user_id, username=member.employee_no)
    return member


def _rename_account(*, user_id: int, username: str) -> None:
    # The username is the employee number: a renumbered member signs in with his new number.
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exclude(pk=user_id).exists():
        raise DomainError(f"已有登录账号使用用户名 {username} (another account already uses {username})")
    user_model.objects.filter(pk=user_id).update(username=username)


def delete_member(*, member: Member) -> None:
    _delete(member, what=f"党员 {member.employee_no} ")


@transaction.atomic
def save_category(
    *,
    category: MemberCategory | None = None,
    code: str = _UNSET,
    name: str = _UNSET,
    name_en: str = _UNSET,
) -> MemberCategory:
    category = category or MemberCategory()
    _apply(category, {"code": code, "name": name, "name_en": name_en})
    _validated(category)
    category.save()
    return category


def delete_category(*, category: MemberCategory) -> None:
    if category.members.exists():
        raise DomainError(f"人员类别 {category.code} 下仍有党员，不能删除 (category {category.code} still has members)")
    _delete(category, what=f"人员类别 {category.code} ")


@transaction.atomic
def save_post(
    *,
    post: Post | None = None,
    code: str = _UNSET,
    name: str = _UNSET,
    unit: Unit = _UNSET,
    is_model: bool = _UNSET,
    holders: Iterable[Member] = _UNSET,
) -> Post:
    post = post or Post()
    _apply(post, {"code": code, "name": name, "unit": unit, "is_model": is_model})
    _validated(post)
    post.save()
    if holders is not _UNSET:
        post.holders.set(list(holders))
    return post


def delete_post(*, post: Post) -> None:
    _delete(post, what=f"岗位 {post.code} ")
