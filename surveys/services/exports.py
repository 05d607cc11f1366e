"""Workbooks the surveys app writes: the raw answers (the long `answers` layout, so it imports back
unchanged) and the printable paper forms for anonymous masses ratings with their typing sheet.

Every text cell is written as a string, quote-prefixed where it begins like a formula, so nothing a
person typed (a name such as `=HYPERLINK(...)`) ever becomes one.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator, Sequence
from typing import IO, Any

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from common.errors import DomainError
from common.xlsx import Column, choice_pairs, label_of
from common.xlsx.writer import print_a4_portrait
from indicators.models import RaterRole
from org.models import Member, MemberStatus, Unit
from org.services.units import subtree_q
from surveys.models import WHOLE_NUMBER_TYPES, Answer, Question, Questionnaire, QuestionType, ResponseStatus
from surveys.services.questionnaire_io import point_key
from surveys.services.responses_io import ENTRY_SHEET, KEY_COLUMNS, NAME_COLUMNS, QUESTION_COLUMN, VALUE_COLUMN

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="666666")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="center")
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
MAX_COPIES = 50
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")


def _is_risky(text: str) -> bool:
    return text.startswith(_FORMULA_STARTS)


def _put_text(sheet: Worksheet, row: int, column: int, value: str) -> Any:
    """A text cell that stays text."""
    cell = sheet.cell(row=row, column=column)
    cell.value = value
    cell.data_type = "s"
    if _is_risky(value):
        cell.quotePrefix = True
    return cell


def _text_for_stream(sheet: Any, value: str | None) -> Any:
    """For write-only sheets: a plain str is written as a string unless it starts like a formula."""
    if value is None or not _is_risky(value):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _header_cell(sheet: Any, text: str) -> Any:
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = _HEADER_FONT
    cell.fill = _HEADER_FILL
    return cell


# --- raw answers ---------------------------------------------------------------------------------------

ANSWER_EXPORT_COLUMNS: tuple[Column, ...] = (
    KEY_COLUMNS[0],  # questionnaire
    KEY_COLUMNS[1],  # response
    KEY_COLUMNS[2],  # rater
    NAME_COLUMNS[0],  # rater_name
    KEY_COLUMNS[3],  # role
    KEY_COLUMNS[4],  # subject
    NAME_COLUMNS[1],  # subject_name
    QUESTION_COLUMN,
    NAME_COLUMNS[2],  # question_text
    VALUE_COLUMN,
)
_WIDTHS = (12, 16, 12, 12, 12, 12, 12, 16, 40, 12)


def submitted_answers(*, questionnaire: Questionnaire, unit: Unit | None = None) -> QuerySet[Answer]:
    answers = Answer.objects.filter(response__questionnaire=questionnaire, response__status=ResponseStatus.SUBMITTED)
    if unit is not None:
        answers = answers.filter(subtree_q([unit.path], field="response__subject__unit__path"))
    return answers


def _answer_rows(questionnaire: Questionnaire, unit: Unit | None) -> Iterator[tuple[Any, ...]]:
    answers = submitted_answers(questionnaire=questionnaire, unit=unit).order_by(
        "response__subject__employee_no",
        "response__role",
        "response__rater__employee_no",
        "response__form_id",
        "response_id",
        "question__order",
        "question_id",
    )
    yield from answers.values_list(
        "response__form_id",
        "response__rater__employee_no",
        "response__rater__name",
        "response__role",
        "response__subject__employee_no",
        "response__subject__name",
        "question__code",
        "question__text",
        "question__type",
        "value",
        "text",
    ).iterator(chunk_size=5000)


def write_answers_workbook(
    *, questionnaire: Questionnaire, target: str | os.PathLike[str] | IO[bytes], unit: Unit | None = None
) -> int:
    """Stream the submitted answers (of subjects in `unit`'s subtree) to `target`; returns how many."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(label_of("answers"))
    sheet.freeze_panes = "A2"
    for position, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.append([_header_cell(sheet, column.header) for column in ANSWER_EXPORT_COLUMNS])
    roles = dict(choice_pairs(RaterRole))
    code = _text_for_stream(sheet, questionnaire.code)
    count = 0
    for form, rater, rater_name, role, subject, subject_name, question, text, kind, value, answer in _answer_rows(
        questionnaire, unit
    ):
        shown = _text_for_stream(sheet, answer) if kind == QuestionType.TEXT else value
        sheet.append(
            [
                code,
                _text_for_stream(sheet, form),
                _text_for_stream(sheet, rater),
                _text_for_stream(sheet, rater_name),
                roles.get(role, role),
                _text_for_stream(sheet, subject),
                _text_for_stream(sheet, subject_name),
                _text_for_stream(sheet, question),
                _text_for_stream(sheet, text),
                shown,
            ]
        )
        count += 1
    workbook.properties.creator = "model-power"
    workbook.save(target)
    return count


def answers_workbook(*, questionnaire: Questionnaire, unit: Unit | None = None) -> bytes:
    """The raw answers as xlsx bytes; for a whole organisation prefer `write_answers_workbook` to a file."""
    buffer = io.BytesIO()
    write_answers_workbook(questionnaire=questionnaire, target=buffer, unit=unit)
    return buffer.getvalue()


# --- paper forms for masses ratings -----------------------------------------------------------------------

DEFAULT_INSTRUCTIONS = (
    "本答卷不记名。请在您认同的选项下的方框内打“✓”，每题只选一项；数值题请在方框内填写数字；"
    "文字题可不填。填好后交回党支部。"
)


def form_id(questionnaire: Questionnaire, member: Member, copy: int) -> str:
    return f"{questionnaire.code}-{member.employee_no}-{copy}"


def _sheet_title(text: str, taken: set[str]) -> str:
    title = _SHEET_TITLE_BAD.sub("_", text).strip("'")[:31] or "form"
    base, n = title, 2
    while title in taken or title == ENTRY_SHEET:
        suffix = f"~{n}"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title)
    return title


def _scale_width(questions: Sequence[Question]) -> int:
    points = [len(q.scale_points()) for q in questions if q.type in WHOLE_NUMBER_TYPES]
    return max([*points, 2])


def _write_entry_sheet(
    sheet: Worksheet, questionnaire: Questionnaire, questions: Sequence[Question], forms: Sequence[tuple[str, Member]]
) -> None:
    """A ready wide `responses` sheet: one pre-filled row per form, one column per question code."""
    keys = [*KEY_COLUMNS, NAME_COLUMNS[1]]
    for position, column in enumerate(keys, start=1):
        cell = _put_text(sheet, 1, position, column.header)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        sheet.column_dimensions[get_column_letter(position)].width = 16
    first = len(keys) + 1
    for offset, question in enumerate(questions):
        position = first + offset
        cell = _put_text(sheet, 1, position, question.code)
        cell.font, cell.fill = _HEADER_FONT, PatternFill("solid", fgColor="FFF2CC")
        cell.comment = Comment(f"{question.text}\n({question.get_type_display()} {question.lo:g}–{question.hi:g})", "")
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = max(8, min(len(question.code) + 4, 20))
        if question.type == QuestionType.TEXT or not forms:
            continue
        whole = question.type in WHOLE_NUMBER_TYPES
        validation = DataValidation(
            type="whole" if whole else "decimal",
            operator="between",
            formula1=f"{question.lo:g}",
            formula2=f"{question.hi:g}",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            error=f"应为 {question.lo:g}–{question.hi:g} 的{'整数' if whole else '数值'}",
        )
        validation.add(f"{letter}2:{letter}{len(forms) + 1}")
        sheet.add_data_validation(validation)
    masses = dict(choice_pairs(RaterRole))[RaterRole.MASSES]
    for row, (identifier, member) in enumerate(forms, start=2):
        for position, value in enumerate(
            [questionnaire.code, identifier, "", masses, member.employee_no, member.name], start=1
        ):
            if value:
                _put_text(sheet, row, position, value)
    sheet.freeze_panes = f"{get_column_letter(first)}2"


def _write_form(
    sheet: Worksheet, questionnaire: Questionnaire, questions: Sequence[Question], identifier: str, member: Member
) -> None:
    width = _scale_width(questions)
    last = 2 + width
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 44
    for position in range(3, last + 1):
        sheet.column_dimensions[get_column_letter(position)].width = 11

    def line(row: int, text: str, *, size: int = 11, bold: bool = False, height: float | None = None) -> None:
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last)
        cell = _put_text(sheet, row, 1, text)
        cell.font = Font(size=size, bold=bold)
        cell.alignment = _WRAP
        if height:
            sheet.row_dimensions[row].height = height

    line(1, questionnaire.title, size=16, bold=True, height=28)
    line(2, f"答卷编号：{identifier}", size=14, bold=True, height=22)
    line(3, f"被评价人：{member.name}（工号 {member.employee_no}，{member.unit.name}）", size=12, height=20)
    line(4, questionnaire.instructions or DEFAULT_INSTRUCTIONS, height=48)

    row = 6
    for position, title in enumerate(["序号", "题目"], start=1):
        cell = _put_text(sheet, row, position, title)
        cell.font, cell.alignment, cell.border = _HEADER_FONT, _CENTRE, _BOX
    for number, question in enumerate(questions, start=1):
        row += 1
        sheet.cell(row=row, column=1, value=number).alignment = _CENTRE
        _put_text(sheet, row, 2, question.text).alignment = _WRAP
        for position in range(1, last + 1):
            sheet.cell(row=row, column=position).border = _BOX
        if question.type in WHOLE_NUMBER_TYPES:
            for offset, point in enumerate(question.scale_points()):
                label = question.labels.get(point_key(float(point)), "")
                cell = _put_text(sheet, row, 3 + offset, f"□ {point}" + (f"\n{label}" if label else ""))
                cell.alignment = _CENTRE
            sheet.row_dimensions[row].height = 36
        else:
            sheet.merge_cells(start_row=row, start_column=3, end_row=row, end_column=last)
            hint = "请填写：" if question.type == QuestionType.TEXT else f"请填写 {question.lo:g}–{question.hi:g}："
            _put_text(sheet, row, 3, hint).alignment = Alignment(vertical="top", wrap_text=True)
            sheet.row_dimensions[row].height = 60 if question.type == QuestionType.TEXT else 30

    print_a4_portrait(sheet, title_rows="6:6")
    footer = sheet.oddFooter
    assert footer is not None and footer.center is not None
    footer.center.text = f"{identifier}    第 &P 页 / 共 &N 页"


def masses_forms_workbook(*, questionnaire: Questionnaire, unit: Unit, copies: int = 1) -> bytes:
    """Printable anonymous forms: `copies` per active member of `unit`'s subtree, one sheet each with
    its own form id, after a first sheet `录入` pre-filled for typing the returned forms in."""
    if RaterRole.MASSES not in questionnaire.roles:
        raise DomainError("该问卷不含群众评议 (the questionnaire does not ask masses ratings)")
    if not 1 <= copies <= MAX_COPIES:
        raise DomainError(f"份数须在 1 到 {MAX_COPIES} 之间 (copies must lie in 1..{MAX_COPIES})")
    questions = list(Question.objects.filter(questionnaire=questionnaire).order_by("order", "pk"))
    members = (
        Member.objects.filter(subtree_q([unit.path], field="unit__path"), status=MemberStatus.ACTIVE)
        .select_related("unit")
        .order_by("employee_no")
    )
    forms = [(form_id(questionnaire, member, n), member) for member in members for n in range(1, copies + 1)]
    workbook = Workbook()
    entry = workbook.active
    assert entry is not None
    entry.title = ENTRY_SHEET
    _write_entry_sheet(entry, questionnaire, questions, forms)
    taken: set[str] = set()
    for identifier, member in forms:
        title = _sheet_title(f"{member.employee_no}-{identifier.rsplit('-', 1)[-1]}", taken)
        _write_form(workbook.create_sheet(title), questionnaire, questions, identifier, member)
    workbook.properties.creator = "model-power"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
