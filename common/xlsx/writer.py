"""Empty templates for people to fill in: Chinese headers with their keys, drop-downs, an example sheet."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from common.xlsx.reader import Column, Sheet
from common.xlsx.stream import display_width

EXAMPLE_SHEET = "示例"
TEMPLATE_ROWS = 5000  # how far down drop-downs and text formats reach
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_SECTION_FONT = Font(bold=True, size=12)


def _column_width(column: Column, samples: Sequence[object]) -> float:
    if column.width is not None:
        return column.width
    widest = max([display_width(column.header), *(display_width(s) for s in samples if s is not None)])
    return float(min(max(widest + 2, 8), 50))


def _write_header(sheet: Worksheet, row: int, columns: Sequence[Column]) -> None:
    for position, column in enumerate(columns, start=1):
        cell = sheet.cell(row=row, column=position, value=column.header)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        if column.note:
            cell.comment = Comment(column.note, "model-power")


def _add_dropdowns(sheet: Worksheet, columns: Sequence[Column]) -> None:
    for position, column in enumerate(columns, start=1):
        if not column.dropdown:
            continue
        # A warning, not a stop: typing the key (`branch`) instead of the label (党支部) is allowed too.
        validation = DataValidation(
            type="list",
            formula1='"{}"'.format(",".join(column.dropdown)),
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle="请从列表中选择 (choose from the list)",
            error="可选：" + "、".join(column.dropdown),
        )
        letter = get_column_letter(position)
        validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
        sheet.add_data_validation(validation)


def _fill_sheet(sheet: Worksheet, spec: Sheet, samples: Sequence[Sequence[Any]]) -> None:
    _write_header(sheet, 1, spec.columns)
    sheet.freeze_panes = "A2"
    for position, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(position)
        dimension = sheet.column_dimensions[letter]
        dimension.width = _column_width(column, [row[position - 1] for row in samples if len(row) >= position])
        if column.is_text:
            dimension.number_format = "@"  # so that 001 stays 001 when typed
    _add_dropdowns(sheet, spec.columns)


def _write_examples(sheet: Worksheet, specs: Sequence[Sheet], examples: Mapping[str, Sequence[Sequence[Any]]]) -> None:
    sheet.cell(
        row=1, column=1, value="填写示例，仅供参考；导入时忽略本工作表 (examples only: this sheet is ignored on import)"
    )
    sheet.cell(row=1, column=1).font = Font(italic=True, color="808080")
    row = 3
    for spec in specs:
        rows = examples.get(spec.key, ())
        if not rows:
            continue
        sheet.cell(row=row, column=1, value=spec.title).font = _SECTION_FONT
        _write_header(sheet, row + 1, spec.columns)
        for offset, values in enumerate(rows, start=row + 2):
            for position, value in enumerate(values, start=1):
                sheet.cell(row=offset, column=position, value=value)
        row += len(rows) + 3
    widths: dict[int, float] = {}
    for spec in specs:
        for position, column in enumerate(spec.columns, start=1):
            samples = [r[position - 1] for r in examples.get(spec.key, ()) if len(r) >= position]
            widths[position] = max(widths.get(position, 0.0), _column_width(column, samples))
    for position, width in widths.items():
        sheet.column_dimensions[get_column_letter(position)].width = width


def template_workbook(specs: Sequence[Sheet], *, examples: Mapping[str, Sequence[Sequence[Any]]]) -> Workbook:
    """One empty sheet per spec (header only), then the example sheet `示例` with `examples[key]` rows
    in each spec's column order, under a title cell holding the sheet's name."""
    workbook = Workbook()
    first = True
    for spec in specs:
        sheet = workbook.active if first else workbook.create_sheet()
        assert sheet is not None
        first = False
        sheet.title = spec.title
        _fill_sheet(sheet, spec, examples.get(spec.key, ()))
    _write_examples(workbook.create_sheet(EXAMPLE_SHEET), specs, examples)
    workbook.properties.creator = "model-power"
    return workbook


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def print_a4(sheet: Any, *, landscape: bool = False, title_rows: str | None = None) -> None:
    """Print setup for a sheet people print: A4, one page wide and as many pages down as it takes,
    `title_rows` (e.g. "3:3") repeated on every page, page numbers in the footer. Works on write-only
    sheets too (call it before the first row)."""
    if title_rows:
        sheet.print_title_rows = title_rows
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE if landscape else Worksheet.ORIENTATION_PORTRAIT
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    sheet.oddFooter.right.text = "&A"


def print_a4_portrait(sheet: Worksheet, *, title_rows: str) -> None:
    print_a4(sheet, title_rows=title_rows)
