"""`成员` and `维度明细` (FORMATS.md): one row per member, and one row per member and indicator.

Both are streamed from DataFrames column by column: a 100,000-member organisation writes millions of
cells without holding a worksheet in memory. A table longer than Excel's last row continues on a
sheet of its own (`维度明细 (2)` …).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pandas as pd
from openpyxl.utils import get_column_letter

from common.xlsx.stream import PERCENT, WHOLE, RowWriter, number, text, text_cell
from indicators.models import Source
from reports.comparison import MEASURES, trend_of
from reports.report.data import ReportData
from reports.report.layout import (
    EXCEL_MAX_ROWS,
    FIRST_DATA_ROW,
    HEADER_ROW,
    MEASURE_LABELS,
    STATUS_LABELS,
    TREND_LABELS,
    Header,
    colour_trends,
    columns_of,
    filter_header,
    start_table,
)
from reports.scoring.types import DIMENSIONS

MEMBERS_SHEET = "成员"
DETAIL_SHEET = "维度明细"
PCT = '0.0"%"'
WEIGHT = "0.000"
ROWS_PER_SHEET = EXCEL_MAX_ROWS - HEADER_ROW
RowsDone = Callable[[int], None]


def _labels(series: pd.Series, labels: dict[str, str]) -> pd.Series:
    return series.map(labels).astype(object).where(series.notna(), None)


# ── 成员 ─────────────────────────────────────────────────────────────────────────────────────────


def member_columns() -> list[tuple[str, Header]]:
    """The members sheet's columns in order, each with the key of its column in `member_table`."""
    columns = [
        ("employee_no", Header(text("工号"))),
        ("name", Header(text("姓名"))),
        ("unit", Header(text("所在组织"))),
        ("category", Header(text("人员类别"))),
        ("status", Header(text("状态", width=8))),
        ("total_now", Header(number("总分", width=7), 1)),
        ("rank", Header(number("排名", WHOLE, width=6), 1)),
        ("grade", Header(text("等级", width=9), 1)),
        ("coverage", Header(number("覆盖率", PERCENT, width=7), 1)),
        ("total_before", Header(number("总分\n基期", width=7), 1)),
        ("total_delta", Header(number("总分\n变化", width=7), 1)),
        ("total_pct", Header(number("总分\n变化率", PCT, width=8), 1)),
        ("total_trend", Header(text("总分\n趋势", width=8), 1)),
    ]
    for group, key in enumerate(DIMENSIONS, start=2):
        name = MEASURE_LABELS[key]
        columns += [
            (f"{key}_now", Header(number(f"{name}\n本期", width=7), group)),
            (f"{key}_before", Header(number(f"{name}\n基期", width=7), group)),
            (f"{key}_delta", Header(number(f"{name}\n变化", width=7), group)),
            (f"{key}_trend", Header(text(f"{name}\n趋势", width=8), group)),
        ]
    return columns


def member_table(members: pd.DataFrame) -> pd.DataFrame:
    """The members sheet's cells as a frame, columns in sheet order."""
    table = members.rename(columns={"unit_name": "unit", "category_name": "category", "unit": "unit_code"})
    table["status"] = _labels(members["status"], STATUS_LABELS)
    for measure in MEASURES:
        table[f"{measure}_trend"] = _labels(members[f"{measure}_trend"], TREND_LABELS)
    return table[[key for key, _header in member_columns()]]


def _member_colours(sheet: Any, keys: list[str], last_row: int) -> None:
    """Each measure's 变化 (and 变化率) and 趋势 cells coloured by that measure's trend."""
    first, last = FIRST_DATA_ROW, max(last_row, FIRST_DATA_ROW)
    for measure in MEASURES:
        start = get_column_letter(keys.index(f"{measure}_delta") + 1)
        trend = get_column_letter(keys.index(f"{measure}_trend") + 1)
        colour_trends(sheet, cells=f"{start}{first}:{trend}{last}", trend_cell=f"${trend}{first}")


def write_members(workbook: Any, data: ReportData, *, done: RowsDone | None = None) -> int:
    sheet = workbook.create_sheet(MEMBERS_SHEET)
    columns = member_columns()
    headers = [header for _key, header in columns]
    table = member_table(data.members)
    writer = RowWriter(sheet, columns_of(headers))
    writer.fit_widths(table, minimum=8)
    start_table(
        sheet, headers, title=f"{data.title} · 成员", subtitle=data.subtitle, freeze_columns=2, print_blocks=True
    )
    rows = writer.append_frame(table, progress=done)
    filter_header(sheet, width=len(headers), last_row=HEADER_ROW + rows)
    _member_colours(sheet, [key for key, _header in columns], HEADER_ROW + rows)
    if rows == 0:
        sheet.append([text_cell(sheet, "本期和基期都没有成绩。")])
    return rows


# ── 维度明细 ─────────────────────────────────────────────────────────────────────────────────────

DETAIL_HEADERS = [
    Header(text("工号")),
    Header(text("姓名")),
    Header(text("维度", width=6)),
    Header(text("指标编码")),
    Header(text("指标")),
    Header(text("来源", width=6)),
    Header(number("权重", WEIGHT, width=7)),
    Header(number("自评", width=7), 1),
    Header(number("互评", width=7), 1),
    Header(number("书记\n评价", width=7), 1),
    Header(number("群众\n评议", width=7), 1),
    Header(number("评价\n人数", WHOLE, width=7), 1),
    Header(number("指标\n得分", width=7), 2),
    Header(number("基期\n得分", width=7), 2),
    Header(number("变化", width=7), 2),
    Header(text("趋势", width=9), 2),
]


def detail_table(detail: pd.DataFrame, *, threshold: float) -> pd.DataFrame:
    if detail.empty:
        return pd.DataFrame(columns=[str(i) for i in range(len(DETAIL_HEADERS))])
    sources = {source.value: str(source.label) for source in Source}
    return pd.DataFrame(
        {
            "employee_no": detail["employee_no"],
            "name": detail["member_name"],
            "dimension": detail["dimension"].map(MEASURE_LABELS),
            "code": detail["code"],
            "indicator": detail["indicator_name"],
            "source": detail["source"].map(sources),
            "weight": detail["weight"],
            "self": detail["self_score"],
            "peer": detail["peer_score"],
            "secretary": detail["secretary_score"],
            "masses": detail["masses_score"],
            # A KPI score has no raters (rule 2): an empty cell rather than a misleading 0.
            "raters": detail["raters"].where(detail["raters"] > 0),
            "score": detail["score"],
            "before": detail["before"],
            "delta": detail["delta"],
            "trend": _labels(trend_of(detail["delta"], threshold), TREND_LABELS),
        }
    )


def _offset(done: RowsDone, offset: int, rows: int) -> None:
    done(offset + rows)


class _DetailSheets:
    """The detail's sheets, opened one after another as Excel's row limit is reached."""

    def __init__(self, workbook: Any, data: ReportData) -> None:
        self.workbook, self.data = workbook, data
        self.sheets = 0
        self.sheet: Any = None
        self.writer: RowWriter | None = None
        self.rows = 0  # on the open sheet

    def open(self, sample: pd.DataFrame) -> None:
        self.close()
        self.sheets += 1
        name = DETAIL_SHEET if self.sheets == 1 else f"{DETAIL_SHEET} ({self.sheets})"
        self.sheet = self.workbook.create_sheet(name)
        self.writer = RowWriter(self.sheet, columns_of(DETAIL_HEADERS))
        self.writer.fit_widths(sample, minimum=8)
        data = self.data
        start_table(
            self.sheet, DETAIL_HEADERS, title=f"{data.title} · 维度明细", subtitle=data.subtitle, freeze_columns=2
        )
        self.rows = 0

    def room(self) -> int:
        return ROWS_PER_SHEET - self.rows

    def append(self, table: pd.DataFrame, *, progress: RowsDone | None = None) -> None:
        assert self.writer is not None
        self.rows += self.writer.append_frame(table, progress=progress)

    def close(self) -> None:
        if self.sheet is None:
            return
        last_row = HEADER_ROW + self.rows
        filter_header(self.sheet, width=len(DETAIL_HEADERS), last_row=last_row)
        first, last = FIRST_DATA_ROW, max(last_row, FIRST_DATA_ROW)
        colour_trends(self.sheet, cells=f"O{first}:P{last}", trend_cell=f"$P{first}")
        if self.rows == 0:
            data = self.data
            empty = "本期没有指标得分。" if data.with_detail else "本次导出未包含维度明细（导出时选择了不含明细）。"
            self.sheet.append([text_cell(self.sheet, empty)])
        self.sheet = None


def write_detail(workbook: Any, data: ReportData, *, done: RowsDone | None = None) -> int:
    """The detail, read a slice of members at a time and written over as many sheets as Excel's row
    limit asks for; returns the rows written."""
    sheets = _DetailSheets(workbook, data)
    written = 0
    for chunk in data.detail_chunks():
        table = detail_table(chunk, threshold=data.threshold)
        while not table.empty:
            if sheets.sheet is None or sheets.room() == 0:
                sheets.open(table.head(20_000))
            part = table.iloc[: sheets.room()]
            sheets.append(part, progress=None if done is None else partial(_offset, done, written))
            written += len(part)
            table = table.iloc[len(part) :]
    if sheets.sheet is None:
        sheets.open(detail_table(pd.DataFrame(), threshold=data.threshold))
    sheets.close()
    data.detail_rows = written
    return written


__all__ = ["DETAIL_SHEET", "MEMBERS_SHEET", "member_columns", "member_table", "write_detail", "write_members"]
