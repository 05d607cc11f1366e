"""Cell value parsers. Each returns None for an empty cell and raises `CellValueError` (a bilingual
message, without the cell reference, which the reader adds) for a value it cannot read."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Choices
from django.utils import translation
from openpyxl.utils.datetime import from_excel

# The choices a column takes: a Django Choices class, a {key: label} mapping, or (key, label) pairs.
ChoiceSet = type[Choices] | Mapping[str, Any] | Iterable[tuple[str, Any]]

# Workbooks are written and read in Chinese, whatever language the person uploading reads pages in.
FORMAT_LANGUAGE = "zh-hans"
_LIST_SEPARATORS = re.compile(r"[,，、;；\s]+")
_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_TRUE = {"yes", "true", "1", "是", "y"}
_FALSE = {"no", "false", "0", "否", "n"}
_EXCEL_LAST_SERIAL = 2958465  # 9999-12-31


class CellValueError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(value: object) -> str:
    text = parse_text(value) or ""
    return text if len(text) <= 40 else text[:40] + "…"


def parse_text(value: object) -> str | None:
    """Text as typed: a whole number typed into a cell (1001, stored as 1001.0) is the text "1001"."""
    if is_empty(value):
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def parse_float(value: object) -> float | None:
    if is_empty(value):
        return None
    if isinstance(value, bool):
        raise CellValueError(f"“{_shown(value)}” 不是数字 (not a number)")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace("，", ",").replace(",", "")
        scale = 1.0
        if text.endswith(("%", "％")):
            text, scale = text[:-1], 0.01
        try:
            number = float(text) * scale
        except ValueError:
            raise CellValueError(f"“{_shown(value)}” 不是数字 (not a number)") from None
    if not math.isfinite(number):
        raise CellValueError(f"“{_shown(value)}” 不是数字 (not a number)")
    return number


def parse_int(value: object) -> int | None:
    number = parse_float(value)
    if number is None:
        return None
    if not number.is_integer():
        raise CellValueError(f"“{_shown(value)}” 不是整数 (not a whole number)")
    return int(number)


def parse_bool(value: object) -> bool | None:
    if is_empty(value):
        return None
    if isinstance(value, bool):
        return value
    text = parse_text(value) or ""
    folded = text.casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise CellValueError(f"“{_shown(value)}” 应为 是/否 (expected yes or no)")


def parse_date(value: object) -> dt.date | None:
    if is_empty(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value <= _EXCEL_LAST_SERIAL:
        converted = from_excel(value)
        if isinstance(converted, dt.datetime):
            return converted.date()
    match = _DATE.match(str(value).strip())
    if match:
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            pass
    raise CellValueError(f"“{_shown(value)}” 不是日期，应为 YYYY-MM-DD (not a date; use YYYY-MM-DD)")


def normalise(text: str) -> str:
    """How headers, sheet names and choice labels compare: without spaces, case-folded."""
    return "".join(text.split()).casefold()


def choice_pairs(choices: ChoiceSet, *, language: str | None = FORMAT_LANGUAGE) -> list[tuple[str, str]]:
    """(key, label) pairs, labels in the workbooks' language (Chinese), whatever the request's language."""
    with translation.override(language):
        if isinstance(choices, type) and issubclass(choices, Choices):
            return [(str(key), str(label)) for key, label in choices.choices]
        if isinstance(choices, Mapping):
            return [(str(key), str(label)) for key, label in choices.items()]
        return [(str(key), str(label)) for key, label in choices]


def parse_choice(value: object, choices: ChoiceSet) -> str | None:
    """The key of a fixed-set value typed as its key or its Chinese label (or its label in the current language)."""
    text = parse_text(value)
    if text is None:
        return None
    pairs = choice_pairs(choices)
    local = dict(choice_pairs(choices, language=translation.get_language()))
    wanted = normalise(text)
    for key, label in pairs:
        names = (key, label, label + key, local.get(key, label))
        if wanted in {normalise(name) for name in names}:
            return key
    labels = "、".join(label for _key, label in pairs)
    keys = ", ".join(key for key, _label in pairs)
    raise CellValueError(f"“{_shown(value)}” 不是有效的选项，可选：{labels} (not one of: {keys})")


def parse_list(value: object) -> list[str]:
    text = parse_text(value)
    if text is None:
        return []
    return [item for item in _LIST_SEPARATORS.split(text) if item]
