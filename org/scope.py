"""Who may see what. Every queryset behind a page or an endpoint starts from these helpers.

Administrator: everything. Branch secretary: the units he is secretary of and everything below
them. Member: himself (and his own unit). Anything outside is reported as not found.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from org.models import Member, Post, Unit
from org.services.units import subtree_q


def is_administrator(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active and (user.is_superuser or user.is_staff))


def member_of(user: Any) -> Member | None:
    if not (user and user.is_authenticated):
        return None
    try:
        return user.member  # type: ignore[no-any-return]
    except Member.DoesNotExist:
        return None


def secretary_units(user: Any) -> QuerySet[Unit]:
    member = member_of(user)
    if member is None:
        return Unit.objects.none()
    return Unit.objects.filter(secretary=member)


def is_secretary(user: Any) -> bool:
    return secretary_units(user).exists()


def _secretary_paths(user: Any) -> list[str]:
    return list(secretary_units(user).values_list("path", flat=True))


def units_visible_to(user: Any) -> QuerySet[Unit]:
    if is_administrator(user):
        return Unit.objects.all()
    paths = _secretary_paths(user)
    member = member_of(user)
    query = subtree_q(paths)
    if member is not None:
        query |= Q(pk=member.unit_id)
    return Unit.objects.filter(query)


def members_visible_to(user: Any) -> QuerySet[Member]:
    if is_administrator(user):
        return Member.objects.all()
    member = member_of(user)
    query = subtree_q(_secretary_paths(user), field="unit__path")
    if member is not None:
        query |= Q(pk=member.pk)
    return Member.objects.filter(query)


def posts_visible_to(user: Any) -> QuerySet[Post]:
    if is_administrator(user):
        return Post.objects.all()
    member = member_of(user)
    query = subtree_q(_secretary_paths(user), field="unit__path")
    if member is not None:
        query |= Q(holders=member.pk)
    return Post.objects.filter(query).distinct()


def role_of(user: Any) -> str:
    """`admin`, `secretary`, `member` or `none`: the role a page greets the user with."""
    if is_administrator(user):
        return "admin"
    if is_secretary(user):
        return "secretary"
    if member_of(user) is not None:
        return "member"
    return "none"
