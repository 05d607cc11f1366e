"""Streaming rows into openpyxl write-only sheets with a style per column, and text that stays text.

A write-only sheet writes each row as it is appended, so a workbook of millions of cells never sits
in memory. Styling each cell the usual way would create a styled cell object per value; instead a
`RowWriter` keeps one styled cell per column and reuses it row after row (the sheet has written the
previous row before `append` returns), so a styled row costs what a plain one does.

Text safety (FORMATS.md): every text value is written as a string (`data_type "s"`), and one that
begins with `=` `+` `-` `@` tab or CR also carries the quote-prefix style, so Excel never turns it
into a formula, not even when someone edits the cell later.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
TITLE_FONT = Font(bold=True, size=14)

ONE_DECIMAL = "0.0"
PERCENT = "0.0%"
THREE_DECIMALS = "0.000"
WHOLE = "0"


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def display_width(text: object) -> int:
    """Columns a text needs: a Chinese character is two wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def clean_text(value: object) -> str:
    """The text of a value as a worksheet can hold it: XML has no place for most control characters."""
    text = str(value)
    return ILLEGAL_CHARACTERS_RE.sub("", text) if ILLEGAL_CHARACTERS_RE.search(text) else text


def text_cell(sheet: Any, value: object, *, font: Font | None = None, fill: PatternFill | None = None) -> Cell:
    """One styled text cell for a write-only sheet (headers, titles, notes)."""
    text = clean_text(value)
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    if is_formula_like(text):
        cell.quotePrefix = True
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    return cell


def header_cells(sheet: Any, headers: Iterable[str]) -> list[Cell]:
    cells = []
    for header in headers:
        cell = text_cell(sheet, header, font=HEADER_FONT, fill=HEADER_FILL)
        cell.alignment = HEADER_ALIGNMENT
        cells.append(cell)
    return cells


@dataclass(frozen=True)
class StreamColumn:
    """One column of a streamed table: its header, and either text or a number format."""

    header: str
    number_format: str | None = None  # None: text
    width: float | None = None  # None: fitted to the header and the values

    @property
    def is_text(self) -> bool:
        return self.number_format is None


def text(header: str, width: float | None = None) -> StreamColumn:
    return StreamColumn(header, None, width)


def number(header: str, number_format: str = ONE_DECIMAL, width: float | None = None) -> StreamColumn:
    return StreamColumn(header, number_format, width)


def hand_cells_through(sheet: Any) -> None:
    """Let a write-only sheet take our prepared cells as they are.

    openpyxl's write-only `append` tries every item as a value first; for a cell that raises (and
    formats) a ValueError before the cell is used, and after a styled cell it allocates a new one —
    a third of the export's time (bench/RESULTS.md). The sheet XML comes out byte for byte the same;
    openpyxl is pinned, and a test compares the two paths.
    """
    sheet._values_to_row = lambda values, row_index: _cells_of_row(sheet, values, row_index)


def _cells_of_row(sheet: Any, values: Iterable[Any], row_index: int) -> Iterator[Cell]:
    column = 0
    for value in values:
        column += 1
        if value is None:
            continue
        cell = value if isinstance(value, Cell) else WriteOnlyCell(sheet, value)
        cell.column = column
        cell.row = row_index
        yield cell


class RowWriter:
    """Appends rows of plain Python values (None for an empty cell) to a write-only sheet."""

    def __init__(self, sheet: Any, columns: Sequence[StreamColumn]) -> None:
        self.sheet = sheet
        self.columns = list(columns)
        self._plain: list[Cell] = []
        self._quoted: list[Cell | None] = []
        for column in self.columns:
            cell = WriteOnlyCell(sheet)
            if column.number_format is not None:
                cell.number_format = column.number_format
            self._plain.append(cell)
            if column.is_text:
                quoted = WriteOnlyCell(sheet)
                quoted.quotePrefix = True
                self._quoted.append(quoted)
            else:
                self._quoted.append(None)
        self._is_text = [column.is_text for column in self.columns]
        hand_cells_through(sheet)

    def append(self, values: Sequence[Any]) -> None:
        row: list[Cell | None] = []
        for position, value in enumerate(values):
            if value is None:
                row.append(None)
                continue
            if self._is_text[position]:
                # `value` is already clean text (see `text_values`); data_type is set after the value
                # because openpyxl would otherwise take a leading "=" for a formula.
                quoted = self._quoted[position]
                cell = quoted if quoted is not None and value.startswith(FORMULA_STARTS) else self._plain[position]
                cell.value = value
                cell.data_type = "s"
            else:
                cell = self._plain[position]
                cell.value = value
            row.append(cell)
        self.sheet.append(row)

    def append_frame(self, frame: pd.DataFrame, *, progress: Any = None, every: int = 50_000) -> int:
        """Append every row of `frame`, whose columns are in this writer's order. Returns rows written."""
        columns = [
            text_values(frame.iloc[:, i]) if is_text else number_values(frame.iloc[:, i])
            for i, is_text in enumerate(self._is_text)
        ]
        count = 0
        for values in zip(*columns, strict=True):
            self.append(values)
            count += 1
            if progress is not None and count % every == 0:
                progress(count)
        return count

    def fit_widths(self, frame: pd.DataFrame | None = None, *, minimum: float = 6, maximum: float = 40) -> None:
        """Column widths for the header and (a sample of) the values; must run before the first row."""
        for position, column in enumerate(self.columns):
            width = column.width
            if width is None:
                widest = max((display_width(part) for part in column.header.split("\n")), default=0)
                if frame is not None and not frame.empty:
                    widest = max(widest, _widest_value(frame.iloc[:, position], column))
                width = float(min(max(widest + 2, minimum), maximum))
            self.sheet.column_dimensions[get_column_letter(position + 1)].width = width


def _widest_value(series: pd.Series, column: StreamColumn) -> int:
    if column.is_text:
        values = series.dropna().astype(str)
        if values.empty:
            return 0
        # Display width is at most twice the length: measure only the longest few distinct values.
        distinct = pd.Series(values.unique())
        longest = distinct[distinct.str.len() >= distinct.str.len().max() / 2]
        return max(display_width(value) for value in longest.head(200))
    return 8


def text_values(series: pd.Series) -> list[str | None]:
    """A column as clean strings, None where empty."""
    present = series.notna()
    cleaned = series.astype(object).where(present, None)
    values = cleaned.tolist()
    out: list[str | None] = []
    for value in values:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out.append(None)
        else:
            text_value = value if isinstance(value, str) else str(value)
            out.append(clean_text(text_value) if ILLEGAL_CHARACTERS_RE.search(text_value) else text_value)
    return out


def number_values(series: pd.Series) -> list[float | int | None]:
    """A column as Python numbers, None where missing (a NaN cell would read as an error in Excel)."""
    numeric = pd.to_numeric(series, errors="coerce")
    if pd.api.types.is_integer_dtype(numeric.dtype) and not numeric.isna().any():
        return [int(v) for v in numeric.tolist()]
    as_float = numeric.astype("float64")
    return [None if math.isnan(v) else v for v in as_float.tolist()]
