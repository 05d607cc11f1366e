"""Reading filled-in workbooks: sheets and columns found by key or Chinese label, every problem
recorded as `sheet!cell: message` so that one pass reports them all."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar

import openpyxl
from openpyxl.utils import get_column_letter

from common.errors import ImportErrors
from common.xlsx.labels import label_of
from common.xlsx.safety import WorkbookRefused, WorkbookSource, check_workbook_file, open_source
from common.xlsx.values import (
    CellValueError,
    ChoiceSet,
    is_empty,
    parse_bool,
    parse_choice,
    parse_date,
    parse_float,
    parse_int,
    parse_list,
    parse_text,
)

T = TypeVar("T")

# Brackets and slashes people put between a label and its key: "工号 (employee_no)", "工号/employee_no".
_HEADER_NOISE = re.compile(r"[\s()（）\[\]【】/|:：]+")


def header_key(text: object) -> str:
    return _HEADER_NOISE.sub("", str(text)).casefold()


@dataclass(frozen=True)
class Column:
    """One column of a sheet. `required` means the header must be present (not that every cell is filled)."""

    key: str
    label: str = ""
    required: bool = False
    aliases: tuple[str, ...] = ()
    # For the template only: drop-down labels, a text format for codes, a width, a header comment.
    dropdown: tuple[str, ...] = ()
    is_text: bool = False
    width: float | None = None
    note: str = ""

    @property
    def title(self) -> str:
        return self.label or label_of(self.key)

    @property
    def header(self) -> str:
        return f"{self.title} {self.key}"

    def matches(self, header: object) -> bool:
        wanted = header_key(header)
        names = {self.key, self.title, self.title + self.key, self.key + self.title, *self.aliases}
        return wanted in {header_key(name) for name in names}


@dataclass(frozen=True)
class Sheet:
    key: str
    columns: tuple[Column, ...]
    required: bool = True
    label: str = ""

    @property
    def title(self) -> str:
        return self.label or label_of(self.key)

    def matches(self, name: str) -> bool:
        wanted = header_key(name)
        return wanted in {header_key(n) for n in (self.key, self.title, self.title + self.key, self.key + self.title)}

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)


class ErrorCollector:
    """Every problem in a file, in the order found, as `sheet!cell: message`."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def add(self, sheet: str, cell: str, message: str) -> None:
        self.errors.append(f"{sheet}!{cell}: {message}")

    def add_sheet(self, sheet: str, message: str) -> None:
        self.errors.append(f"{sheet}: {message}")

    def __bool__(self) -> bool:
        return bool(self.errors)

    def __len__(self) -> int:
        return len(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ImportErrors(self.errors)


@dataclass
class SheetData:
    """The rows of one sheet as found in the file: `title` is the sheet's name there."""

    spec: Sheet
    title: str
    header_row: int
    positions: dict[str, int]
    errors: ErrorCollector
    rows: list[Row] = field(default_factory=list)

    def has(self, key: str) -> bool:
        return key in self.positions

    def header_ref(self, key: str) -> str:
        return f"{get_column_letter(self.positions.get(key, 1))}{self.header_row}"

    def error(self, cell: str, message: str) -> None:
        self.errors.add(self.title, cell, message)

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class Row:
    """One data row. The typed getters record an error and return None for a value they cannot read."""

    sheet: SheetData
    number: int
    values: dict[str, object]

    def raw(self, key: str) -> object:
        return self.values.get(key)

    def cell(self, key: str) -> str:
        return f"{get_column_letter(self.sheet.positions.get(key, 1))}{self.number}"

    def ref(self, key: str) -> str:
        return f"{self.sheet.title}!{self.cell(key)}"

    def error(self, key: str, message: str) -> None:
        self.sheet.errors.add(self.sheet.title, self.cell(key), message)

    def _read(self, key: str, parse: Callable[[object], T | None], required: bool) -> T | None:
        try:
            value = parse(self.values.get(key))
        except CellValueError as exc:
            self.error(key, exc.message)
            return None
        if value is None and required:
            column = self.sheet.spec.column(key)
            self.error(key, f"“{column.title}”不能为空 (required value missing: {key})")
        return value

    def text(self, key: str, *, required: bool = False) -> str | None:
        return self._read(key, parse_text, required)

    def numeric(
        self, key: str, *, required: bool = False, minimum: float | None = None, maximum: float | None = None
    ) -> float | None:
        value = self._read(key, parse_float, required)
        if value is not None and (
            (minimum is not None and value < minimum) or (maximum is not None and value > maximum)
        ):
            low = "" if minimum is None else f"{minimum:g}"
            high = "" if maximum is None else f"{maximum:g}"
            self.error(key, f"{value:g} 超出范围 [{low}, {high}] (out of range)")
            return None
        return value

    def integer(self, key: str, *, required: bool = False) -> int | None:
        return self._read(key, parse_int, required)

    def yes_no(self, key: str, *, required: bool = False) -> bool | None:
        return self._read(key, parse_bool, required)

    def date(self, key: str, *, required: bool = False) -> dt.date | None:
        return self._read(key, parse_date, required)

    def choice(self, key: str, choices: ChoiceSet, *, required: bool = False) -> str | None:
        return self._read(key, lambda value: parse_choice(value, choices), required)

    def items(self, key: str) -> list[str]:
        return parse_list(self.values.get(key))


class WorkbookReader(AbstractContextManager["WorkbookReader"]):
    """Open a workbook (after the safety checks) read-only; use as a context manager."""

    def __init__(self, source: WorkbookSource, *, max_bytes: int | None = None) -> None:
        check_workbook_file(source, max_bytes=max_bytes)
        self.errors = ErrorCollector()
        self._source = open_source(source)
        stream = self._source.__enter__()
        try:
            self._workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        except Exception as exc:
            # Whatever openpyxl cannot make sense of is, to the user, simply not a readable workbook.
            self._source.__exit__(None, None, None)
            raise WorkbookRefused(f"无法读取工作簿：{exc} (the workbook cannot be read)") from exc

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._workbook.close()
        self._source.__exit__(None, None, None)

    @property
    def sheet_names(self) -> list[str]:
        return list(self._workbook.sheetnames)

    def find_sheet(self, spec: Sheet) -> str | None:
        # Chart sheets have no cells; a chart named like a sheet we want is not that sheet.
        names = [sheet.title for sheet in self._workbook.worksheets]
        return next((name for name in names if spec.matches(name)), None)

    def sheet(self, spec: Sheet) -> SheetData | None:
        """The sheet's rows, or None when it is absent (an error if the sheet is required)."""
        name = self.find_sheet(spec)
        if name is None:
            if spec.required:
                self.errors.add_sheet(spec.title, f"缺少工作表“{spec.title}” ({spec.key}) (missing sheet {spec.key})")
            return None
        worksheet = self._workbook[name]
        worksheet.reset_dimensions()  # declared dimensions are often wrong: read what is there
        lines = worksheet.iter_rows(min_row=1, min_col=1, values_only=True)
        data = self._read_header(spec, name, lines)
        for number, values in enumerate(lines, start=data.header_row + 1):
            picked: dict[str, object] = {
                key: values[pos - 1] if pos <= len(values) else None for key, pos in data.positions.items()
            }
            if all(is_empty(value) for value in picked.values()):
                continue
            data.rows.append(Row(sheet=data, number=number, values=picked))
        return data

    def _read_header(self, spec: Sheet, name: str, lines: Iterator[tuple[Any, ...]]) -> SheetData:
        header_row = 0
        header: tuple[Any, ...] = ()
        for header_row, values in enumerate(lines, start=1):  # noqa: B007 - the row number is kept
            if not all(is_empty(value) for value in values):
                header = values
                break
        if not header:
            header_row = 1  # an empty sheet: report missing columns against its first row
        data = SheetData(spec=spec, title=name, header_row=header_row, positions={}, errors=self.errors)
        for position, text in enumerate(header, start=1):
            if is_empty(text):
                continue
            column = next((c for c in spec.columns if c.matches(text)), None)
            if column is None:
                continue  # unknown columns are the user's own notes
            if column.key in data.positions:
                data.error(
                    f"{get_column_letter(position)}{data.header_row}",
                    f"列“{column.title}”重复 (column {column.key} appears twice)",
                )
                continue
            data.positions[column.key] = position
        for column in spec.columns:
            if column.required and column.key not in data.positions:
                data.error(f"A{data.header_row}", f"缺少列“{column.header}” (missing column {column.key})")
        return data


def first_seen(rows: Iterable[tuple[str | None, Row]], *, key: str, what: str) -> dict[str, Row]:
    """The first row of each code; a later row with the same code is an error naming the first."""
    seen: dict[str, Row] = {}
    for code, row in rows:
        if code is None:
            continue
        if code in seen:
            row.error(
                key,
                f"{what}“{code}”在文件中重复，首次出现于 {seen[code].cell(key)} (duplicate {key} {code})",
            )
            continue
        seen[code] = row
    return seen


def sum_text(total: float) -> str:
    """A weight sum as people read it: 0.9, not 0.8999999999999999."""
    return f"{total:.6g}"
