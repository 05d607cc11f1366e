"""The empirical analysis of one questionnaire and period (DESIGN.md "Empirical analysis"), for the
command, the administrator's page, its workbook and the API. The statistics are `surveys.analysis`;
this reads the data, names things and refuses what cannot be analysed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError, NotInScope
from indicators.periods import Period
from org.models import MemberCategory, Unit
from surveys.analysis import (
    ALPHA_MIN,
    CEILING_MAX,
    FLAG_ALPHA,
    FLAG_CEILING,
    FLAG_ITEM_TOTAL,
    FLAG_MISSING,
    FLAG_THRESHOLDS,
    ITEM_TOTAL_MIN,
    MISSING_MAX,
    analyze,
)
from surveys.models import Questionnaire
from surveys.selectors_analysis import (
    analysis_questions,
    dimensions_frame,
    rates_total,
    response_rates,
    submitted_answers,
    submitted_responses,
)

FLAG_LABELS = {
    FLAG_ALPHA: _("信度偏低"),
    FLAG_ITEM_TOTAL: _("区分度低"),
    FLAG_CEILING: _("天花板效应"),
    FLAG_MISSING: _("缺失偏多"),
}
# What each flag means, for people who do not read statistics (the page's legend, the workbook's notes).
FLAG_EXPLANATIONS = {
    FLAG_ALPHA: format_lazy(
        _(
            "维度的 Cronbach's α 低于 {threshold}：这一维度的题目没有测同一件事（或题目太少），"
            "维度得分不够可靠。先看该维度里被标记的题目。"
        ),
        threshold=ALPHA_MIN,
    ),
    FLAG_ITEM_TOTAL: format_lazy(
        _(
            "校正题总相关低于 {threshold}：这道题和同维度其他题目的合计分不一致，可能题意不清、反向题被误读，"
            "或测的是别的内容。若“删除该题后的 α”高于维度的 α，删去或改写它会更好。"
        ),
        threshold=ITEM_TOTAL_MIN,
    ),
    FLAG_CEILING: format_lazy(
        _("超过 {share} 的回答落在最有利的一端（反向题已换算）：几乎人人都选最好，这道题拉不开差距。"),
        share=f"{CEILING_MAX:.0%}",
    ),
    FLAG_MISSING: format_lazy(
        _("超过 {share} 的答卷没有回答这道题：题目可能不适用于很多人，或难以判断。"),
        share=f"{MISSING_MAX:.0%}",
    ),
}
ITEM_FLAG_COLUMNS = {"flag_item_total": FLAG_ITEM_TOTAL, "flag_ceiling": FLAG_CEILING, "flag_missing": FLAG_MISSING}


def item_flags(row: Any) -> list[str]:
    """The flags of one row of `AnalysisResult.items` (a namedtuple or a mapping)."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return [flag for column, flag in ITEM_FLAG_COLUMNS.items() if bool(get(column))]


@dataclass
class AnalysisResult:
    """Everything the analysis found, as frames (see `surveys.analysis` for their columns)."""

    questionnaire: Questionnaire
    period: str
    unit: Unit | None
    category: MemberCategory | None
    respondents: int
    items: pd.DataFrame
    distribution: pd.DataFrame
    dimensions: pd.DataFrame
    correlations: pd.DataFrame
    response_rates: pd.DataFrame
    flags: pd.DataFrame
    generated_at: datetime = field(default_factory=timezone.now)

    @property
    def response_total(self) -> dict[str, float | int | None]:
        return rates_total(self.response_rates)

    def dimension_name(self, key: str | None) -> str:
        if key is None:
            return ""
        names = dict(zip(self.dimensions["dimension"], self.dimensions["name"], strict=True))
        return str(names.get(key, key))

    def items_of(self, key: str | None) -> pd.DataFrame:
        if key is None:
            return self.items[self.items["dimension"].isna()]
        return self.items[self.items["dimension"] == key]


def _questionnaire(code: str) -> Questionnaire:
    found = Questionnaire.objects.select_related("system").filter(code=code).first()
    if found is None:
        raise NotInScope(f"问卷 {code} 不存在 (questionnaire {code} not found)")
    return found


def _period(code: str, questionnaire: Questionnaire) -> str:
    try:
        period = Period.parse(code).code
    except ValueError as exc:
        raise DomainError(str(exc)) from exc
    if period != questionnaire.period:
        raise DomainError(
            f"问卷 {questionnaire.code} 属于 {questionnaire.period}，不是 {period} "
            f"(questionnaire {questionnaire.code} is for {questionnaire.period}, not {period})"
        )
    return period


def _no_answers_message(
    questionnaire: Questionnaire, period: str, unit: Unit | None, category: MemberCategory | None
) -> str:
    scope = "".join(
        [f"（{unit.name}及下级组织）" if unit else "", f"（人员类别：{category.name}）" if category else ""]
    )
    return (
        f"问卷 {questionnaire.code} 在 {period}{scope}没有已提交的答卷，无法分析 "
        f"(questionnaire {questionnaire.code} has no submitted answers to analyse for {period}"
        f"{' in this unit or category' if scope else ''})"
    )


def analyze_questionnaire(
    *, code: str, period: str, unit_code: str | None = None, category: str | None = None
) -> AnalysisResult:
    """Item statistics, reliability per dimension, dimension correlations and response rates of the
    questionnaire's submitted responses, optionally only about members of a unit's subtree or a
    category. Administrators only: callers check that, this sees everything."""
    questionnaire = _questionnaire(code)
    period_code = _period(period, questionnaire)
    unit = None
    if unit_code:
        unit = Unit.objects.filter(code=unit_code).first()
        if unit is None:
            raise NotInScope(f"组织 {unit_code} 不存在 (unit {unit_code} not found)")
    member_category = None
    if category:
        member_category = MemberCategory.objects.filter(code=category).first()
        if member_category is None:
            raise DomainError(f"人员类别 {category} 不存在 (no member category {category})")

    questions = analysis_questions(questionnaire=questionnaire)
    if questions.empty:
        raise DomainError(f"问卷 {code} 没有可统计的题目 (no scored questions to analyse)")
    responses = submitted_responses(questionnaire=questionnaire, unit=unit, category=member_category)
    if responses.empty:
        raise DomainError(_no_answers_message(questionnaire, period_code, unit, member_category))
    answers = submitted_answers(
        questionnaire=questionnaire,
        question_ids=[int(pk) for pk in questions["question_id"]],
        unit=unit,
        category=member_category,
    )
    if answers.empty:
        raise DomainError(_no_answers_message(questionnaire, period_code, unit, member_category))

    dimensions = dimensions_frame()
    found = analyze(
        respondents=pd.Index(responses["response_id"], name="response_id"),
        answers=answers,
        questions=questions,
        dimension_order=list(dimensions["dimension"]),
    )
    named = found.dimensions.merge(dimensions, on="dimension", how="left")
    items = found.items
    # The English text rides along for the page and the API; the statistics never need it.
    items.insert(3, "text_en", items["question_id"].map(questions.set_index("question_id")["text_en"]))
    return AnalysisResult(
        questionnaire=questionnaire,
        period=period_code,
        unit=unit,
        category=member_category,
        respondents=found.respondents,
        items=items,
        distribution=found.distribution,
        dimensions=named[["dimension", "name", "name_en", "items", "n_complete", "alpha", "flag_alpha"]],
        correlations=found.correlations,
        response_rates=response_rates(questionnaire=questionnaire, unit=unit, category=member_category),
        flags=found.flags,
    )


# ── as JSON (the API and the page's charts) ──────────────────────────────────────────────────────


def _plain(value: Any) -> Any:
    """Full-precision floats, None for NaN, numpy scalars as Python ones."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    return [
        {column: _plain(value) for column, value in zip(columns, row, strict=True)}
        for row in frame[columns].itertuples(index=False, name=None)
    ]


ITEM_FIELDS = [
    "code", "text", "text_en", "type", "indicator", "dimension", "lo", "hi", "reverse", "n", "missing_share", "mean",
    "sd", "ceiling_share", "floor_share", "item_total", "alpha_if_deleted",
]  # fmt: skip


def result_as_json(result: AnalysisResult) -> dict[str, Any]:
    distribution: dict[str, dict[str, list[Any]]] = {}
    for code, rows in result.distribution.groupby("code", sort=False):
        distribution[str(code)] = {
            "points": [int(p) for p in rows["point"]],
            "counts": [int(c) for c in rows["count"]],
            "shares": [_plain(s) for s in rows["share"]],
        }
    items = []
    for record, flagged in zip(
        _records(result.items, ITEM_FIELDS), _records(result.items, list(ITEM_FLAG_COLUMNS)), strict=True
    ):
        record["flags"] = item_flags(flagged)
        record["distribution"] = distribution.get(record["code"])
        items.append(record)
    dimensions = _records(result.dimensions, ["dimension", "name", "name_en", "items", "n_complete", "alpha"])
    for record, flagged in zip(dimensions, result.dimensions["flag_alpha"], strict=True):
        record["flags"] = [FLAG_ALPHA] if flagged else []
    keys = [str(key) for key in result.correlations.columns]
    return {
        "questionnaire": result.questionnaire.code,
        "title": result.questionnaire.title,
        "period": result.period,
        "unit": result.unit.code if result.unit else None,
        "category": result.category.code if result.category else None,
        "respondents": result.respondents,
        "thresholds": dict(FLAG_THRESHOLDS),
        "items": items,
        "dimensions": dimensions,
        "correlations": {
            "dimensions": keys,
            "matrix": [[_plain(v) for v in row] for row in result.correlations.to_numpy(dtype=float).tolist()],
        },
        "response_rates": {
            "units": _records(result.response_rates, list(result.response_rates.columns)),
            "total": {key: _plain(value) for key, value in result.response_total.items()},
        },
        "flags": _records(result.flags, list(result.flags.columns)),
    }
