"""Filling in an assignment: drafts, submission, validation, and the races a browser can produce.

A member may save a draft any number of times and submit once. Answers are upserted per question on
a row-locked response, so double submits, two tabs or retried requests never duplicate an answer;
a form that was loaded before someone else saved (a stale form) is refused rather than silently
overwriting the newer answers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from common.errors import DomainError
from surveys.models import (
    Answer,
    Assignment,
    AssignmentStatus,
    Question,
    QuestionnaireStatus,
    QuestionType,
    Response,
    ResponseStatus,
)

MAX_TEXT_LENGTH = 2000


class AnswerErrors(DomainError):
    """Per-question problems, keyed by question code."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("；".join(f"{code}: {message}" for code, message in self.errors.items()))


class ReadOnlyError(DomainError):
    status_code = 409


class StaleFormError(DomainError):
    status_code = 409


@dataclass(frozen=True)
class CleanValue:
    value: float | None
    text: str

    @property
    def is_empty(self) -> bool:
        return self.value is None and not self.text


def clean_value(question: Question, raw: object) -> CleanValue:
    """Check one raw answer against its question. Empty is allowed here; `required` is checked on submit."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return CleanValue(None, "")
    if question.type == QuestionType.TEXT:
        text = str(raw).strip()
        if len(text) > MAX_TEXT_LENGTH:
            raise ValueError(f"文字过长，最多 {MAX_TEXT_LENGTH} 字 (text longer than {MAX_TEXT_LENGTH})")
        return CleanValue(None, text)
    try:
        number = float(str(raw).strip()) if not isinstance(raw, int | float) else float(raw)
    except ValueError:
        raise ValueError(f"“{raw}”不是数字 (not a number)") from None
    if not math.isfinite(number):
        raise ValueError(f"“{raw}”不是有效数字 (not a finite number)")
    if question.type in (QuestionType.LIKERT, QuestionType.CHOICE) and not number.is_integer():
        raise ValueError(f"“{raw}”须为整数 (must be a whole number)")
    if not question.lo <= number <= question.hi:
        scale = f"{question.lo:g}–{question.hi:g}"
        raise ValueError(f"“{number:g}”超出 {scale} 的范围 (outside the scale {scale})")
    return CleanValue(number, "")


def is_open_for_answers(assignment: Assignment, *, now: datetime | None = None) -> bool:
    questionnaire = assignment.questionnaire
    now = now or timezone.now()
    if questionnaire.status != QuestionnaireStatus.OPEN:
        return False
    if questionnaire.opens_at and now < questionnaire.opens_at:
        return False
    return not (questionnaire.closes_at and now >= questionnaire.closes_at)


def response_version(response: Response | None) -> str:
    """What a form carries to detect that it went stale: the response's last save time."""
    return response.updated_at.isoformat() if response and response.updated_at else ""


def response_for(assignment: Assignment) -> Response | None:
    return Response.objects.filter(
        questionnaire_id=assignment.questionnaire_id,
        rater_id=assignment.rater_id,
        subject_id=assignment.subject_id,
        role=assignment.role,
    ).first()


def current_answers(assignment: Assignment) -> dict[str, CleanValue]:
    response = response_for(assignment)
    if response is None:
        return {}
    rows = Answer.objects.filter(response=response).values_list("question__code", "value", "text")
    return {code: CleanValue(value, text) for code, value, text in rows}


@transaction.atomic
def save_answers(
    *,
    assignment: Assignment,
    values: Mapping[str, object],
    submit: bool = False,
    version: str | None = None,
) -> Response:
    """Save the given answers (question code → raw value) as a draft, or submit them.

    `version` is what `response_version` gave when the form was loaded; None skips the stale check.
    """
    locked = Assignment.objects.select_for_update().select_related("questionnaire").get(pk=assignment.pk)
    questions = {q.code: q for q in Question.objects.filter(questionnaire_id=locked.questionnaire_id)}
    cleaned, errors = _clean_all(questions, values)
    response = response_for(locked)

    if locked.status == AssignmentStatus.SUBMITTED:
        if submit and response is not None and _same_as_stored(response, cleaned):
            return response  # a repeated submit of the same form: already done
        raise ReadOnlyError("该问卷已提交，不能再修改 (already submitted; answers are read-only)")
    if not is_open_for_answers(locked):
        raise ReadOnlyError("问卷未开放或已截止 (the questionnaire is not open for answers)")
    if version is not None and response is not None and version != response_version(response):
        raise StaleFormError("答卷已在其他窗口保存过，请刷新后再填写 (saved elsewhere meanwhile; reload the page)")

    if submit:
        stored = current_answers(locked) if response is not None else {}
        merged = {**stored, **cleaned}
        for code, question in questions.items():
            if question.required and code not in errors and merged.get(code, CleanValue(None, "")).is_empty:
                errors[code] = "此题必答 (this question is required)"
    if errors:
        raise AnswerErrors(errors)

    if response is None:
        try:
            with transaction.atomic():
                response = Response.objects.create(
                    questionnaire_id=locked.questionnaire_id,
                    rater_id=locked.rater_id,
                    subject_id=locked.subject_id,
                    role=locked.role,
                )
        except IntegrityError:  # created meanwhile by an import or another request
            response = response_for(locked)
            assert response is not None
    _write(response, questions, cleaned)

    now = timezone.now()
    if submit:
        response.status = ResponseStatus.SUBMITTED
        response.submitted_at = now
        locked.status = AssignmentStatus.SUBMITTED
        locked.submitted_at = now
    else:
        locked.status = AssignmentStatus.DRAFT
    response.save()
    locked.save(update_fields=["status", "submitted_at", "updated_at"])
    assignment.status, assignment.submitted_at = locked.status, locked.submitted_at
    return response


def _clean_all(
    questions: Mapping[str, Question], values: Mapping[str, object]
) -> tuple[dict[str, CleanValue], dict[str, str]]:
    cleaned: dict[str, CleanValue] = {}
    errors: dict[str, str] = {}
    for code, raw in values.items():
        question = questions.get(code)
        if question is None:
            errors[code] = "没有这道题 (no such question)"
            continue
        try:
            cleaned[code] = clean_value(question, raw)
        except ValueError as exc:
            errors[code] = str(exc)
    return cleaned, errors


def _same_as_stored(response: Response, cleaned: Mapping[str, CleanValue]) -> bool:
    stored = {
        code: CleanValue(value, text)
        for code, value, text in Answer.objects.filter(response=response).values_list("question__code", "value", "text")
    }
    return all(stored.get(code, CleanValue(None, "")) == value for code, value in cleaned.items())


def _write(response: Response, questions: Mapping[str, Question], cleaned: Mapping[str, CleanValue]) -> None:
    emptied = [questions[code].pk for code, value in cleaned.items() if value.is_empty]
    if emptied:
        Answer.objects.filter(response=response, question_id__in=emptied).delete()
    Answer.objects.bulk_create(
        [
            Answer(response=response, question=questions[code], value=value.value, text=value.text)
            for code, value in cleaned.items()
            if not value.is_empty
        ],
        update_conflicts=True,
        unique_fields=["response", "question"],
        update_fields=["value", "text"],
    )
