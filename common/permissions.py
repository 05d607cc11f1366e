"""API permissions shared by the apps: reading follows scope, writing is for administrators.

`common` imports no app, so the administrator test is looked up from `org.scope` lazily; the rule
itself (who is an administrator) stays in one place.
"""

from __future__ import annotations

from typing import Any

from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

_IS_ADMINISTRATOR = "org.scope.is_administrator"


def _is_administrator(user: Any) -> bool:
    return bool(import_string(_IS_ADMINISTRATOR)(user))


class IsAdministratorOrReadOnly(BasePermission):
    """Any signed-in user may read (the queryset narrows it to his scope); only administrators write."""

    message = _("只有管理员可以修改 (only administrators may change this)")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or _is_administrator(user)


class IsAdministrator(BasePermission):
    message = _("只有管理员可以执行此操作 (only administrators may do this)")

    def has_permission(self, request: Request, view: Any) -> bool:
        return _is_administrator(request.user)
