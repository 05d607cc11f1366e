"""What every sheet of the comparison workbook shares: the words for trends and statuses, the title
rows, the header row, print setup and the colours of rising and falling.

Sheets are write-only (streamed): the sheet's top — column widths, frozen panes, print setup, row
heights — is written with its first row, so `start_table` sets it all before appending anything;
merged cells, filters and conditional formats go at the end of the sheet and may follow the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from common.xlsx.stream import HEADER_ALIGNMENT, HEADER_FONT, TITLE_FONT, StreamColumn, text_cell
from common.xlsx.writer import print_a4
from indicators.models import DIMENSIONS as DIMENSION_NAMES
from indicators.periods import Period

TREND_LABELS = {"up": "↑ 上升", "down": "↓ 下降", "flat": "→ 持平"}
STATUS_LABELS = {"both": "两期均有", "new": "新增", "left": "离开"}
DIMENSION_LABELS = {key: zh for key, zh, _en in DIMENSION_NAMES}
MEASURE_LABELS = {"total": "总分", **DIMENSION_LABELS}

# Rising green, falling red: the fills Excel itself offers for "good" and "bad".
RISING_FILL = PatternFill("solid", fgColor="C6EFCE")
RISING_FONT = Font(color="006100")
FALLING_FILL = PatternFill("solid", fgColor="FFC7CE")
FALLING_FONT = Font(color="9C0006")

# Header fills alternate between the groups of columns (总分, then each dimension), so a wide sheet
# reads as blocks.
GROUP_FILLS = (PatternFill("solid", fgColor="DDEBF7"), PatternFill("solid", fgColor="FCE4D6"))
SUBTITLE_FONT = Font(color="595959")
SECTION_FONT = Font(bold=True, size=12)
LABEL_FONT = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")

TITLE_ROWS = 2  # title, subtitle; the header row follows
HEADER_ROW = TITLE_ROWS + 1
FIRST_DATA_ROW = HEADER_ROW + 1
# Excel's last row: a longer table continues on a sheet of its own.
EXCEL_MAX_ROWS = 1_048_576
HEADER_HEIGHT = 32
# A table printed in blocks prints at this scale. What fits across an A4 landscape page inside the
# margins below, in screen pixels at that scale, and what a column takes: about 8.5 pixels a width
# unit with the CJK fonts office suites fall back to, plus padding.
BLOCK_SCALE = 90
PAGE_WIDTH_PX = 1000.0 * 100 / BLOCK_SCALE
PX_PER_WIDTH_UNIT = 8.5
PX_PER_COLUMN = 5.0


def trend_label(trend: object) -> str | None:
    return TREND_LABELS.get(trend) if isinstance(trend, str) else None


def period_label(period: Period) -> str:
    return period.label


@dataclass(frozen=True)
class Header:
    """A column of a report table: what the header says and which group of columns it belongs to."""

    column: StreamColumn
    group: int = 0


def start_table(
    sheet: Any,
    headers: Sequence[Header],
    *,
    title: str,
    subtitle: str,
    freeze_columns: int,
    print_blocks: bool = False,
) -> None:
    """Everything above a table's first data row. Column widths must already be set.

    `print_blocks`: a table too wide for one page prints its groups of columns on pages of their own,
    each repeating the frozen columns, instead of shrinking everything to an unreadable size.
    """
    sheet.freeze_panes = f"{get_column_letter(freeze_columns + 1)}{FIRST_DATA_ROW}"
    print_landscape(sheet)
    if print_blocks:
        _print_in_blocks(sheet, headers, repeat_columns=freeze_columns)
    sheet.row_dimensions[1].height = 24
    sheet.row_dimensions[HEADER_ROW].height = HEADER_HEIGHT
    sheet.append([text_cell(sheet, title, font=TITLE_FONT)])
    sheet.append([text_cell(sheet, subtitle, font=SUBTITLE_FONT)])
    last = get_column_letter(max(len(headers), 1))
    for row in range(1, TITLE_ROWS + 1):
        sheet.merged_cells.add(f"A{row}:{last}{row}")
    cells = []
    for header in headers:
        cell = text_cell(sheet, header.column.header, font=HEADER_FONT, fill=GROUP_FILLS[header.group % 2])
        cell.alignment = HEADER_ALIGNMENT
        cells.append(cell)
    sheet.append(cells)


def print_landscape(sheet: Any, *, repeat_rows: str | None = f"{HEADER_ROW}:{HEADER_ROW}") -> None:
    """A4 landscape, one page wide, the header repeated on every page, page numbers in the footer."""
    print_a4(sheet, landscape=True, title_rows=repeat_rows)


def _printed_width(sheet: Any, column: int) -> float:
    units = float(sheet.column_dimensions[get_column_letter(column)].width or 8.43)
    return units * PX_PER_WIDTH_UNIT + PX_PER_COLUMN


def column_breaks(widths: Sequence[float], groups: Sequence[int], *, repeat_columns: int, page: float) -> list[int]:
    """The columns after which a new page starts: pages as full as `page` allows, each page's columns
    plus the repeated ones, broken only between groups unless a group alone is wider than a page."""
    repeated = sum(widths[:repeat_columns])
    breaks: list[int] = []
    used = repeated
    column = repeat_columns
    while column < len(widths):
        end = column
        while end + 1 < len(widths) and groups[end + 1] == groups[column]:
            end += 1
        group_width = sum(widths[column : end + 1])
        if used + group_width > page and used > repeated:
            breaks.append(column)  # 1-based "after column `column`" is the 0-based start of this group
            used = repeated
        used += group_width
        column = end + 1
    return breaks


def _print_in_blocks(sheet: Any, headers: Sequence[Header], *, repeat_columns: int) -> None:
    widths = [_printed_width(sheet, position) for position in range(1, len(headers) + 1)]
    groups = [header.group for header in headers]
    breaks = column_breaks(widths, groups, repeat_columns=repeat_columns, page=PAGE_WIDTH_PX)
    if not breaks:
        return
    # Fit-to-page would ignore the breaks: print at a fixed scale, block after block.
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=False)
    sheet.page_setup.fitToWidth = sheet.page_setup.fitToHeight = None
    sheet.page_setup.scale = BLOCK_SCALE
    sheet.page_setup.pageOrder = "overThenDown"
    if repeat_columns:
        sheet.print_title_cols = f"A:{get_column_letter(repeat_columns)}"
    for after in breaks:
        sheet.col_breaks.append(Break(id=after, max=EXCEL_MAX_ROWS - 1))


def first_block_end(sheet: Any) -> int | None:
    """The last column of the first printed page of a sheet printed in blocks; None if unbroken."""
    breaks = [page_break.id for page_break in sheet.col_breaks.brk]
    return min(breaks) if breaks else None


def print_table_then_charts(sheet: Any, *, width: int, table_end: int, charts: tuple[int, int]) -> None:
    """Print the table (in its blocks), then the rows holding the charts on a page of their own, as
    wide as the table's first page, so that no chart is cut by a column break."""
    columns = get_column_letter(first_block_end(sheet) or width)
    sheet.print_area = [
        f"A1:{get_column_letter(width)}{table_end}",
        f"A{charts[0]}:{columns}{charts[1]}",
    ]


def reserve_rows(sheet: Any, count: int) -> None:
    """Empty rows under a chart, so that the sheet (and its print area) reaches below it."""
    for _ in range(count):
        sheet.append([])


def print_portrait(sheet: Any) -> None:
    print_landscape(sheet, repeat_rows=None)
    sheet.page_setup.orientation = Worksheet.ORIENTATION_PORTRAIT


def colour_trends(sheet: Any, *, cells: str, trend_cell: str) -> None:
    """Green where the row's trend cell says rising, red where it says falling.

    `cells` is a range such as "K4:L900"; `trend_cell` the trend column's first cell with the column
    anchored ("$L4"), so each row looks at its own trend.
    """
    for label, fill, font in (("up", RISING_FILL, RISING_FONT), ("down", FALLING_FILL, FALLING_FONT)):
        rule = FormulaRule(formula=[f'{trend_cell}="{TREND_LABELS[label]}"'], fill=fill, font=font)
        sheet.conditional_formatting.add(cells, rule)


def filter_header(sheet: Any, *, width: int, last_row: int) -> None:
    """Excel's filter buttons on the header row, so a secretary can sort and filter in place."""
    if last_row >= FIRST_DATA_ROW:
        sheet.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(width)}{last_row}"


def columns_of(headers: Sequence[Header]) -> list[StreamColumn]:
    return [header.column for header in headers]


__all__ = [
    "FIRST_DATA_ROW",
    "HEADER_ROW",
    "LABEL_FONT",
    "MEASURE_LABELS",
    "SECTION_FONT",
    "STATUS_LABELS",
    "TREND_LABELS",
    "WRAP",
    "Header",
    "colour_trends",
    "columns_of",
    "filter_header",
    "period_label",
    "print_landscape",
    "print_portrait",
    "start_table",
    "trend_label",
]
