"""Build small workbooks in tests: `xlsx({"成员": [[header…], [row…]]})` → the file's bytes."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import openpyxl


def xlsx(sheets: Mapping[str, Sequence[Sequence[Any]]]) -> bytes:
    workbook = openpyxl.Workbook()
    for index, (title, rows) in enumerate(sheets.items()):
        sheet = workbook.worksheets[0] if index == 0 else workbook.create_sheet()
        sheet.title = title
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_back(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def examples_of(workbook: openpyxl.Workbook) -> dict[str, list[list[Any]]]:
    """The example rows of the template's 示例 sheet, by the title of the sheet they belong to."""
    found: dict[str, list[list[Any]]] = {}
    current: str | None = None
    skip_header = False
    for values in workbook["示例"].iter_rows(values_only=True):
        cells = [v for v in values if v not in (None, "")]
        if not cells:
            current = None
            continue
        if len(cells) == 1 and str(cells[0]) in workbook.sheetnames:
            current, skip_header = str(cells[0]), True
            found[current] = []
            continue
        if current is None:
            continue
        if skip_header:
            skip_header = False
            continue
        found[current].append(list(values))
    return found


def fill_template(workbook: openpyxl.Workbook) -> bytes:
    """The template with its own example rows copied into the sheets they belong to."""
    for title, rows in examples_of(workbook).items():
        for row in rows:
            workbook[title].append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
