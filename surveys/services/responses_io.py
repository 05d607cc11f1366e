"""The responses workbook (FORMATS.md "Responses"): answers in the long `answers` sheet and/or the
wide `responses` sheet (one row per form, one column per question code), imported all or nothing.

Built for a million answers. The file is read with python-calamine (a Rust parser, several times
faster than openpyxl), every check runs over whole columns (one dictionary lookup per distinct code,
never a query per row), and on PostgreSQL the answers go in through COPY. Each answer keeps its
sheet, row and column, so every problem is still reported as `sheet!cell: message`.

A named rater's response is (questionnaire, rater, role, subject): its response id, if any, is not
needed and not kept. An anonymous (masses) form is (questionnaire, response id).

A row (long) or cell (wide) without a value is no answer and is skipped, so a pre-printed form row
that nobody filled in creates nothing. `required` is not enforced here: a paper form with a blank
question is still a form, and scoring skips what is missing. In the wide sheet a column whose header
is no question code of any questionnaire is a note column: ignored, and said so in the result.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import python_calamine
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from common.errors import DomainError, ImportErrors
from common.imports import ImportOption, register_import
from common.xlsx import (
    EXAMPLE_SHEET,
    Column,
    ImportResult,
    Sheet,
    WorkbookRefused,
    WorkbookSource,
    check_workbook_file,
    choice_pairs,
    parse_float,
    parse_text,
    template_workbook,
)
from common.xlsx.reader import header_key
from common.xlsx.safety import open_source
from common.xlsx.values import CellValueError, parse_choice
from indicators.models import RaterRole
from org.models import Member
from surveys.models import (
    WHOLE_NUMBER_TYPES,
    Answer,
    Assignment,
    AssignmentStatus,
    Question,
    Questionnaire,
    QuestionType,
    Response,
    ResponseStatus,
)
from surveys.services.answering import MAX_TEXT_LENGTH
from surveys.services.raters import RaterRules

CHUNK = 500
INSERT_BATCH = 5000
# From this many answers on, PostgreSQL loads them with the foreign keys dropped and re-added
# (settings.RESPONSES_BULK_LOAD_MIN overrides; a very large number turns it off).
BULK_LOAD_MIN = 100_000
# The sheet the masses-form workbook pre-fills for typing in paper forms: a wide `responses` sheet.
ENTRY_SHEET = "录入"
REPLACE_HINT = "如需替换请选择“替换已有答卷”（命令行 --replace）(import with --replace to replace it)"

ROLE_KEYS: list[str] = [str(key) for key in RaterRole.values]
ROLE_INDEX = {key: i for i, key in enumerate(ROLE_KEYS)}
EMPTY, UNKNOWN = -2, -1  # in code lookups: nothing in the cell / a code not found

KEY_COLUMNS = (
    Column("questionnaire", required=True, is_text=True),
    Column(
        "response",
        is_text=True,
        note="答卷编号，如纸质答卷上的编号；评价人为空时必填 (form id; required without a rater)",
    ),
    Column("rater", is_text=True, note="评价人工号；群众评议留空 (employee number; empty for masses)"),
    Column("role", required=True, dropdown=tuple(label for _key, label in choice_pairs(RaterRole))),
    Column("subject", required=True, is_text=True, note="被评价人工号 (employee number of the member rated)"),
)
QUESTION_COLUMN = Column("question", required=True, is_text=True)
VALUE_COLUMN = Column("value", required=True, note="量表和单选填整数分值，文本题填文字 (a scale point, or the text)")
# Names printed beside the codes for people's convenience: read past, never taken for question columns.
NAME_COLUMNS = (
    Column("rater_name", label="评价人姓名"),
    Column("subject_name", label="被评价人姓名"),
    Column("question_text", label="题干", aliases=("text",)),
)
ANSWERS = Sheet("answers", (*KEY_COLUMNS, QUESTION_COLUMN, VALUE_COLUMN, *NAME_COLUMNS), required=False)
RESPONSES = Sheet("responses", (*KEY_COLUMNS, *NAME_COLUMNS[:2]), required=False)
_WIDE_ALIASES = {header_key(ENTRY_SHEET)}
_RAW_KEYS = ("questionnaire", "response", "rater", "role", "subject", "question", "value")


# --- reading -----------------------------------------------------------------------------------------


@dataclass
class SheetInfo:
    title: str
    positions: dict[str, int]  # column key → 1-based column
    wide: bool


@dataclass
class AnswerCells:
    """Every filled-in answer of the file, one entry per answer, in file order (sheet, row, column)."""

    sheets: list[SheetInfo]
    sheet: np.ndarray  # index into `sheets`
    row: np.ndarray  # 1-based
    column: np.ndarray  # 1-based column of the value cell
    raw: dict[str, np.ndarray]  # key → the raw cell values (object arrays)
    errors: list[str] = field(default_factory=list)  # problems of whole sheets, already formatted
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.row)

    def take(self, where: np.ndarray) -> AnswerCells:
        return AnswerCells(
            sheets=self.sheets,
            sheet=self.sheet[where],
            row=self.row[where],
            column=self.column[where],
            raw={key: values[where] for key, values in self.raw.items()},
            errors=self.errors,
            notes=self.notes,
        )

    @property
    def wide(self) -> np.ndarray:
        return np.array([info.wide for info in self.sheets] + [False], dtype=bool)[self.sheet]


def _blank(values: np.ndarray) -> np.ndarray:
    """calamine reads an empty cell as ''; whitespace-only text is caught later by parse_text."""
    if values.size == 0:
        return np.zeros(values.shape, dtype=bool)
    return np.asarray((values == "") | pd.isna(values), dtype=bool)


def _grid(sheet: python_calamine.CalamineSheet) -> tuple[np.ndarray, int, int]:
    """The sheet as a 2-D object array, with the absolute (0-based) row and column of its [0, 0]."""
    rows = list(sheet.iter_rows())
    end = sheet.end
    if not rows or end is None:
        return np.empty((0, 0), dtype=object), 0, 0
    width = max(len(values) for values in rows)
    if all(len(values) == width for values in rows):
        grid = np.array(rows, dtype=object)
    else:
        grid = np.full((len(rows), width), "", dtype=object)
        for i, values in enumerate(rows):
            grid[i, : len(values)] = values
    # calamine versions differ in whether iter_rows starts at A1 or at the first used cell: derive it.
    return grid, end[0] + 1 - len(rows), end[1] + 1 - width


@dataclass
class _Layout:
    header_row: int  # 1-based
    positions: dict[str, int] = field(default_factory=dict)  # key → 1-based column
    questions: list[tuple[int, str]] = field(default_factory=list)  # wide: (column, question code)


def _layout(spec: Sheet, title: str, grid: np.ndarray, origin: tuple[int, int], errors: list[str]) -> _Layout:
    row0, col0 = origin
    # The header is the first row with anything in it; a row at a time, not the whole sheet at once.
    header_index = next((i for i in range(grid.shape[0]) if not _blank(grid[i]).all()), None)
    layout = _Layout(header_row=row0 + (header_index or 0) + 1)
    header = grid[header_index] if header_index is not None else []
    seen: dict[str, int] = {}
    for offset, text in enumerate(header):
        column, label = col0 + offset + 1, parse_text(text)
        if label is None:
            continue
        cell = f"{title}!{get_column_letter(column)}{layout.header_row}"
        known = next((c for c in spec.columns if c.matches(label)), None)
        if known is not None and known.key in layout.positions:
            errors.append(f"{cell}: 列“{known.title}”重复 (column {known.key} appears twice)")
        elif known is not None:
            layout.positions[known.key] = column
        elif spec is RESPONSES and label in seen:
            first = f"{get_column_letter(seen[label])}{layout.header_row}"
            errors.append(f"{cell}: 题目“{label}”的列重复，首次出现于 {first} (question column appears twice)")
        elif spec is RESPONSES:
            seen[label] = column
            layout.questions.append((column, label))
    for required in (c for c in spec.columns if c.required and c.key not in layout.positions):
        errors.append(f"{title}!A{layout.header_row}: 缺少列“{required.header}” (missing column {required.key})")
    return layout


@dataclass
class _Builder:
    sheets: list[SheetInfo] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    parts: list[tuple[int, np.ndarray, np.ndarray, dict[str, np.ndarray]]] = field(default_factory=list)

    def read(self, sheet: python_calamine.CalamineSheet, title: str, wide: bool) -> None:
        grid, row0, col0 = _grid(sheet)
        errors: list[str] = []
        layout = _layout(RESPONSES if wide else ANSWERS, title, grid, (row0, col0), errors)
        self.errors.extend(errors)
        if errors:
            return
        index = len(self.sheets)
        self.sheets.append(SheetInfo(title=title, positions=layout.positions, wide=wide))
        body = grid[layout.header_row - row0 :]
        rows = np.arange(body.shape[0], dtype=np.int64) + layout.header_row + 1
        keys = {key: body[:, pos - col0 - 1] for key, pos in layout.positions.items() if key in _RAW_KEYS}
        if not wide:
            keep = np.flatnonzero(~_blank(keys["value"]))
            column = np.full(keep.size, layout.positions["value"], dtype=np.int64)
            self.parts.append((index, rows[keep], column, {key: values[keep] for key, values in keys.items()}))
            return
        if not layout.questions or body.shape[0] == 0:
            return
        block = body[:, [pos - col0 - 1 for pos, _code in layout.questions]]
        at_row, at_column = np.nonzero(~_blank(block))
        raw = {key: values[at_row] for key, values in keys.items()}
        raw["question"] = np.array([code for _pos, code in layout.questions], dtype=object)[at_column]
        raw["value"] = block[at_row, at_column]
        positions = np.array([pos for pos, _code in layout.questions], dtype=np.int64)
        self.parts.append((index, rows[at_row], positions[at_column], raw))

    def build(self) -> AnswerCells:
        def joined(pick: Callable[[tuple[int, np.ndarray, np.ndarray, dict[str, np.ndarray]]], np.ndarray]) -> Any:
            return np.concatenate([pick(part) for part in self.parts]) if self.parts else np.empty(0, dtype=np.int64)

        raw = {
            key: np.concatenate([part[3].get(key, np.full(len(part[1]), "", dtype=object)) for part in self.parts])
            if self.parts
            else np.empty(0, dtype=object)
            for key in _RAW_KEYS
        }
        return AnswerCells(
            sheets=self.sheets,
            sheet=joined(lambda part: np.full(len(part[1]), part[0], dtype=np.int64)),
            row=joined(lambda part: part[1]),
            column=joined(lambda part: part[2]),
            raw=raw,
            errors=self.errors,
        )


def read_answer_cells(source: WorkbookSource) -> AnswerCells:
    """Every answer in the file's `answers` and `responses` sheets (after the file-safety checks)."""
    check_workbook_file(source)
    builder = _Builder()
    try:
        with open_source(source) as stream:
            if isinstance(source, str | os.PathLike):
                workbook = python_calamine.CalamineWorkbook.from_path(source)
            else:
                workbook = python_calamine.CalamineWorkbook.from_filelike(stream)
            with workbook:
                for meta in workbook.sheets_metadata:
                    if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                        continue  # a chart named like a sheet we want is not that sheet
                    wide = RESPONSES.matches(meta.name) or header_key(meta.name) in _WIDE_ALIASES
                    if wide or ANSWERS.matches(meta.name):
                        builder.read(workbook.get_sheet_by_name(meta.name), meta.name, wide)
    except (python_calamine.CalamineError, ValueError, OSError) as exc:
        raise WorkbookRefused(f"无法读取工作簿：{exc} (the workbook cannot be read)") from exc
    if not builder.sheets and not builder.errors:
        builder.errors.append(
            f"{ANSWERS.title}: 缺少工作表“{ANSWERS.title}”或“{RESPONSES.title}” (missing sheet answers or responses)"
        )
    return builder.build()


# --- errors with cells -----------------------------------------------------------------------------------


class _CellErrors:
    """Problems of many entries at once, each at its cell. Deduplicated per cell and message, since one
    wrong code in a wide row stands behind every answer of that row."""

    def __init__(self, cells: AnswerCells) -> None:
        self.cells = cells
        self.parts: list[pd.DataFrame] = []
        self._positions = {
            key: np.array([info.positions.get(key, 1) for info in cells.sheets] + [1], dtype=np.int64)
            for key in _RAW_KEYS
        }
        self._wide = cells.wide

    def column_of(self, key: str, where: np.ndarray) -> np.ndarray:
        """In the wide sheet a question (and its value) is the answer's own cell."""
        if key == "value":
            return self.cells.column[where]
        columns = self._positions[key][self.cells.sheet[where]]
        if key == "question":
            columns = np.where(self._wide[where], self.cells.column[where], columns)
        return columns

    def add(self, where: np.ndarray, key: str, messages: np.ndarray | list[str] | str) -> None:
        where = np.asarray(where, dtype=np.int64)
        if where.size == 0:
            return
        texts = np.full(where.size, messages, dtype=object) if isinstance(messages, str) else np.asarray(messages)
        self.parts.append(
            pd.DataFrame(
                {
                    "sheet": self.cells.sheet[where],
                    "row": self.cells.row[where],
                    "column": self.column_of(key, where),
                    "message": texts,
                }
            )
        )

    def ref(self, entry: int, key: str) -> str:
        """`sheet!cell` of one entry's `key` cell, to name a first occurrence in a message."""
        title = self.cells.sheets[int(self.cells.sheet[entry])].title
        column = int(self.column_of(key, np.array([entry]))[0])
        return f"{title}!{get_column_letter(column)}{int(self.cells.row[entry])}"

    def __bool__(self) -> bool:
        return bool(self.parts) or bool(self.cells.errors)

    def raise_if_any(self) -> None:
        if not self:
            return
        lines = list(self.cells.errors)
        if self.parts:
            frame = pd.concat(self.parts, ignore_index=True).drop_duplicates()
            frame = frame.sort_values(["sheet", "row", "column"], kind="stable")
            titles = [info.title for info in self.cells.sheets]
            letters: dict[int, str] = {}
            for sheet, row, column, message in frame.itertuples(index=False):
                letter = letters.get(column) or letters.setdefault(column, get_column_letter(int(column)))
                lines.append(f"{titles[sheet]}!{letter}{row}: {message}")
        raise ImportErrors(lines)


# --- codes: factorised once, looked up once per distinct value --------------------------------------------


@dataclass
class _Codes:
    index: np.ndarray  # per entry: position in `values`, or -1 where the cell is empty
    values: list[str]  # the distinct codes as text (a number typed as 1001 reads "1001")

    def lookup(self, table: Mapping[str, int]) -> np.ndarray:
        """Per entry: table[code], UNKNOWN where the code is not in it, EMPTY where the cell is empty."""
        found = np.array([table.get(value, UNKNOWN) for value in self.values] + [EMPTY], dtype=np.int64)
        return found[self.index]

    def text(self, entry: int) -> str:
        return self.values[self.index[entry]] if self.index[entry] >= 0 else ""

    def messages(self, where: np.ndarray, make: Callable[[str], str]) -> np.ndarray:
        """make(code) for each entry in `where`, built once per distinct code."""
        made = np.array([make(value) for value in self.values] + [""], dtype=object)
        return made[self.index[where]]


def _codes(raw: np.ndarray) -> _Codes:
    index, uniques = pd.factorize(raw, use_na_sentinel=True)
    distinct: dict[str, int] = {}
    remap = np.empty(len(uniques) + 1, dtype=np.int64)
    for i, value in enumerate(uniques):
        text = parse_text(value)
        remap[i] = -1 if text is None else distinct.setdefault(text, len(distinct))
    remap[-1] = -1
    return _Codes(index=remap[index], values=list(distinct))


def _group(arrays: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Group entries by several integer columns: (group of each entry, first entry of each group);
    groups are numbered in order of first appearance."""
    if len(arrays[0]) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    key = np.zeros(len(arrays[0]), dtype=np.int64)
    size = 1
    for values in arrays:
        codes, uniques = pd.factorize(values)
        radix = len(uniques) + 1
        if size * radix >= 2**62:  # the mixed-radix key would overflow: renumber what we have first
            key = pd.factorize(key)[0].astype(np.int64)
            size = int(key.max()) + 1
        key = key * radix + codes
        size *= radix
    group = pd.factorize(key)[0].astype(np.int64)
    _, first = np.unique(group, return_index=True)
    return group, first.astype(np.int64)


# --- validating ------------------------------------------------------------------------------------------


@dataclass
class _Question:
    pk: int
    code: str
    type: str
    lo: float
    hi: float


@dataclass
class _Entries:
    """The entries' codes resolved to database keys (EMPTY / UNKNOWN where they could not be)."""

    questionnaire: np.ndarray  # pk
    role: np.ndarray  # index into ROLE_KEYS
    rater: np.ndarray  # pk
    subject: np.ndarray  # pk
    question: np.ndarray  # index into `questions`
    form: _Codes
    questions: list[_Question]
    questionnaires: dict[int, tuple[str, list[str]]]  # pk → (code, roles)


@dataclass
class ResponsePlan:
    """What a validated file writes."""

    groups: pd.DataFrame  # one row per response in the file
    answers: pd.DataFrame  # one row per answer: group, question (pk), value (NaN for text), text
    create: list[int] = field(default_factory=list)  # groups that are new responses
    replace: dict[int, int] = field(default_factory=dict)  # group → stored response it replaces
    submit: list[int] = field(default_factory=list)  # stored drafts holding exactly the file's answers
    result: ImportResult = field(default_factory=ImportResult)


def _member_pks(codes: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(codes))
    if len(wanted) > 10 * CHUNK:  # cheaper to read every member than to ask in chunks
        return dict(Member.objects.values_list("employee_no", "pk"))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        found.update(Member.objects.filter(employee_no__in=chunk).values_list("employee_no", "pk"))
    return found


def _drop_note_columns(cells: AnswerCells) -> AnswerCells:
    """Wide-sheet columns headed by no question code of any questionnaire are notes: left out."""
    wide = cells.wide
    if not wide.any():
        return cells
    codes = _codes(cells.raw["question"])
    headers = {codes.values[i] for i in np.unique(codes.index[wide]) if i >= 0}
    known = set(Question.objects.filter(code__in=sorted(headers)).values_list("code", flat=True).distinct())
    is_question = np.array([value in known for value in codes.values] + [False])[codes.index]
    dropped = wide & ~is_question
    seen: set[tuple[int, int]] = set()
    for entry in np.flatnonzero(dropped):
        sheet, column = int(cells.sheet[entry]), int(cells.column[entry])
        if (sheet, column) not in seen:
            seen.add((sheet, column))
            code = codes.text(entry)
            cells.notes.append(
                f"{cells.sheets[sheet].title}!{get_column_letter(column)}: 列“{code}”不是问卷的题目编码，已忽略 "
                f"(column {code} is no question code: ignored)"
            )
    return cells.take(np.flatnonzero(~dropped)) if dropped.any() else cells


def _resolve_questionnaires(
    errors: _CellErrors, raw: np.ndarray
) -> tuple[np.ndarray, dict[int, tuple[str, list[str]]]]:
    codes = _codes(raw)
    rows = Questionnaire.objects.filter(code__in=codes.values).values_list("pk", "code", "roles")
    found = {pk: (code, list(roles)) for pk, code, roles in rows}
    questionnaire = codes.lookup({code: pk for pk, (code, _roles) in found.items()})
    errors.add(np.flatnonzero(questionnaire == EMPTY), "questionnaire", "“问卷”不能为空 (required value missing)")
    unknown = np.flatnonzero(questionnaire == UNKNOWN)
    errors.add(
        unknown, "questionnaire", codes.messages(unknown, lambda c: f"未知的问卷编码“{c}” (unknown questionnaire code)")
    )
    return questionnaire, found


def _resolve_roles(
    errors: _CellErrors, raw: np.ndarray, questionnaire: np.ndarray, found: dict[int, tuple[str, list[str]]]
) -> np.ndarray:
    codes = _codes(raw)
    problems: list[str] = []
    keys: list[int] = []
    for value in codes.values:
        try:
            key = parse_choice(value, RaterRole)
        except CellValueError as exc:
            problems.append(exc.message)
            keys.append(UNKNOWN)
        else:
            problems.append("")
            keys.append(ROLE_INDEX[key] if key is not None else EMPTY)
    role = np.array([*keys, EMPTY], dtype=np.int64)[codes.index]
    errors.add(np.flatnonzero(role == EMPTY), "role", "“评价主体”不能为空 (required value missing: role)")
    unknown = np.flatnonzero(role == UNKNOWN)
    errors.add(unknown, "role", np.array([*problems, ""], dtype=object)[codes.index[unknown]])

    checked = np.flatnonzero((questionnaire >= 0) & (role >= 0))
    group, first = _group([questionnaire[checked], role[checked]])
    labels = dict(choice_pairs(RaterRole))
    reasons = []
    for entry in checked[first]:
        code, roles = found[int(questionnaire[entry])]
        key = ROLE_KEYS[int(role[entry])]
        reasons.append(
            "" if key in roles else f"问卷“{code}”不请“{labels[key]}”作答 (the questionnaire does not ask role {key})"
        )
    per_entry = np.array([*reasons, ""], dtype=object)[group] if checked.size else np.empty(0, dtype=object)
    not_asked = per_entry != ""
    errors.add(checked[not_asked], "role", per_entry[not_asked])
    role = role.copy()
    role[checked[not_asked]] = UNKNOWN
    return role


def _resolve_members(errors: _CellErrors, raw: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    subject_codes, rater_codes = _codes(raw["subject"]), _codes(raw["rater"])
    members = _member_pks([*subject_codes.values, *rater_codes.values])
    subject, rater = subject_codes.lookup(members), rater_codes.lookup(members)
    errors.add(np.flatnonzero(subject == EMPTY), "subject", "“被评价人”不能为空 (required value missing: subject)")
    for key, codes, pks in (("subject", subject_codes, subject), ("rater", rater_codes, rater)):
        unknown = np.flatnonzero(pks == UNKNOWN)
        errors.add(unknown, key, codes.messages(unknown, lambda c: f"未知的工号“{c}” (unknown employee number)"))
    return subject, rater


def _resolve_questions(
    errors: _CellErrors, raw: np.ndarray, questionnaire: np.ndarray, found: dict[int, tuple[str, list[str]]]
) -> tuple[np.ndarray, list[_Question]]:
    codes = _codes(raw)
    questions: list[_Question] = []
    table: dict[tuple[int, str], int] = {}
    rows = Question.objects.filter(questionnaire_id__in=list(found)).values_list(
        "pk", "questionnaire_id", "code", "type", "lo", "hi"
    )
    for pk, qn, code, kind, lo, hi in rows:
        table[(qn, code)] = len(questions)
        questions.append(_Question(pk=pk, code=code, type=kind, lo=lo, hi=hi))
    question = np.where(codes.index < 0, EMPTY, UNKNOWN).astype(np.int64)
    errors.add(np.flatnonzero(question == EMPTY), "question", "“题目”不能为空 (required value missing: question)")
    checked = np.flatnonzero((questionnaire >= 0) & (codes.index >= 0))
    if checked.size == 0:
        return question, questions
    group, first = _group([questionnaire[checked], codes.index[checked]])
    leaders = checked[first]
    resolved = np.array([table.get((int(questionnaire[e]), codes.text(e)), UNKNOWN) for e in leaders], dtype=np.int64)
    question[checked] = resolved[group]
    unknown = np.flatnonzero((question == UNKNOWN) & (questionnaire >= 0))
    errors.add(
        unknown,
        "question",
        [
            f"问卷“{found[int(questionnaire[e])][0]}”中没有题目“{codes.text(e)}” "
            "(no such question in the questionnaire)"
            for e in unknown
        ],
    )
    return question, questions


def _check_raters(errors: _CellErrors, entries: _Entries, sound: np.ndarray) -> np.ndarray:
    """DESIGN.md "Who rates whom", decided once per distinct (rater, subject, role)."""
    checked = np.flatnonzero(sound)
    if checked.size == 0:
        return sound
    rater = entries.rater[checked]
    group, first = _group([rater, entries.subject[checked], entries.role[checked]])
    rules = RaterRules.load()
    reasons = []
    for entry in checked[first]:
        rater_id = int(entries.rater[entry]) if entries.rater[entry] >= 0 else None
        subject_id, role = int(entries.subject[entry]), ROLE_KEYS[int(entries.role[entry])]
        allowed = rules.may_rate(rater_id=rater_id, subject_id=subject_id, role=role)
        reasons.append("" if allowed else rules.why_not(rater_id=rater_id, subject_id=subject_id, role=role))
    per_entry = np.array(reasons, dtype=object)[group]
    refused = per_entry != ""
    errors.add(checked[refused], "rater", per_entry[refused])
    sound = sound.copy()
    sound[checked[refused]] = False
    return sound


def _parse_values(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per entry: the number (NaN where none), the text, and why it is no number ('' where it is one)."""
    index, uniques = pd.factorize(raw, use_na_sentinel=True)
    numbers = np.full(len(uniques) + 1, np.nan)
    texts = np.full(len(uniques) + 1, "", dtype=object)
    problems = np.full(len(uniques) + 1, "", dtype=object)
    for i, value in enumerate(uniques):
        texts[i] = parse_text(value) or ""
        if isinstance(value, bool):  # TRUE typed into a cell is no scale point
            problems[i] = f"“{texts[i]}” 不是数字 (not a number)"
            continue
        try:
            number = parse_float(value)
        except CellValueError as exc:
            problems[i] = exc.message
        else:
            numbers[i] = np.nan if number is None else number
    return numbers[index], texts[index], problems[index]


def _check_values(
    errors: _CellErrors, entries: _Entries, sound: np.ndarray, raw: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numbers on their question's scale (whole for likert and choice), texts within the length limit.
    Returns (value, text, answered) per entry."""
    number, text, problem = _parse_values(raw)
    at = np.where(entries.question >= 0, entries.question, len(entries.questions))
    kind = np.array([q.type for q in entries.questions] + [""], dtype=object)[at]
    lo = np.array([q.lo for q in entries.questions] + [0.0])[at]
    hi = np.array([q.hi for q in entries.questions] + [0.0])[at]
    is_text = kind == QuestionType.TEXT.value
    answered = np.where(is_text, text != "", ~np.isnan(number) | (text != ""))
    checked = sound & answered

    texts = np.flatnonzero(checked & is_text)
    too_long = texts[np.array([len(text[i]) > MAX_TEXT_LENGTH for i in texts], dtype=bool)] if texts.size else texts
    errors.add(too_long, "value", f"文字过长，最多 {MAX_TEXT_LENGTH} 字 (text longer than {MAX_TEXT_LENGTH})")
    scored = checked & ~is_text
    not_number = np.flatnonzero(scored & np.isnan(number))
    errors.add(not_number, "value", problem[not_number])
    whole = np.isin(kind, [str(t) for t in WHOLE_NUMBER_TYPES])
    has_number = scored & ~np.isnan(number)
    fraction = has_number & whole & (np.floor(np.nan_to_num(number)) != number)
    errors.add(
        np.flatnonzero(fraction),
        "value",
        [f"“{text[i]}”须为整数 (must be a whole number)" for i in np.flatnonzero(fraction)],
    )
    off = np.flatnonzero(has_number & ~fraction & ((number < lo) | (number > hi)))
    errors.add(
        off,
        "value",
        [f"“{number[i]:g}”超出 {lo[i]:g}–{hi[i]:g} 的范围 (outside the scale {lo[i]:g}–{hi[i]:g})" for i in off],
    )
    bad = np.zeros(len(sound), dtype=bool)
    bad[too_long], bad[not_number], bad[off] = True, True, True
    return np.where(is_text, np.nan, number), np.where(is_text, text, ""), answered & ~bad & ~fraction


def _response_groups(errors: _CellErrors, entries: _Entries, sound: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group the sound entries into responses: (entry indices, group per entry). A named rater's
    response is (questionnaire, rater, role, subject); an anonymous one is (questionnaire, form id), and
    every answer of one form must name the same subject and role."""
    where = np.flatnonzero(sound)
    anonymous = entries.rater[where] == EMPTY
    no_form = anonymous & (entries.form.index[where] < 0)
    errors.add(where[no_form], "response", "评价人为空时须填写答卷编号 (a form without a rater needs its response id)")
    where, anonymous = where[~no_form], anonymous[~no_form]
    rater_key = np.where(anonymous, -1 - entries.form.index[where], entries.rater[where])
    role_key = np.where(anonymous, -1, entries.role[where])
    subject_key = np.where(anonymous, -1, entries.subject[where])
    group, first = _group([entries.questionnaire[where], rater_key, role_key, subject_key])
    leader = where[first][group]
    moved = anonymous & (
        (entries.subject[where] != entries.subject[leader]) | (entries.role[where] != entries.role[leader])
    )
    errors.add(
        where[moved],
        "subject",
        [
            f"答卷编号“{entries.form.text(int(e))}”在 {errors.ref(int(first_entry), 'subject')} "
            "对应另一被评价人或评价主体 (one form id names two subjects or roles)"
            for e, first_entry in zip(where[moved], leader[moved], strict=True)
        ],
    )
    return where, group


def _duplicates(
    errors: _CellErrors, entries: _Entries, where: np.ndarray, group: np.ndarray, value: np.ndarray, text: np.ndarray
) -> None:
    """A question answered twice in one response; a repeated identical row is named as such."""
    question = entries.question[where]
    pair, first = _group([group, question])
    leader = first[pair]
    again = np.flatnonzero(leader != np.arange(len(where)))
    messages = []
    for i in again:
        entry, earlier = int(where[i]), int(where[leader[i]])
        same_value = value[entry] == value[earlier] or (math.isnan(value[entry]) and math.isnan(value[earlier]))
        if same_value and text[entry] == text[earlier]:
            messages.append(f"重复的行，与 {errors.ref(earlier, 'value')} 相同 (duplicate row)")
        else:
            code = entries.questions[int(question[i])].code
            messages.append(
                f"同一答卷中题目“{code}”重复作答，首次出现于 {errors.ref(earlier, 'value')} "
                f"(question answered twice in one response)"
            )
    errors.add(where[again], "value", messages)


def _stored_responses(questionnaires: Iterable[int]) -> pd.DataFrame:
    rows = Response.objects.filter(questionnaire_id__in=list(questionnaires)).values_list(
        "pk", "questionnaire_id", "rater_id", "role", "subject_id", "form_id", "status"
    )
    frame = pd.DataFrame(list(rows), columns=["pk", "questionnaire", "rater", "role", "subject", "form", "status"])
    frame["role"] = frame["role"].map(ROLE_INDEX).fillna(UNKNOWN).astype(np.int64)
    return frame


def _match_stored(errors: _CellErrors, groups: pd.DataFrame, stored: pd.DataFrame, replace: bool) -> None:
    """Add to `groups` the stored response each one is (`stored`: pk, or -1 for a new one), its
    `status`, and `moved` where a stored form names another subject or role than the file."""
    keys = ["questionnaire", "rater", "role", "subject"]
    ours = groups[[*keys, "anonymous", "form", "first"]]
    groups["stored"] = np.int64(-1)
    groups["status"] = ""
    groups["moved"] = False
    if stored.empty or groups.empty:
        return
    named_stored = stored[stored["rater"].notna()].astype({"rater": np.int64})
    named = ours[~ours["anonymous"]].reset_index().merge(named_stored[[*keys, "pk", "status"]], on=keys)
    groups.loc[named["index"], ["stored", "status"]] = named[["pk", "status"]].to_numpy()

    forms = stored[stored["form"].notna()][["questionnaire", "form", "pk", "status", "rater", "role", "subject"]]
    anonymous = ours[ours["anonymous"]].reset_index()
    anonymous = anonymous.merge(forms, on=["questionnaire", "form"], suffixes=("", "_stored"))
    taken = anonymous[anonymous["rater_stored"].notna()]
    errors.add(
        taken["first"].to_numpy(),
        "response",
        [f"答卷编号“{form}”已用于实名答卷 (the form id belongs to a named response)" for form in taken["form"]],
    )
    anonymous = anonymous[anonymous["rater_stored"].isna()]
    moved = (anonymous["subject"] != anonymous["subject_stored"]) | (anonymous["role"] != anonymous["role_stored"])
    if not replace:
        errors.add(
            anonymous.loc[moved, "first"].to_numpy(),
            "subject",
            [f"答卷“{form}”已存在，但被评价人或评价主体不同；{REPLACE_HINT}" for form in anonymous.loc[moved, "form"]],
        )
    groups.loc[anonymous["index"], ["stored", "status"]] = anonymous[["pk", "status"]].to_numpy()
    groups.loc[anonymous.loc[moved, "index"], "moved"] = True
    groups["stored"] = groups["stored"].astype(np.int64)


def _stored_answers(response_pks: list[int], questionnaires: list[int]) -> pd.DataFrame:
    columns, fields = ["response", "question", "value", "text"], ("response_id", "question_id", "value", "text")
    if len(response_pks) > 10 * CHUNK:
        rows = Answer.objects.filter(response__questionnaire_id__in=questionnaires).values_list(*fields)
        frame = pd.DataFrame(list(rows), columns=columns)
        return frame[frame["response"].isin(response_pks)]
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(response_pks), CHUNK):
        found += Answer.objects.filter(response_id__in=response_pks[start : start + CHUNK]).values_list(*fields)
    return pd.DataFrame(found, columns=columns)


def _shown(value: Any, text: Any) -> str:
    if isinstance(text, str) and text:
        return f"“{text if len(text) <= 20 else text[:20] + '…'}”"
    return "未答" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:g}"


def _conflicts(
    errors: _CellErrors, entries: _Entries, groups: pd.DataFrame, answers: pd.DataFrame, replace: bool
) -> set[int]:
    """Groups whose stored response holds other answers than the file; without `replace` each is an
    error at its first difference."""
    existing = groups[groups["stored"] >= 0]
    if existing.empty:
        return set()
    stored = _stored_answers([int(pk) for pk in existing["stored"]], list(entries.questionnaires))
    ours = answers[answers["group"].isin(existing.index)].assign(
        response=lambda frame: existing["stored"].reindex(frame["group"]).to_numpy()
    )
    merged = ours.merge(stored, on=["response", "question"], how="outer", suffixes=("", "_db"), indicator=True)
    same = (merged["value"] == merged["value_db"]) | (merged["value"].isna() & merged["value_db"].isna())
    same &= merged["text"].fillna("") == merged["text_db"].fillna("")
    differs = merged[(merged["_merge"] != "both") | ~same]
    group_of = pd.Series(existing.index.to_numpy(), index=existing["stored"].to_numpy())
    conflicting = {int(g) for g in group_of.reindex(differs["response"].unique()).to_numpy()}
    if replace or differs.empty:
        return conflicting
    code_of = {q.pk: q.code for q in entries.questions}
    differs = differs.assign(group=group_of.reindex(differs["response"]).to_numpy())
    for group, rows in differs.groupby("group", sort=False):
        in_file = rows[rows["_merge"] != "right_only"]
        row = in_file.loc[in_file["entry"].idxmin()] if not in_file.empty else rows.iloc[0]
        entry = int(row["entry"]) if not in_file.empty else int(groups.at[group, "first"])
        before = _shown(row["value_db"], row["text_db"]) if row["_merge"] != "left_only" else "未答"
        after = _shown(row["value"], row["text"]) if row["_merge"] != "right_only" else "未答"
        question = code_of.get(int(row["question"]), str(row["question"]))
        errors.add(
            np.array([entry]),
            "value",
            f"答卷已存在且答案不同（题目“{question}”系统中为 {before}，文件中为 {after}）；{REPLACE_HINT}",
        )
    return conflicting


def _groups_frame(entries: _Entries, where: np.ndarray, group: np.ndarray) -> pd.DataFrame:
    _, first = np.unique(group, return_index=True)
    leaders = where[first]
    anonymous = entries.rater[leaders] == EMPTY
    return pd.DataFrame(
        {
            "questionnaire": entries.questionnaire[leaders],
            "rater": np.where(anonymous, -1, entries.rater[leaders]),
            "role": entries.role[leaders],
            "subject": entries.subject[leaders],
            "anonymous": anonymous,
            "form": [entries.form.text(int(e)) if a else None for e, a in zip(leaders, anonymous, strict=True)],
            "first": leaders,
        }
    )


@transaction.atomic
def plan_responses(cells: AnswerCells, *, replace: bool = False) -> ResponsePlan:
    """Validate every answer of the file against the database and plan the writes; raises ImportErrors
    listing every problem. Locks the questionnaires named, so imports into one questionnaire queue."""
    cells = _drop_note_columns(cells)
    errors = _CellErrors(cells)
    questionnaire, found = _resolve_questionnaires(errors, cells.raw["questionnaire"])
    # NO KEY UPDATE: imports into one questionnaire queue, while answering (a key-share check) goes on.
    locked = Questionnaire.objects.select_for_update(no_key=True).filter(pk__in=list(found))
    list(locked.values_list("pk", flat=True))
    role = _resolve_roles(errors, cells.raw["role"], questionnaire, found)
    subject, rater = _resolve_members(errors, cells.raw)
    question, questions = _resolve_questions(errors, cells.raw["question"], questionnaire, found)
    entries = _Entries(
        questionnaire=questionnaire,
        role=role,
        rater=rater,
        subject=subject,
        question=question,
        form=_codes(cells.raw["response"]),
        questions=questions,
        questionnaires=found,
    )
    sound = (questionnaire >= 0) & (role >= 0) & (subject >= 0) & (rater != UNKNOWN) & (question >= 0)
    sound = _check_raters(errors, entries, sound)
    value, text, answered = _check_values(errors, entries, sound, cells.raw["value"])
    where, group = _response_groups(errors, entries, sound & answered)
    _duplicates(errors, entries, where, group, value, text)
    errors.raise_if_any()  # the checks below assume one answer per question and response

    groups = _groups_frame(entries, where, group)
    question_pks = np.array([q.pk for q in questions] + [0], dtype=np.int64)
    answers = pd.DataFrame(
        {
            "group": group,
            "question": question_pks[question[where]],
            "value": value[where].astype(float),
            "text": text[where].astype(object),
            "entry": where,
        }
    )
    _match_stored(errors, groups, _stored_responses(found), replace)
    conflicting = _conflicts(errors, entries, groups, answers, replace)
    errors.raise_if_any()

    plan = ResponsePlan(groups=groups, answers=answers.drop(columns=["entry"]))
    plan.result.notes.extend(cells.notes)
    stored = groups["stored"] >= 0
    replaced = stored & (groups.index.isin(list(conflicting)) | groups["moved"])
    identical = stored & ~replaced
    plan.create = [int(g) for g in groups.index[~stored]]
    plan.replace = {int(g): int(pk) for g, pk in groups.loc[replaced, "stored"].items()}
    plan.submit = [int(pk) for pk in groups.loc[identical & (groups["status"] != ResponseStatus.SUBMITTED), "stored"]]
    written = answers["group"].isin(plan.create) | answers["group"].isin(list(plan.replace))
    plan.result.add(
        "responses",
        created=len(plan.create),
        updated=len(plan.replace) + len(plan.submit),
        unchanged=int(identical.sum()) - len(plan.submit),
    )
    plan.result.add("answers", created=int(written.sum()), unchanged=int((~written).sum()))
    return plan


# --- writing ---------------------------------------------------------------------------------------------


def _foreign_keys(cursor: Any, table: str) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        [table],
    )
    return [(name, definition) for name, definition in cursor.fetchall()]


def _worth_dropping_foreign_keys(cursor: Any, table: str, count: int) -> bool:
    """PostgreSQL checks foreign keys row by row (≈ 20 s per million answers on two cores); dropped and
    re-added, they are checked in one join over the whole table (< 1 s). Worth it for a large load that
    is a good part of the table. The price: from the COPY until the import commits (seconds), the
    answer, response and question tables are locked exclusively, so pages reading them wait."""
    if count < int(getattr(settings, "RESPONSES_BULK_LOAD_MIN", BULK_LOAD_MIN)):
        return False
    cursor.execute("SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = %s::regclass", [table])
    stored = cursor.fetchone()[0]
    return count * 4 >= stored


def _copy_answers(rows: Iterable[tuple[int, int, float | None, str]], count: int) -> None:
    meta = Answer._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(name) for name in ("response_id", "question_id", "value", "text"))
    with connection.cursor() as cursor:
        bulk = _worth_dropping_foreign_keys(cursor, meta.db_table, count)
        dropped = _foreign_keys(cursor, meta.db_table) if bulk else []
        if dropped:
            # ALTER TABLE refuses while deferred checks are pending (the responses just created): run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name, _definition in dropped:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        # Re-added exactly as they were (names, DEFERRABLE …), validated; all in the import's transaction.
        for name, definition in dropped:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
        if dropped:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def insert_answers(frame: pd.DataFrame) -> int:
    """Insert answers (columns response, question, value, text) as fast as the database allows."""
    values = [None if math.isnan(v) else v for v in frame["value"].tolist()]
    rows = zip(frame["response"].tolist(), frame["question"].tolist(), values, frame["text"].tolist(), strict=True)
    if _can_copy():
        _copy_answers(rows, len(frame))
        return len(frame)
    batch: list[Answer] = []
    for response, question, value, text in rows:
        batch.append(Answer(response_id=response, question_id=question, value=value, text=text))
        if len(batch) == INSERT_BATCH:
            Answer.objects.bulk_create(batch)
            batch = []
    Answer.objects.bulk_create(batch)
    return len(frame)


def _can_copy() -> bool:
    if connection.vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return bool(is_psycopg3)


def _mark_assignments(groups: pd.DataFrame, now: Any) -> int:
    named = groups[~groups["anonymous"]]
    if named.empty:
        return 0
    rows = (
        Assignment.objects.filter(questionnaire_id__in=named["questionnaire"].unique().tolist())
        .exclude(status=AssignmentStatus.SUBMITTED)
        .values_list("pk", "questionnaire_id", "rater_id", "role", "subject_id")
    )
    pending = pd.DataFrame(list(rows), columns=["pk", "questionnaire", "rater", "role", "subject"])
    if pending.empty:
        return 0
    pending["role"] = pending["role"].map(ROLE_INDEX)
    pks = pending.merge(named, on=["questionnaire", "rater", "role", "subject"])["pk"].tolist()
    for start in range(0, len(pks), CHUNK):
        Assignment.objects.filter(pk__in=pks[start : start + CHUNK]).update(
            status=AssignmentStatus.SUBMITTED, submitted_at=now, updated_at=now
        )
    return len(pks)


@transaction.atomic
def write_responses(plan: ResponsePlan) -> ImportResult:
    """Write a plan: new responses, replaced ones (their answers swapped whole), drafts submitted."""
    now = timezone.now()
    groups = plan.groups
    new = groups.loc[plan.create]
    created = Response.objects.bulk_create(
        [
            Response(
                questionnaire_id=int(row.questionnaire),
                rater_id=None if row.anonymous else int(row.rater),
                role=ROLE_KEYS[int(row.role)],
                subject_id=int(row.subject),
                form_id=row.form if row.anonymous else None,
                status=ResponseStatus.SUBMITTED,
                submitted_at=now,
            )
            for row in new.itertuples()
        ],
        batch_size=1000,
    )
    response_of = np.full(len(groups), -1, dtype=np.int64)
    response_of[plan.create] = [response.pk for response in created]
    replaced = list(plan.replace.values())
    response_of[list(plan.replace)] = replaced
    deleted = 0
    for start in range(0, len(replaced), CHUNK):
        deleted += Answer.objects.filter(response_id__in=replaced[start : start + CHUNK]).delete()[0]
    Response.objects.bulk_update(
        [
            Response(
                pk=pk,
                subject_id=int(groups.at[g, "subject"]),
                role=ROLE_KEYS[int(groups.at[g, "role"])],
                status=ResponseStatus.SUBMITTED,
                submitted_at=now,
                updated_at=now,
            )
            for g, pk in plan.replace.items()
        ],
        ["subject", "role", "status", "submitted_at", "updated_at"],
        batch_size=CHUNK,
    )
    for start in range(0, len(plan.submit), CHUNK):
        Response.objects.filter(pk__in=plan.submit[start : start + CHUNK]).update(
            status=ResponseStatus.SUBMITTED, submitted_at=now, updated_at=now
        )
    written = plan.answers[plan.answers["group"].isin(plan.create) | plan.answers["group"].isin(list(plan.replace))]
    insert_answers(written.assign(response=response_of[written["group"].to_numpy()]))
    plan.result.add("answers", deleted=deleted)
    marked = _mark_assignments(groups, now)
    if marked:
        plan.result.notes.append(f"评价任务标记为已提交：{marked} (assignments marked submitted)")
        plan.result.extra_changes = True
    return plan.result


def import_responses(
    *, source: WorkbookSource, replace: bool = False, phases: dict[str, float] | None = None
) -> ImportResult:
    """Import answers all or nothing; raises ImportErrors listing every problem. `phases`, where given,
    receives the seconds spent reading, validating and writing (wall, and `…_cpu` of this process)."""
    clock = _Clock()
    cells = read_answer_cells(source)
    clock.lap("read")
    try:
        with transaction.atomic():
            plan = plan_responses(cells, replace=replace)
            clock.lap("validate")
            result = write_responses(plan)
    except IntegrityError as exc:
        raise DomainError(
            "导入期间答卷被其他操作修改，未写入任何数据，请重新导入 "
            "(responses changed while importing; nothing was written, import again)"
        ) from exc
    clock.lap("write")
    if phases is not None:
        phases.update(clock.laps)
    return result


class _Clock:
    """Wall and CPU seconds (of this process) per phase: `read`, `read_cpu`, …"""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def lap(self, name: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.laps[name], self.laps[f"{name}_cpu"] = wall - self._wall, cpu - self._cpu
        self._wall, self._cpu = wall, cpu


# --- template --------------------------------------------------------------------------------------------

_EXAMPLE_QUESTIONS = ["perf_q_1", "perf_q_2", "exec_rating", "culture_q_1", "comment"]
EXAMPLES: dict[str, list[list[object]]] = {
    "answers": [
        ["Q2025", "", "1002", "自评", "1002", "perf_q_1", 4],
        ["Q2025", "", "1002", "自评", "1002", "perf_q_2", 2],
        ["Q2025", "", "1002", "自评", "1002", "comment", "希望多组织业务培训"],
        ["Q2025", "", "1001", "书记评价", "1002", "perf_q_1", 5],
        ["Q2025", "", "1001", "书记评价", "1002", "exec_rating", 90],
        ["Q2025", "Q2025-1002-1", "", "群众评议", "1002", "perf_q_1", 4],
    ],
    "responses": [
        ["Q2025", "", "1003", "互评", "1002", 4, 2, 85, 3, ""],
        ["Q2025", "Q2025-1002-2", "", "群众评议", "1002", 5, 1, 90, 3, "工作认真负责"],
        ["Q2025", "Q2025-1002-3", "", "群众评议", "1002", 4, "", 80, 2, ""],
    ],
}
_TEMPLATE_SHEETS = (
    Sheet("answers", (*KEY_COLUMNS, QUESTION_COLUMN, VALUE_COLUMN)),
    Sheet("responses", KEY_COLUMNS),
)
_QUESTION_NOTE = "每道题一列，表头为题目编码；空格表示未答 (one column per question code; empty is no answer)"


def responses_template() -> Workbook:
    workbook = template_workbook(_TEMPLATE_SHEETS, examples=EXAMPLES)
    first = len(KEY_COLUMNS) + 1
    wide = workbook[RESPONSES.title]
    examples = workbook[EXAMPLE_SHEET]
    title_row = next(row for row in range(1, examples.max_row + 1) if examples.cell(row, 1).value == RESPONSES.title)
    for offset, code in enumerate(_EXAMPLE_QUESTIONS):
        for sheet, row in ((wide, 1), (examples, title_row + 1)):
            cell = sheet.cell(row=row, column=first + offset, value=code)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="FFF2CC")
            cell.alignment = Alignment(horizontal="center")
        wide.column_dimensions[get_column_letter(first + offset)].width = 12
    wide.cell(row=1, column=first).comment = Comment(_QUESTION_NOTE, "model-power")
    return workbook


def _import_for_registry(*, source: WorkbookSource, user: Any = None, replace: bool = False) -> ImportResult:
    return import_responses(source=source, replace=replace)


register_import(
    "responses",
    label="答卷 (responses)",
    importer=_import_for_registry,
    template_builder=responses_template,
    options=(
        ImportOption(
            "replace",
            "替换已有答卷",
            "bool",
            help_text="文件中的答卷若已存在且答案不同，整份替换 (replace stored responses whose answers differ)",
        ),
    ),
)
