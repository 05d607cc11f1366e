"""The one place where domain errors become API responses."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.errors import DomainError, ImportErrors


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        return Response({"detail": "；".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DomainError):
        body: dict[str, Any] = {"detail": exc.message}
        if isinstance(exc, ImportErrors):
            body = {"detail": "导入失败，未写入任何数据 (import refused; nothing was written)", "errors": exc.messages}
        if exc.status_code == status.HTTP_404_NOT_FOUND:
            body = {"detail": "未找到 (not found)"}
        return Response(body, status=exc.status_code)
    return drf_exception_handler(exc, context)
