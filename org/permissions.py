"""API permissions shared by the apps: reading follows scope, writing is for administrators."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from org.scope import is_administrator


class IsAdministratorOrReadOnly(BasePermission):
    """Any signed-in user may read (the queryset narrows it to his scope); only administrators write."""

    message = _("只有管理员可以修改 (only administrators may change this)")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or is_administrator(user)


class IsAdministrator(BasePermission):
    message = _("只有管理员可以执行此操作 (only administrators may do this)")

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_administrator(request.user)
