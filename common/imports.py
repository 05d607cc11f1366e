"""The kinds of workbook that can be imported. Each app registers its own kinds (in its AppConfig.ready),
so the template command, the upload page and the API serve them all without common importing apps."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.core.management.base import BaseCommand, CommandError
from openpyxl import Workbook

from common.errors import DomainError, ImportErrors, NotInScope
from common.xlsx import ImportResult, WorkbookSource, workbook_bytes

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ImportOption:
    """A parameter of an import besides the file, e.g. the year of an indicator system."""

    name: str
    label: str
    type: Literal["int", "bool"]
    required: bool = False
    help_text: str = ""


@dataclass(frozen=True)
class ImportKind:
    kind: str
    label: str
    # Called as importer(source=..., user=..., **options); returns what it did or raises a DomainError.
    importer: Callable[..., ImportResult]
    template_builder: Callable[[], Workbook | bytes]
    options: tuple[ImportOption, ...] = ()

    @property
    def template_filename(self) -> str:
        return f"{self.kind}-template.xlsx"

    def template_bytes(self) -> bytes:
        built = self.template_builder()
        return built if isinstance(built, bytes) else workbook_bytes(built)


_REGISTRY: dict[str, ImportKind] = {}


def register_import(
    kind: str,
    *,
    label: str,
    importer: Callable[..., ImportResult],
    template_builder: Callable[[], Workbook | bytes],
    options: tuple[ImportOption, ...] = (),
) -> ImportKind:
    """Register (or re-register, as module reloads do) one kind of import."""
    entry = ImportKind(kind=kind, label=label, importer=importer, template_builder=template_builder, options=options)
    _REGISTRY[kind] = entry
    return entry


def import_kinds() -> list[ImportKind]:
    return list(_REGISTRY.values())


def get_import(kind: str) -> ImportKind:
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise NotInScope(f"没有这种导入：{kind} (no such import kind)") from None


def run_import(kind: str, *, source: WorkbookSource, user: Any = None, options: Mapping[str, Any]) -> ImportResult:
    """Run one registered import with the options it declares; a missing required option is refused."""
    entry = get_import(kind)
    given: dict[str, Any] = {}
    for option in entry.options:
        value = options.get(option.name)
        if value is None or value == "":
            if option.required:
                raise DomainError(f"缺少参数“{option.label}” ({option.name}) (missing {option.name})")
            continue
        given[option.name] = value
    return entry.importer(source=source, user=user, **given)


def run_for_command(command: BaseCommand, call: Callable[[], ImportResult]) -> ImportResult:
    """Run an import from a management command: every error line to stderr, then a non-zero exit."""
    try:
        result = call()
    except ImportErrors as exc:
        for line in exc.messages:
            command.stderr.write(line)
        count = len(exc.errors)
        raise CommandError(
            f"导入失败：{count} 个错误，未写入任何数据 (import refused: {count} errors; nothing was written)"
        ) from exc
    except DomainError as exc:
        raise CommandError(exc.message) from exc
    command.stdout.write(result.summary())
    return result
