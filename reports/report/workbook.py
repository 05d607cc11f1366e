"""The comparison workbook (FORMATS.md "Excel workbooks the system writes"): sheets in their order,
streamed through openpyxl's write-only mode so that a whole group company fits in constant memory."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from django.utils import translation
from openpyxl import Workbook

from reports.report.data import ReportData
from reports.report.members import write_detail, write_members
from reports.report.notes import write_notes
from reports.report.posts import write_posts
from reports.report.summary import write_summary

Progress = Callable[[float, str], None]
SHEET_NAMES = ("说明", "汇总", "成员", "维度明细", "精品岗位")


def _silent(fraction: float, message: str = "") -> None:
    return None


def write_workbook(data: ReportData, target: str | IO[bytes], *, progress: Progress = _silent) -> None:
    """Write the workbook of `data` to a path or a binary file. Progress runs from 0.3 to 1.0: the
    reads before it are the caller's."""
    rows_total = max(len(data.members) + data.expected_detail_rows, 1)

    def rows_done(offset: int) -> Callable[[int], None]:
        return lambda rows: progress(0.3 + 0.65 * (offset + rows) / rows_total, "写入 Excel (writing the workbook)")

    # The workbook is Chinese whoever asks: labels of choices (unit kinds, sources) are rendered so.
    with translation.override("zh-hans"):
        workbook = Workbook(write_only=True)
        workbook.properties.title = data.title
        workbook.properties.creator = "model-power 党员模范力"
        write_notes(workbook, data)
        write_summary(workbook, data)
        progress(0.3, "写入成员 (writing members)")
        members = write_members(workbook, data, done=rows_done(0))
        progress(0.3 + 0.65 * members / rows_total, "写入维度明细 (writing the indicator detail)")
        write_detail(workbook, data, done=rows_done(members))
        write_posts(workbook, data)
        progress(0.97, "保存文件 (saving the file)")
        workbook.save(target)


__all__ = ["SHEET_NAMES", "write_workbook"]
_ = Any
