"""The questionnaire workbook (FORMATS.md "Questionnaire"): one questionnaire and its questions.

Re-importing a changed file updates the definition in place (questions matched by code). Once
answers exist, a change that would alter what those answers mean — a question's scale, type,
indicator or reverse key, removing a question, moving the questionnaire to another year or period,
or dropping a role that has answered — is refused with the cell that asks for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from openpyxl import Workbook

from common.imports import register_import
from common.xlsx import (
    YES_NO_LABELS,
    Column,
    ImportResult,
    Row,
    Sheet,
    SheetData,
    WorkbookReader,
    WorkbookSource,
    choice_pairs,
    first_seen,
    template_workbook,
)
from common.xlsx.values import CellValueError, is_empty, parse_choice, parse_float
from indicators.models import Indicator, IndicatorSystem, RaterRole, Source
from indicators.periods import Period
from surveys.models import WHOLE_NUMBER_TYPES, Question, Questionnaire, QuestionType, Response

CHUNK = 500
DEFAULT_LO, DEFAULT_HI = 1.0, 5.0

QUESTIONNAIRE = Sheet(
    "questionnaire",
    (
        Column("code", required=True, is_text=True),
        Column("title", required=True, width=30),
        Column("year", required=True),
        Column("period", is_text=True, note="2025、2025-H1 或 2025-Q2，须在该年度内；留空为全年 (empty: the year)"),
        Column(
            "roles",
            required=True,
            width=30,
            dropdown=tuple(label for _key, label in choice_pairs(RaterRole)),
            note="回答本问卷的评价主体，多个用顿号分隔 (the roles that answer, comma-separated)",
        ),
        Column("title_en", label="英文标题", width=30),
        Column("instructions", label="填写说明", width=40),
    ),
)
QUESTIONS = Sheet(
    "questions",
    (
        Column("code", required=True, is_text=True),
        Column(
            "indicator",
            is_text=True,
            note="问卷或评分指标的编码；不计分的题留空 (a questionnaire or rating indicator; empty scores nothing)",
        ),
        Column("text", required=True, width=40),
        Column("text_en", width=30),
        Column("type", dropdown=tuple(label for _key, label in choice_pairs(QuestionType)), note="默认为量表"),
        Column("lo", note="默认 1 (default 1)"),
        Column("hi", note="默认 5 (default 5)"),
        Column("labels", width=40, note="如 1=很不符合;3=一般;5=完全符合 (e.g. 1=disagree;5=agree)"),
        Column("reverse", dropdown=YES_NO_LABELS),
        Column("required", dropdown=YES_NO_LABELS),
    ),
)
SHEETS = (QUESTIONNAIRE, QUESTIONS)

_LIKERT_LABELS = "1=很不符合;2=不太符合;3=一般;4=比较符合;5=完全符合"
EXAMPLES: dict[str, list[list[object]]] = {
    "questionnaire": [
        [
            "Q2025",
            "2025年党员模范力评价问卷",
            2025,
            "2025",
            "自评、互评、书记评价、群众评议",
            "2025 party member role-model survey",
            "请根据该党员一年来的实际表现如实填写。",
        ]
    ],
    "questions": [
        ["perf_q_1", "perf_q", "工作业绩突出，能按时保质完成任务", "", "量表", 1, 5, _LIKERT_LABELS, "否", "是"],
        ["perf_q_2", "perf_q", "工作中时常拖延、敷衍", "", "量表", 1, 5, _LIKERT_LABELS, "是", "是"],
        ["exec_rating", "exec_rating", "执行纪律评分（0–100）", "", "数值", 0, 100, "", "否", "是"],
        ["culture_q_1", "culture_q", "践行企业核心价值观", "", "单选", 1, 3, "1=较差;2=一般;3=好", "否", "是"],
        ["comment", "", "其他意见和建议", "", "文本", "", "", "", "否", "否"],
    ],
}


def questionnaire_template() -> Workbook:
    return template_workbook(SHEETS, examples=EXAMPLES)


# --- what the file says -----------------------------------------------------------------------------


@dataclass
class _QuestionIn:
    row: Row
    indicator: str | None
    text: str
    text_en: str
    type: str
    lo: float
    hi: float
    labels: dict[str, str]
    reverse: bool
    required: bool
    order: int


@dataclass
class _File:
    row: Row | None = None
    code: str | None = None
    title: str = ""
    title_en: str | None = None
    instructions: str | None = None
    year: int | None = None
    period: str | None = None
    roles: list[str] = field(default_factory=list)
    questions: dict[str, _QuestionIn] = field(default_factory=dict)


_LABEL_ITEMS = re.compile(r"[;；,，、\n]+")
_LABEL_PAIR = re.compile(r"^\s*([^=＝:：]+?)\s*[=＝:：]\s*(.+?)\s*$")


def point_key(value: float) -> str:
    """How a scale point is written as a labels key: 1, not 1.0."""
    return str(int(value)) if value.is_integer() else repr(value)


def parse_labels(text: str | None) -> dict[str, str]:
    """`1=很不符合;2=不太符合` → {"1": "很不符合", "2": "不太符合"}; raises CellValueError."""
    labels: dict[str, str] = {}
    for item in _LABEL_ITEMS.split(text or ""):
        if not item.strip():
            continue
        match = _LABEL_PAIR.match(item)
        if not match:
            raise CellValueError(
                f"“{item.strip()}”应写作 分值=说明，如 1=很不符合 (expected point=label, e.g. 1=disagree)"
            )
        try:
            point = parse_float(match.group(1))
        except CellValueError:
            point = None
        if point is None:
            raise CellValueError(f"“{match.group(1)}”不是分值 (not a scale point)")
        labels[point_key(point)] = match.group(2)
    return labels


def _read_questionnaire(sheet: SheetData | None, into: _File) -> None:
    if sheet is None:
        return
    if not sheet.rows:
        sheet.error(f"A{sheet.header_row + 1}", "没有问卷 (the sheet has no questionnaire row)")
        return
    for extra in sheet.rows[1:]:
        extra.error("code", "每个文件只能定义一份问卷 (one questionnaire per file)")
    row = sheet.rows[0]
    into.row = row
    into.code = row.text("code", required=True)
    into.title = row.text("title", required=True) or ""
    into.title_en = (row.text("title_en") or "") if sheet.has("title_en") else None
    into.instructions = (row.text("instructions") or "") if sheet.has("instructions") else None
    into.year = row.integer("year", required=True)
    period_text = row.text("period")
    if into.year is not None:
        try:
            period = Period.parse(period_text if period_text is not None else into.year)
        except ValueError as exc:
            row.error("period", str(exc))
        else:
            if period.year != into.year:
                row.error("period", f"期间 {period.code} 不在 {into.year} 年度内 (the period lies outside the year)")
            into.period = period.code
    for item in row.items("roles"):
        try:
            role = parse_choice(item, RaterRole)
        except CellValueError as exc:
            row.error("roles", exc.message)
            continue
        if role is not None and role not in into.roles:
            into.roles.append(role)
    if is_empty(row.raw("roles")) and sheet.has("roles"):
        row.error("roles", "至少需要一个评价主体 (at least one role answers the questionnaire)")


def _scale(row: Row, kind: str) -> tuple[float, float] | None:
    lo = row.numeric("lo")
    hi = row.numeric("hi")
    lo = DEFAULT_LO if lo is None and is_empty(row.raw("lo")) else lo
    hi = DEFAULT_HI if hi is None and is_empty(row.raw("hi")) else hi
    if lo is None or hi is None:
        return None  # unreadable, already reported
    if kind in WHOLE_NUMBER_TYPES:
        for key, value in (("lo", lo), ("hi", hi)):
            if not value.is_integer():
                row.error(key, f"量表和单选题的分值须为整数：{value:g} (scale points of {kind} are whole numbers)")
                return None
    if lo >= hi:
        row.error("hi", f"最高分值 {hi:g} 须大于最低分值 {lo:g} (hi must be greater than lo)")
        return None
    return lo, hi


def _labels(row: Row, kind: str, scale: tuple[float, float]) -> dict[str, str] | None:
    try:
        labels = parse_labels(row.text("labels"))
    except CellValueError as exc:
        row.error("labels", exc.message)
        return None
    lo, hi = scale
    for key in labels:
        point = float(key)
        outside = not lo <= point <= hi
        if outside or (kind in WHOLE_NUMBER_TYPES and not point.is_integer()):
            row.error("labels", f"选项说明中的分值 {key} 不在 {lo:g}–{hi:g} 的量表上 (label point off the scale)")
            return None
    return labels


def _read_questions(sheet: SheetData | None, into: _File) -> None:
    if sheet is None:
        return
    if not sheet.rows:
        sheet.error(f"A{sheet.header_row + 1}", "没有题目 (the sheet has no questions)")
        return
    parsed = []
    for order, row in enumerate(sheet.rows, start=1):
        code = row.text("code", required=True)
        text = row.text("text", required=True)
        kind = row.choice("type", QuestionType)
        if kind is None and is_empty(row.raw("type")):
            kind = QuestionType.LIKERT.value  # an unreadable type stays None: already reported
        scale = _scale(row, kind) if kind is not None else None
        labels = _labels(row, kind, scale) if kind is not None and scale is not None else None
        reverse = row.yes_no("reverse")
        required = row.yes_no("required")
        parsed.append((row, code, text, kind, scale, labels, reverse, required, order))
    unique = first_seen(((code, row) for row, code, *_rest in parsed), key="code", what="题目编码")
    for row, code, text, kind, scale, labels, reverse, required, order in parsed:
        if code is None or unique.get(code) is not row or text is None or kind is None:
            continue
        if scale is None or labels is None:
            continue
        indicator = row.text("indicator")
        if indicator is not None and kind == QuestionType.TEXT:
            row.error("indicator", "文本题不计分，不能关联指标 (a text question scores nothing: leave it empty)")
        into.questions[code] = _QuestionIn(
            row=row,
            indicator=indicator,
            text=text,
            text_en=row.text("text_en") or "",
            type=kind,
            lo=scale[0],
            hi=scale[1],
            labels=labels,
            reverse=bool(reverse),
            required=True if required is None else required,
            order=order,
        )


# --- checks against the database ----------------------------------------------------------------------


def _indicator_pks(data: _File, system: IndicatorSystem | None) -> dict[str, int]:
    """The codes of the system's indicators a question may score; unknown or KPI codes are errors."""
    if system is None:
        return {}
    rows = Indicator.objects.filter(system=system).values_list("pk", "code", "source")
    indicators = {code: (pk, source) for pk, code, source in rows}
    usable: dict[str, int] = {}
    for question in data.questions.values():
        code = question.indicator
        if code is None:
            continue
        if code not in indicators:
            question.row.error(
                "indicator",
                f"{system.year} 年指标体系中没有指标“{code}” (no such indicator in the {system.year} system)",
            )
        elif indicators[code][1] == Source.KPI:
            question.row.error(
                "indicator", f"“{code}”是实绩指标，不能由问卷作答 (a KPI indicator is measured, not asked)"
            )
        else:
            usable[code] = indicators[code][0]
    return usable


QUESTION_FIELDS = ("indicator_id", "text", "text_en", "type", "lo", "hi", "labels", "reverse", "required", "order")
# A change to one of these alters what stored answers mean; the file's cell that asks for it is named.
MEANING_FIELDS = {"indicator_id": "indicator", "type": "type", "lo": "lo", "hi": "hi", "reverse": "reverse"}


def _desired_question(question: _QuestionIn, indicator_pks: dict[str, int]) -> tuple[Any, ...]:
    indicator = indicator_pks.get(question.indicator) if question.indicator else None
    return (
        indicator, question.text, question.text_en, question.type, question.lo, question.hi, question.labels,
        question.reverse, question.required, question.order,
    )  # fmt: skip


@dataclass
class _Plan:
    result: ImportResult
    questionnaire: dict[str, Any] | None = None  # fields to create or update; None when unchanged
    create: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    update: dict[str, tuple[int, tuple[Any, ...]]] = field(default_factory=dict)
    delete: list[int] = field(default_factory=list)


def _check_answered(
    data: _File,
    stored: Questionnaire,
    system: IndicatorSystem,
    stored_questions: dict[str, tuple[int, tuple[Any, ...]]],
    desired: dict[str, tuple[Any, ...]],
    questions_sheet: SheetData | None,
) -> None:
    """Refuse what would change the meaning of the answers already given."""
    row = data.row
    assert row is not None
    if stored.system_id != system.pk:
        row.error("year", f"问卷已有答卷，不能改到 {system.year} 年度 (answers exist: the year cannot change)")
    if stored.period != data.period:
        row.error("period", f"问卷已有答卷，不能改变期间 {stored.period} (answers exist: the period cannot change)")
    answered_roles = set(
        Response.objects.filter(questionnaire=stored).values_list("role", flat=True).distinct().order_by()
    )
    dropped = sorted(answered_roles - set(data.roles))
    if dropped:
        labels = dict(choice_pairs(RaterRole))
        names = "、".join(labels.get(role, role) for role in dropped)
        row.error("roles", f"评价主体“{names}”已有答卷，不能删除 (answers exist for these roles)")
    for code, (_pk, old) in stored_questions.items():
        if code not in desired:
            where = questions_sheet.header_ref("code") if questions_sheet is not None else "A1"
            title = questions_sheet.title if questions_sheet is not None else QUESTIONS.title
            row.sheet.errors.add(
                title, where, f"问卷已有答卷，不能删除题目“{code}” (answers exist: question {code} cannot be removed)"
            )
            continue
        new = dict(zip(QUESTION_FIELDS, desired[code], strict=True))
        previous = dict(zip(QUESTION_FIELDS, old, strict=True))
        for name, key in MEANING_FIELDS.items():
            if new[name] != previous[name]:
                data.questions[code].row.error(
                    key,
                    f"问卷已有答卷，不能修改题目“{code}”的{QUESTIONS.column(key).title} "
                    f"(answers exist: {key} of {code} cannot change)",
                )


def _plan(data: _File, system: IndicatorSystem, indicator_pks: dict[str, int], sheet: SheetData | None) -> _Plan:
    assert data.code is not None and data.period is not None
    plan = _Plan(result=ImportResult())
    stored = Questionnaire.objects.filter(code=data.code).first()
    fields: dict[str, Any] = {
        "title": data.title,
        "system_id": system.pk,
        "period": data.period,
        "roles": data.roles,
    }
    if data.title_en is not None:
        fields["title_en"] = data.title_en
    if data.instructions is not None:
        fields["instructions"] = data.instructions
    if stored is None:
        plan.result.add("questionnaire", created=1)
        plan.questionnaire = fields
    elif any(getattr(stored, name) != value for name, value in fields.items()):
        plan.result.add("questionnaire", updated=1)
        plan.questionnaire = fields
    else:
        plan.result.add("questionnaire", unchanged=1)

    stored_questions: dict[str, tuple[int, tuple[Any, ...]]] = {}
    if stored is not None:
        for pk, code, *values in Question.objects.filter(questionnaire=stored).values_list(
            "pk", "code", *QUESTION_FIELDS
        ):
            stored_questions[code] = (pk, tuple(values))
    desired = {code: _desired_question(question, indicator_pks) for code, question in data.questions.items()}
    if stored is not None and Response.objects.filter(questionnaire=stored).exists():
        _check_answered(data, stored, system, stored_questions, desired, sheet)

    for code, values in desired.items():
        if code not in stored_questions:
            plan.create[code] = values
        elif stored_questions[code][1] != values:
            plan.update[code] = (stored_questions[code][0], values)
    plan.delete = [pk for code, (pk, _values) in stored_questions.items() if code not in desired]
    unchanged = len(desired) - len(plan.create) - len(plan.update)
    plan.result.add(
        "questions", created=len(plan.create), updated=len(plan.update), unchanged=unchanged, deleted=len(plan.delete)
    )
    return plan


@transaction.atomic
def _write(plan: _Plan, code: str) -> None:
    questionnaire = Questionnaire.objects.select_for_update().filter(code=code).first()
    if questionnaire is None:
        questionnaire = Questionnaire.objects.create(code=code, **(plan.questionnaire or {}))
    elif plan.questionnaire is not None:
        for name, value in plan.questionnaire.items():
            setattr(questionnaire, name, value)
        questionnaire.save()
    for start in range(0, len(plan.delete), CHUNK):
        Question.objects.filter(pk__in=plan.delete[start : start + CHUNK]).delete()

    def build(question_code: str, values: tuple[Any, ...], pk: int | None) -> Question:
        return Question(
            pk=pk, questionnaire=questionnaire, code=question_code, **dict(zip(QUESTION_FIELDS, values, strict=True))
        )

    Question.objects.bulk_update(
        [build(c, values, pk) for c, (pk, values) in plan.update.items()],
        [name.removesuffix("_id") for name in QUESTION_FIELDS],
        batch_size=CHUNK,
    )
    Question.objects.bulk_create([build(c, values, None) for c, values in plan.create.items()], batch_size=CHUNK)


def import_questionnaire(*, source: WorkbookSource) -> ImportResult:
    """Create or update one questionnaire (new ones as drafts) from its workbook, all or nothing."""
    data = _File()
    with WorkbookReader(source) as reader:
        _read_questionnaire(reader.sheet(QUESTIONNAIRE), data)
        questions_sheet = reader.sheet(QUESTIONS)
        _read_questions(questions_sheet, data)
        errors = reader.errors
    system = None
    if data.year is not None and data.row is not None:
        system = IndicatorSystem.objects.filter(year=data.year).first()
        if system is None:
            data.row.error("year", f"{data.year} 年没有指标体系，请先导入 (no indicator system for {data.year})")
    indicator_pks = _indicator_pks(data, system)
    errors.raise_if_any()
    assert system is not None and data.code is not None

    plan = _plan(data, system, indicator_pks, questions_sheet)
    errors.raise_if_any()
    if plan.result.changed:
        _write(plan, data.code)
    return plan.result


def _import_for_registry(*, source: WorkbookSource, user: Any = None) -> ImportResult:
    return import_questionnaire(source=source)


register_import(
    "questionnaire",
    label="问卷 (questionnaire)",
    importer=_import_for_registry,
    template_builder=questionnaire_template,
)
