"""The upload page for administrators: pick a kind, upload a workbook, see the counts or every error."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError, ImportErrors, NotInScope
from common.imports import XLSX_CONTENT_TYPE, ImportKind, get_import, import_kinds, run_import
from common.xlsx import label_of


def _entry_or_404(kind: str) -> ImportKind:
    try:
        return get_import(kind)
    except NotInScope:
        raise Http404(kind) from None


def upload_form_class(entry: ImportKind) -> type[forms.Form]:
    fields: dict[str, forms.Field] = {
        "file": forms.FileField(label=_("工作簿 (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))
    }
    for option in entry.options:
        if option.type == "int":
            initial = timezone.localdate().year if option.name == "year" else None
            fields[option.name] = forms.IntegerField(
                label=option.label, required=option.required, help_text=option.help_text, initial=initial
            )
        else:
            fields[option.name] = forms.BooleanField(label=option.label, required=False, help_text=option.help_text)
    return type("ImportUploadForm", (forms.Form,), fields)


def _page(request: HttpRequest, entry: ImportKind | None, **context: Any) -> HttpResponse:
    return render(
        request,
        "common/import_upload.html",
        {
            **admin.site.each_context(request),
            "title": _("数据导入"),
            "entry": entry,
            "kinds": import_kinds(),
            **context,
        },
    )


@staff_member_required
def import_index(request: HttpRequest) -> HttpResponse:
    kinds = import_kinds()
    if len(kinds) == 1:
        return redirect("import-upload", kind=kinds[0].kind)
    return _page(request, None)


@staff_member_required
def import_upload(request: HttpRequest, kind: str) -> HttpResponse:
    entry = _entry_or_404(kind)
    form_class = upload_form_class(entry)
    form = form_class(request.POST, request.FILES) if request.method == "POST" else form_class()
    errors: list[str] = []
    error_count = 0
    rows: list[tuple[str, Any]] = []
    summary = ""
    if request.method == "POST" and form.is_valid():
        options = {name: value for name, value in form.cleaned_data.items() if name != "file"}
        try:
            result = run_import(entry.kind, source=form.cleaned_data["file"], user=request.user, options=options)
        except ImportErrors as exc:
            errors, error_count = exc.messages, len(exc.errors)
        except DomainError as exc:
            errors, error_count = exc.messages, 1
        else:
            rows = [(label_of(name), counts) for name, counts in result.counts.items()]
            summary = result.summary()
    return _page(
        request,
        entry,
        form=form,
        errors=errors,
        error_count=error_count,
        rows=rows,
        summary=summary,
    )


@staff_member_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    entry = _entry_or_404(kind)
    response = HttpResponse(entry.template_bytes(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{entry.template_filename}"'
    return response
