"""Period codes: an annual `2025`, a half `2025-H1`, a quarter `2025-Q2`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from django.core.exceptions import ValidationError

Stage = Literal["", "H1", "H2", "Q1", "Q2", "Q3", "Q4"]
_PATTERN = re.compile(r"^(\d{4})(?:-(H[12]|Q[1-4]))?$")
_STAGE_NAMES_ZH = {
    "": "年度",
    "H1": "上半年",
    "H2": "下半年",
    "Q1": "第一季度",
    "Q2": "第二季度",
    "Q3": "第三季度",
    "Q4": "第四季度",
}
_STAGE_NAMES_EN = {
    "": "annual",
    "H1": "first half",
    "H2": "second half",
    "Q1": "Q1",
    "Q2": "Q2",
    "Q3": "Q3",
    "Q4": "Q4",
}


@dataclass(frozen=True, order=True)
class Period:
    year: int
    stage: Stage = ""

    @classmethod
    def parse(cls, code: object) -> Period:
        text = str(code).strip().upper() if code is not None else ""
        if text.endswith(".0"):  # a year typed into an Excel cell arrives as 2025.0
            text = text[:-2]
        match = _PATTERN.match(text)
        if not match:
            raise ValueError(f"期间 “{code}” 无效：应为 2025、2025-H1 或 2025-Q2 (invalid period)")
        year = int(match.group(1))
        if not 1900 <= year <= 2999:
            raise ValueError(f"期间 “{code}” 的年份超出范围 (year out of range)")
        return cls(year, (match.group(2) or ""))  # type: ignore[arg-type]

    @property
    def code(self) -> str:
        return f"{self.year}-{self.stage}" if self.stage else str(self.year)

    def __str__(self) -> str:
        return self.code

    @property
    def kind(self) -> str:
        return {"": "year", "H": "half", "Q": "quarter"}[self.stage[:1]]

    @property
    def is_annual(self) -> bool:
        return self.stage == ""

    @property
    def label(self) -> str:
        return f"{self.year}年{_STAGE_NAMES_ZH[self.stage]}" if self.stage else f"{self.year}年度"

    @property
    def label_en(self) -> str:
        return f"{self.year} {_STAGE_NAMES_EN[self.stage]}"

    def same_period_last_year(self) -> Period:
        return Period(self.year - 1, self.stage)

    def previous_stage(self) -> Period:
        """The stage before this one: 2025-Q1 → 2024-Q4, 2025-H2 → 2025-H1, 2025 → 2024."""
        if not self.stage:
            return Period(self.year - 1)
        letter, number = self.stage[0], int(self.stage[1])
        last = 4 if letter == "Q" else 2
        if number == 1:
            return Period(self.year - 1, f"{letter}{last}")  # type: ignore[arg-type]
        return Period(self.year, f"{letter}{number - 1}")  # type: ignore[arg-type]

    def stages_of_year(self) -> list[Period]:
        """The stages of the same kind in this period's year, in order (the series a chart draws)."""
        if not self.stage:
            return [self]
        count = 4 if self.stage[0] == "Q" else 2
        return [Period(self.year, f"{self.stage[0]}{i}") for i in range(1, count + 1)]  # type: ignore[arg-type]

    def sort_key(self) -> tuple[int, int, int]:
        order = {"": (0, 0), "H1": (1, 1), "H2": (1, 2), "Q1": (2, 1), "Q2": (2, 2), "Q3": (2, 3), "Q4": (2, 4)}
        return (self.year, *order[self.stage])


def validate_period_code(value: str) -> None:
    try:
        Period.parse(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


def normalise_period_code(value: object) -> str:
    return Period.parse(value).code
