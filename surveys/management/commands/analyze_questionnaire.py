"""`manage.py analyze_questionnaire CODE --period P [--unit CODE] [--category CODE] [-o FILE]`:
the empirical analysis of a questionnaire (reliability per dimension, weak items), printed as a
summary and, with `-o`, written as a workbook."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from common.errors import DomainError
from common.xlsx.stream import display_width
from surveys.services.analysis import FLAG_LABELS, AnalysisResult, analyze_questionnaire, item_flags
from surveys.services.analysis_workbook import write_analysis_workbook

TEXT_SHOWN = 28


def _figure(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{float(value):.{digits}f}"


def _percent(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{float(value) * 100:.1f}%"


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - display_width(text), 0)


def _short(text: str) -> str:
    return text if len(text) <= TEXT_SHOWN else text[: TEXT_SHOWN - 1] + "…"


def summary_lines(result: AnalysisResult) -> list[str]:
    questionnaire = result.questionnaire
    total = result.response_total
    scope = "；".join(
        part
        for part in [
            f"{result.unit.name}（{result.unit.code}）及下级" if result.unit else "",
            f"人员类别 {result.category.name}" if result.category else "",
        ]
        if part
    )
    lines = [
        f"问卷 {questionnaire.code}：{questionnaire.title} · 期间 {result.period}" + (f" · {scope}" if scope else ""),
        f"纳入分析的答卷 {result.respondents} 份；回收率 {_percent(total.get('rate'))}"
        f"（已提交 {total['submitted']} / 评价任务 {total['assigned']}，群众评议 {total['masses_forms']} 份）",
        "",
        "维度信度 (Cronbach's α, 成列删除):",
    ]
    for row in result.dimensions.itertuples():
        mark = f"  ← {FLAG_LABELS['alpha_low']}" if row.flag_alpha else ""
        lines.append(
            f"  {_pad(str(row.name), 8)} α = {_figure(row.alpha)}"
            f"  题目 {row.items:>3}  完整答卷 {row.n_complete:>6}{mark}"
        )
    flagged = [row for row in result.items.itertuples() if item_flags(row)]
    lines.append("")
    if flagged:
        lines.append(f"被标记的题目 ({len(flagged)}):")
        for row in flagged:
            labels = "、".join(str(FLAG_LABELS[flag]) for flag in item_flags(row))
            lines.append(
                f"  {_pad(str(row.code), 26)} {_pad(result.dimension_name(row.dimension), 6)}"
                f" 题总相关 {_figure(row.item_total)}  删后α {_figure(row.alpha_if_deleted)}"
                f"  天花板 {_percent(row.ceiling_share)}  缺失 {_percent(row.missing_share)}"
                f"  [{labels}]  {_short(str(row.text))}"
            )
    else:
        lines.append("没有被标记的题目 (no item flagged)")
    keys = [str(key) for key in result.correlations.columns]
    if keys:
        names = [result.dimension_name(key) for key in keys]
        lines += ["", "维度相关 (Pearson):", "  " + _pad("", 8) + "".join(_pad(name, 8) for name in names)]
        for name, values in zip(names, result.correlations.to_numpy(dtype=float), strict=True):
            lines.append("  " + _pad(name, 8) + "".join(_pad(_figure(v, 2), 8) for v in values))
    return lines


class Command(BaseCommand):
    help = "问卷实证分析：各维度信度、题目统计和维度相关 (empirical analysis of a questionnaire)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="问卷编码 (questionnaire code)")
        parser.add_argument("--period", required=True, help="期间：2025、2025-H1 或 2025-Q2 (the period)")
        parser.add_argument("--unit", help="只分析该组织及下级的被评价人 (only subjects in this unit's subtree)")
        parser.add_argument("--category", help="只分析该人员类别的被评价人 (only subjects of this category)")
        parser.add_argument("-o", "--output", help="写出分析工作簿 .xlsx (write the analysis workbook)")

    def handle(self, *args: Any, code: str, period: str, **options: Any) -> None:
        try:
            result = analyze_questionnaire(
                code=code, period=period, unit_code=options.get("unit"), category=options.get("category")
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        with translation.override("zh-hans"):
            self.stdout.write("\n".join(summary_lines(result)))
        output = options.get("output")
        if output:
            write_analysis_workbook(result, Path(output))
            self.stdout.write(self.style.SUCCESS(f"已写出分析工作簿：{output} (workbook written)"))
