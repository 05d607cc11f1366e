"""Safe reading and writing of the workbooks people fill in (FORMATS.md). Imports no app."""

from common.xlsx.labels import LABELS, YES_NO_LABELS, label_of
from common.xlsx.reader import Column, ErrorCollector, Row, Sheet, SheetData, WorkbookReader, first_seen, sum_text
from common.xlsx.result import ImportResult, KindCounts
from common.xlsx.safety import WorkbookRefused, WorkbookSource, check_workbook_file
from common.xlsx.values import (
    CellValueError,
    ChoiceSet,
    choice_pairs,
    parse_bool,
    parse_choice,
    parse_date,
    parse_float,
    parse_int,
    parse_list,
    parse_text,
)
from common.xlsx.writer import EXAMPLE_SHEET, template_workbook, workbook_bytes

__all__ = [
    "EXAMPLE_SHEET",
    "LABELS",
    "YES_NO_LABELS",
    "CellValueError",
    "ChoiceSet",
    "Column",
    "ErrorCollector",
    "ImportResult",
    "KindCounts",
    "Row",
    "Sheet",
    "SheetData",
    "WorkbookReader",
    "WorkbookRefused",
    "WorkbookSource",
    "check_workbook_file",
    "choice_pairs",
    "first_seen",
    "label_of",
    "parse_bool",
    "parse_choice",
    "parse_date",
    "parse_float",
    "parse_int",
    "parse_list",
    "parse_text",
    "sum_text",
    "template_workbook",
    "workbook_bytes",
]
