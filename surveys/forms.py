"""The fill-in form: reads the posted answers and lays the questions out for the page.

Validation is the answering service's (it knows drafts, submit and races); this module only turns
the request into question code → raw value, and the questions with their values and errors into
sections the template renders.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from surveys.models import Question
from surveys.services.answering import CleanValue

SAVE = "save"
SUBMIT = "submit"


class SheetForm(forms.Form):
    """What the page posts besides the answers: the stale-form version and the button pressed."""

    version = forms.CharField(required=False)
    action = forms.ChoiceField(choices=[(SAVE, _("保存草稿")), (SUBMIT, _("提交"))], required=False)

    def wants_submit(self) -> bool:
        return self.is_valid() and self.cleaned_data["action"] == SUBMIT


def field_name(question: Question) -> str:
    # By id, not code: codes come from spreadsheets and may hold anything.
    return f"q_{question.pk}"


def posted_values(questions: Iterable[Question], data: Mapping[str, Any]) -> dict[str, str]:
    """Every question's posted value; an unticked scale posts nothing, which means no answer."""
    return {question.code: str(data.get(field_name(question), "")) for question in questions}


def as_text(value: CleanValue) -> str:
    if value.value is None:
        return value.text
    return f"{value.value:g}"


def stored_values(stored: Mapping[str, CleanValue]) -> dict[str, str]:
    return {code: as_text(value) for code, value in stored.items()}


_BILINGUAL = re.compile(r"^(?P<zh>.+?)\s*\((?P<en>[^()]*[A-Za-z][^()]*)\)$", re.DOTALL)


def in_language(message: str) -> str:
    """A domain error reads "中文 (English)"; show the half in the page's language."""
    match = _BILINGUAL.match(message.strip())
    if match is None:
        return message
    return match.group("en") if _english() else match.group("zh")


def _english() -> bool:
    return (get_language() or "").startswith("en")


def localized(obj: Any, attribute: str = "name") -> str:
    english = getattr(obj, f"{attribute}_en", "") or ""
    return str(english if _english() and english else getattr(obj, attribute))


@dataclass
class Option:
    value: str
    label: str
    checked: bool


@dataclass
class QuestionField:
    question: Question
    number: int
    value: str
    error: str = ""

    @property
    def name(self) -> str:
        return field_name(self.question)

    @property
    def anchor(self) -> str:
        return f"q-{self.question.pk}"

    @property
    def text(self) -> str:
        return localized(self.question, "text")

    @property
    def kind(self) -> str:
        return str(self.question.type)

    @property
    def is_answered(self) -> bool:
        return bool(self.value.strip())

    @property
    def options(self) -> list[Option]:
        labels = self.question.labels or {}
        return [
            Option(str(point), str(labels.get(str(point), "")), self.value.strip() == str(point))
            for point in self.question.scale_points()
        ]

    @property
    def has_labels(self) -> bool:
        return bool(self.question.labels)

    @property
    def scale(self) -> str:
        return f"{self.question.lo:g}–{self.question.hi:g}"

    @property
    def chosen_label(self) -> str:
        return next((option.label for option in self.options if option.checked), "")


@dataclass
class Section:
    title: str
    fields: list[QuestionField] = field(default_factory=list)


@dataclass
class Sheet:
    sections: list[Section]

    @property
    def fields(self) -> list[QuestionField]:
        return [f for section in self.sections for f in section.fields]

    @property
    def total(self) -> int:
        return len(self.fields)

    @property
    def answered(self) -> int:
        return sum(f.is_answered for f in self.fields)

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0

    @property
    def missing_required(self) -> int:
        return sum(f.question.required and not f.is_answered for f in self.fields)

    @property
    def errors(self) -> list[QuestionField]:
        return [f for f in self.fields if f.error]


def build_sheet(
    questions: Iterable[Question], values: Mapping[str, str], errors: Mapping[str, str] | None = None
) -> Sheet:
    """Questions grouped by the dimension of their indicator, in dimension order; questions linked to
    no indicator come last. Numbered as shown."""
    errors = errors or {}
    other = str(_("其他"))
    grouped: dict[tuple[int, str], list[Question]] = {}
    for question in questions:
        dimension = question.indicator.dimension if question.indicator_id and question.indicator else None
        key = (dimension.order, localized(dimension)) if dimension is not None else (10_000, other)
        grouped.setdefault(key, []).append(question)
    sections = []
    number = 0
    for (_order, title), members in sorted(grouped.items(), key=lambda item: item[0][0]):
        section = Section(title)
        for question in members:
            number += 1
            section.fields.append(
                QuestionField(
                    question, number, values.get(question.code, ""), in_language(errors.get(question.code, ""))
                )
            )
        sections.append(section)
    return Sheet(sections)
