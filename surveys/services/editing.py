"""Defining questionnaires and their questions, and moving a questionnaire between draft, open and closed.

Once a question has answers, what those answers mean is fixed: its type, scale, indicator and
reverse key never change (the answers would silently score differently), and it cannot be deleted.
Texts, labels, order and `required` stay editable. The API and the admin both go through here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from common.errors import DomainError
from indicators.models import IndicatorSystem, RaterRole, Source
from indicators.periods import Period
from surveys.models import (
    WHOLE_NUMBER_TYPES,
    Answer,
    Question,
    Questionnaire,
    QuestionnaireStatus,
    QuestionType,
    Response,
)

# What an answer means: changing any of these once answers exist would rescore them silently.
LOCKED_FIELDS = ("type", "lo", "hi", "indicator", "reverse")
_LOCKED_LABELS = {"type": "题型", "lo": "最低分值", "hi": "最高分值", "indicator": "指标", "reverse": "反向计分"}

QUESTIONNAIRE_FIELDS = (
    "code", "title", "title_en", "system", "period", "roles", "opens_at", "closes_at", "instructions",
)  # fmt: skip
QUESTION_FIELDS = ("code", "indicator", "text", "text_en", "type", "lo", "hi", "labels", "reverse", "required", "order")


class InUseError(DomainError):
    """A definition that answers already depend on."""

    status_code = 409


def _validated(instance: Questionnaire | Question, *, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude, validate_constraints=False, validate_unique=False)
    except ValidationError as exc:
        raise DomainError("；".join(exc.messages)) from exc


def has_answers(question: Question) -> bool:
    return question.pk is not None and Answer.objects.filter(question_id=question.pk).exists()


def answered_question_ids(questionnaire: Questionnaire) -> set[int]:
    return set(
        Answer.objects.filter(question__questionnaire=questionnaire).values_list("question_id", flat=True).distinct()
    )


def _stored_value(question: Question, name: str) -> Any:
    return question.indicator_id if name == "indicator" else getattr(question, name)


def _new_value(value: Any, name: str) -> Any:
    if name == "indicator":
        return value.pk if value is not None else None
    if name in ("lo", "hi") and value is not None:
        return float(value)
    return value


def locked_changes(*, question: Question, changes: Mapping[str, Any]) -> list[str]:
    """The locked fields these changes would alter (whether or not the question has answers)."""
    return [
        name
        for name in LOCKED_FIELDS
        if name in changes and _new_value(changes[name], name) != _stored_value(question, name)
    ]


def locked_message(fields: list[str]) -> str:
    names = "、".join(_LOCKED_LABELS[name] for name in fields)
    return (
        f"该题已有答案，不能再修改{names}；如需改动请新增一道题 "
        f"(the question has answers: its {', '.join(fields)} can no longer change; add a new question instead)"
    )


def require_unlocked(*, question: Question, changes: Mapping[str, Any]) -> None:
    changed = locked_changes(question=question, changes=changes)
    if changed and has_answers(question):
        raise InUseError(locked_message(changed))


# ── questionnaires ───────────────────────────────────────────────────────────────────────────────


def check_roles(roles: Any) -> list[str]:
    if not isinstance(roles, list | tuple) or not roles:
        raise DomainError("问卷须至少指定一个评价主体 (a questionnaire asks at least one rater role)")
    unknown = [str(role) for role in roles if role not in RaterRole.values]
    if unknown:
        raise DomainError(f"评价主体 {'、'.join(unknown)} 未知 (unknown rater roles)")
    # Kept in the canonical order, once each.
    return [role for role in RaterRole.values if role in roles]


def check_period(*, period: str, system: IndicatorSystem) -> str:
    try:
        parsed = Period.parse(period)
    except ValueError as exc:
        raise DomainError(str(exc)) from exc
    if parsed.year != system.year:
        raise DomainError(
            f"期间 {parsed.code} 不在 {system.year} 年指标体系的年度内 (the period must lie in the system's year)"
        )
    return parsed.code


@transaction.atomic
def save_questionnaire(*, questionnaire: Questionnaire | None = None, changes: Mapping[str, Any]) -> Questionnaire:
    """Create a questionnaire (no `questionnaire`) or change the given fields of one.

    Its status changes only through `open_questionnaire` / `close_questionnaire`.
    """
    unknown = set(changes) - set(QUESTIONNAIRE_FIELDS)
    if unknown:
        raise DomainError(f"不能修改字段 {', '.join(sorted(unknown))} (these fields cannot be set here)")
    creating = questionnaire is None
    target = questionnaire or Questionnaire()
    if not creating:
        answered = Response.objects.filter(questionnaire=target).exists()
        moved_system = "system" in changes and changes["system"].pk != target.system_id
        if moved_system and target.questions.filter(indicator__isnull=False).exists():
            raise InUseError(
                "问卷的题目已关联该年度的指标，不能改换指标体系 (its questions use this system's indicators)"
            )
        if answered and (moved_system or ("period" in changes and changes["period"] != target.period)):
            raise InUseError("问卷已有答卷，不能修改年度或期间 (the questionnaire has answers: its period is fixed)")
    for name, value in changes.items():
        setattr(target, name, value)
    if target.system_id is None:
        raise DomainError("问卷须属于一个年度的指标体系 (a questionnaire belongs to a year's indicator system)")
    target.period = check_period(period=target.period or str(target.system.year), system=target.system)
    target.roles = check_roles(target.roles)
    if target.opens_at and target.closes_at and target.opens_at >= target.closes_at:
        raise DomainError("截止时间须晚于开始时间 (the closing time must come after the opening time)")
    if creating or "code" in changes:
        clash = Questionnaire.objects.filter(code=target.code).exclude(pk=target.pk).exists()
        if clash:
            raise DomainError(f"问卷编码 {target.code} 已存在 (questionnaire code {target.code} exists)")
    _validated(target, exclude=["status"])
    target.save()
    return target


def delete_questionnaire(*, questionnaire: Questionnaire) -> None:
    if Response.objects.filter(questionnaire=questionnaire).exists():
        raise InUseError("问卷已有答卷，不能删除；可以结束它 (the questionnaire has answers: close it instead)")
    questionnaire.delete()


@transaction.atomic
def open_questionnaire(*, questionnaire: Questionnaire) -> Questionnaire:
    """Open for answers (also re-opens a closed one, e.g. to extend it)."""
    if not questionnaire.questions.exists():
        raise DomainError("问卷还没有题目，不能开放 (the questionnaire has no questions yet)")
    questionnaire.status = QuestionnaireStatus.OPEN
    questionnaire.save(update_fields=["status"])
    return questionnaire


@transaction.atomic
def close_questionnaire(*, questionnaire: Questionnaire) -> Questionnaire:
    if questionnaire.status == QuestionnaireStatus.DRAFT:
        raise DomainError("问卷尚未开放，无需结束 (the questionnaire was never opened)")
    questionnaire.status = QuestionnaireStatus.CLOSED
    questionnaire.save(update_fields=["status"])
    return questionnaire


# ── questions ────────────────────────────────────────────────────────────────────────────────────


def check_question(question: Question, questionnaire: Questionnaire) -> None:
    indicator = question.indicator
    if indicator is not None:
        if indicator.system_id != questionnaire.system_id:
            raise DomainError(
                f"指标 {indicator.code} 不属于 {questionnaire.system.year} 年指标体系 "
                "(the indicator belongs to another year's system)"
            )
        if indicator.source not in (Source.QUESTIONNAIRE, Source.RATING):
            raise DomainError(
                f"指标 {indicator.code} 是实绩指标，不能由问卷计分 (a KPI indicator is not scored by questions)"
            )
        if question.type == QuestionType.TEXT:
            raise DomainError("文本题不计分，不能关联指标 (a text question scores nothing: leave the indicator empty)")
    if question.lo >= question.hi:
        raise DomainError("最低分值须小于最高分值 (lo must be below hi)")
    if question.type in WHOLE_NUMBER_TYPES and not (
        float(question.lo).is_integer() and float(question.hi).is_integer()
    ):
        raise DomainError("量表和单选题的分值须为整数 (likert and choice scales run over whole numbers)")
    if not isinstance(question.labels, dict):
        raise DomainError("选项说明须为 {分值: 说明} (labels map scale points to texts)")
    for key, label in question.labels.items():
        try:
            point = float(key)
        except (TypeError, ValueError):
            raise DomainError(f"选项说明的分值 “{key}” 不是数字 (label key is not a number)") from None
        if not question.lo <= point <= question.hi or not isinstance(label, str):
            raise DomainError(f"选项说明 “{key}={label}” 不在量表上 (label outside the scale)")


@transaction.atomic
def save_question(
    *, questionnaire: Questionnaire, question: Question | None = None, changes: Mapping[str, Any]
) -> Question:
    """Create a question at the end of the questionnaire (no `question`) or change the given fields."""
    unknown = set(changes) - set(QUESTION_FIELDS)
    if unknown:
        raise DomainError(f"不能修改字段 {', '.join(sorted(unknown))} (these fields cannot be set here)")
    target = question or Question(questionnaire=questionnaire)
    if question is not None:
        require_unlocked(question=question, changes=changes)
    for name, value in changes.items():
        setattr(target, name, value)
    if question is None and "order" not in changes:
        last = Question.objects.filter(questionnaire=questionnaire).aggregate(n=Max("order"))["n"]
        target.order = (last or 0) + 1
    code_taken = Question.objects.filter(questionnaire=questionnaire, code=target.code).exclude(pk=target.pk)
    if code_taken.exists():
        raise DomainError(f"题目编码 {target.code} 在问卷中已存在 (question code {target.code} exists)")
    check_question(target, questionnaire)
    _validated(target, exclude=["questionnaire"])
    target.save()
    return target


def delete_question(*, question: Question) -> None:
    if has_answers(question):
        raise InUseError("该题已有答案，不能删除 (the question has answers and cannot be deleted)")
    question.delete()
