"""The year's commendation list as a workbook: `说明` (rules, who proposed and approved it, how the
rules work), then `表彰名单` (posts then members, each best first, with the reasons).

Numbers are numbers shown to one decimal; every text cell is a string (with the quote-prefix style
where it begins like a formula), so a name such as `=HYPERLINK(…)` stays the text it is.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from common.errors import DomainError
from common.xlsx.writer import display_width, print_a4, workbook_bytes
from reports.commendation import reason_in
from reports.models import CandidateKind, CommendationCandidate, CommendationRound
from reports.services.commendation import candidates_of, commendation_round

NOTES_TITLE = "说明"
LIST_TITLE = "表彰名单"
HEADERS = ["名次", "类别", "编码", "名称", "党支部", "年度总分", "去年总分", "变化", "结果", "理由"]
ONE_DECIMAL = "0.0"
SIGNED_ONE_DECIMAL = "+0.0;-0.0;0.0"
WHOLE = "0"
# As FORMATS.md: a text beginning with one of these carries the quote-prefix style.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
TITLE_FONT = Font(bold=True, size=14)
_MAX_WIDTHS = [8, 12, 16, 30, 24, 10, 10, 8, 8, 70]
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
_WHEN = "%Y-%m-%d %H:%M"
_SELECTED_FILL = PatternFill("solid", fgColor="FFF2CC")


def _text(sheet: Worksheet, row: int, column: int, value: object) -> Any:
    """A cell that holds text and stays text, whatever it begins with."""
    # XML has no place for most control characters.
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    cell = sheet.cell(row=row, column=column)
    cell.value = text
    # After the value: openpyxl takes a text beginning with "=" for a formula.
    cell.data_type = "s"
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def _number(sheet: Worksheet, row: int, column: int, value: float | int | None, number_format: str) -> None:
    cell = sheet.cell(row=row, column=column, value=value)
    cell.number_format = number_format
    cell.alignment = _TOP


def _header(sheet: Worksheet, row: int, labels: list[str]) -> None:
    for column, label in enumerate(labels, start=1):
        cell = _text(sheet, row, column, label)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = HEADER_ALIGNMENT


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime(_WHEN) if value else ""


def _kind_label(kind: str) -> str:
    return str(CandidateKind(kind).label) if kind in CandidateKind.values else kind


def _notes(sheet: Worksheet, commendation: CommendationRound, candidates: list[CommendationCandidate]) -> None:
    _text(sheet, 1, 1, f"{commendation.year} 年度表彰名单").font = TITLE_FONT
    _header(sheet, 3, ["项目", "内容"])
    proposer = commendation.proposed_by
    chosen = sum(1 for c in candidates if c.selected)
    share = commendation.share
    lines: list[tuple[str, object]] = [
        ("年度", commendation.year),
        ("状态", commendation.get_status_display()),
        ("表彰对象", commendation.get_kinds_display()),
        ("最低年度总分（≥）", commendation.min_score),
        ("下降容差（分）", commendation.fall_tolerance),
        ("每支部名额", commendation.per_branch if commendation.per_branch is not None else "不限"),
        ("比例上限（%）", share if share is not None else "不限"),
        ("候选 / 入选", f"{len(candidates)} / {chosen}"),
        ("提出人", proposer.get_full_name() or proposer.get_username() if proposer else ""),
        ("提出时间", _when(commendation.proposed_at)),
        ("批准人", commendation.approved_by_name),
        ("批准时间", _when(commendation.approved_at)),
        ("成绩来源", f"{commendation.year} 年度当前正式计分结果；去年为 {commendation.year - 1} 年度当前正式计分结果"),
        (
            "规则：符合条件",
            "年度总分 ≥ 最低分，且较去年下降不超过容差；去年无成绩视为符合。比较前按规则 8 保留 9 位小数。",
        ),
        ("规则：排序", "年度总分从高到低；同分按编码（字符顺序）排序，名次不并列。"),
        ("规则：每支部名额", "按上述顺序每个党支部取前 N 名；党小组的党员和岗位计入所在党支部。"),
        (
            "规则：比例上限",
            "再按顺序取前 ⌊比例 × 符合条件数 + 1e-9⌋ 名（每类分别计算）。"
            "名额边界上的同分者按编码取舍，并在理由中注明。",
        ),
        ("规则：数值", "分数保留全部精度，显示一位小数。"),
    ]
    for row, (label, value) in enumerate(lines, start=4):
        _text(sheet, row, 1, label).alignment = _TOP
        if isinstance(value, int | float) and not isinstance(value, bool):
            _number(sheet, row, 2, value, "0" if isinstance(value, int) else "General")
            sheet.cell(row=row, column=2).alignment = Alignment(horizontal="left", vertical="top")
        else:
            _text(sheet, row, 2, value).alignment = _WRAP
    sheet.column_dimensions["A"].width = 20
    sheet.column_dimensions["B"].width = 90
    print_a4(sheet, landscape=True)


def _list(sheet: Worksheet, candidates: list[CommendationCandidate]) -> None:
    _header(sheet, 1, HEADERS)
    sheet.freeze_panes = "A2"
    widths = [display_width(header) + 2 for header in HEADERS]
    for row, candidate in enumerate(candidates, start=2):
        reasons = "；".join(reason_in(reason, "zh-hans") for reason in candidate.reasons)
        texts = {
            2: _kind_label(candidate.kind),
            3: candidate.code,
            4: candidate.name,
            5: candidate.branch_name,
            9: "入选" if candidate.selected else "未入选",
            10: reasons,
        }
        _number(sheet, row, 1, candidate.position, WHOLE)
        for column, value in texts.items():
            _text(sheet, row, column, value).alignment = _WRAP if column == 10 else _TOP
            widths[column - 1] = max(widths[column - 1], display_width(value) + 2)
        _number(sheet, row, 6, candidate.score, ONE_DECIMAL)
        _number(sheet, row, 7, candidate.last_score, ONE_DECIMAL)
        _number(sheet, row, 8, candidate.delta, SIGNED_ONE_DECIMAL)
        if candidate.selected:
            for column in range(1, len(HEADERS) + 1):
                sheet.cell(row=row, column=column).fill = _SELECTED_FILL
            sheet.cell(row=row, column=9).font = HEADER_FONT
    for column, (width, cap) in enumerate(zip(widths, _MAX_WIDTHS, strict=True), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = max(min(width, cap), 6)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(HEADERS))}{len(candidates) + 1}"
    print_a4(sheet, landscape=True, title_rows="1:1")


def commendation_workbook(*, year: int) -> bytes:
    """The year's list (proposed or approved) as .xlsx bytes; refused when the year has none."""
    commendation = commendation_round(year=year)
    if commendation is None:
        raise DomainError(f"{year} 年尚无表彰名单 (no commendation list for {year})")
    candidates = list(candidates_of(commendation))
    workbook = Workbook()
    notes = workbook.active
    assert notes is not None
    notes.title = NOTES_TITLE
    _notes(notes, commendation, candidates)
    _list(workbook.create_sheet(LIST_TITLE), candidates)
    workbook.active = 1
    workbook.properties.creator = "model-power"
    return workbook_bytes(workbook)


def workbook_filename(year: int) -> str:
    return f"commendation-{year}.xlsx"
