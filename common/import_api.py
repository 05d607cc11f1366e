"""POST /api/v1/imports/<kind>/ (a workbook) and GET /api/v1/imports/<kind>/template/ (its empty template).

Administrators only. A refused import is a 400 with every `sheet!cell: message` (common.api formats it).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import URLPattern, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAdminUser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.errors import NotInScope
from common.imports import XLSX_CONTENT_TYPE, ImportKind, get_import, run_import

KIND_PARAMETER = OpenApiParameter(
    "kind",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="导入种类 (import kind): roster, indicators, …",
)


class XlsxRenderer(BaseRenderer):
    """Lets a client ask for the template with `Accept: <xlsx type>`; the view sends the bytes itself."""

    media_type = XLSX_CONTENT_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return data if isinstance(data, bytes) else JSONRenderer().render(data)


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="xlsx 工作簿 (the workbook)")
    year = serializers.IntegerField(
        required=False, min_value=1900, max_value=2999, help_text="年度，指标体系导入必填 (year; indicators only)"
    )
    publish = serializers.BooleanField(
        required=False, default=False, help_text="导入后发布，仅指标体系 (publish after import; indicators only)"
    )
    replace = serializers.BooleanField(
        required=False,
        default=False,
        help_text="整份替换已有答卷，仅答卷导入 (replace stored responses; responses only)",
    )


class KindCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    deleted = serializers.IntegerField()


class ImportResultSerializer(serializers.Serializer):
    kind = serializers.CharField()
    changed = serializers.BooleanField()
    counts = serializers.DictField(child=KindCountsSerializer())
    notes = serializers.ListField(child=serializers.CharField())
    summary = serializers.CharField()


class ImportErrorsSerializer(serializers.Serializer):
    detail = serializers.CharField()
    # The metaclass moves declared fields off the class, so this does not shadow Serializer.errors at run time.
    errors = serializers.ListField(child=serializers.CharField(), required=False)  # type: ignore[assignment]


def _entry(kind: str) -> ImportKind:
    try:
        return get_import(kind)
    except NotInScope:
        raise NotFound("未找到 (not found)") from None


class ImportView(APIView):
    permission_classes = [IsAdminUser]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="imports_create",
        summary="导入工作簿 (import a workbook)",
        parameters=[KIND_PARAMETER],
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            200: ImportResultSerializer,
            400: OpenApiResponse(ImportErrorsSerializer, description="every error as sheet!cell: message"),
            404: OpenApiResponse(description="no such import kind"),
            409: OpenApiResponse(ImportErrorsSerializer, description="the year's system is published"),
        },
        tags=["imports"],
    )
    def post(self, request: Request, kind: str) -> Response:
        entry = _entry(kind)
        serializer = ImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        options = {name: value for name, value in serializer.validated_data.items() if name != "file"}
        result = run_import(entry.kind, source=serializer.validated_data["file"], user=request.user, options=options)
        return Response({"kind": entry.kind, **result.as_dict()})


class ImportTemplateView(APIView):
    permission_classes = [IsAdminUser]
    renderer_classes = [JSONRenderer, XlsxRenderer]

    @extend_schema(
        operation_id="imports_template_retrieve",
        summary="下载空模板 (download the empty template)",
        parameters=[KIND_PARAMETER],
        responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY, 404: OpenApiResponse(description="no such kind")},
        tags=["imports"],
    )
    def get(self, request: Request, kind: str) -> HttpResponse:
        entry = _entry(kind)
        response = HttpResponse(entry.template_bytes(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{entry.template_filename}"'
        return response


urlpatterns: list[URLPattern] = [
    path("imports/<str:kind>/", ImportView.as_view(), name="api-import"),
    path("imports/<str:kind>/template/", ImportTemplateView.as_view(), name="api-import-template"),
]
