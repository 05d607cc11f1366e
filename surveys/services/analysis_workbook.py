"""The empirical analysis as a workbook (DESIGN.md "Empirical analysis"): notes, dimensions, one items
sheet per dimension with the flagged figures filled, the dimension correlations under a colour scale,
response rates and the answer distributions.

Numbers are stored as numbers at full precision (the API's values) and only shown rounded; every
text cell is written as a string (question texts are typed by people, see `common.xlsx.stream`).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Sequence
from typing import IO, Any

import numpy as np
import pandas as pd
from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from common.xlsx.stream import (
    PERCENT,
    THREE_DECIMALS,
    WHOLE,
    RowWriter,
    StreamColumn,
    display_width,
    header_cells,
    number,
    text,
    text_cell,
)
from surveys.analysis import ALPHA_MIN, CEILING_MAX, ITEM_TOTAL_MIN, MISSING_MAX
from surveys.services.analysis import FLAG_EXPLANATIONS, FLAG_LABELS, AnalysisResult, item_flags

NOTES_SHEET = "说明"
DIMENSIONS_SHEET = "维度"
ITEMS_SHEET_PREFIX = "题目-"
CORRELATIONS_SHEET = "维度相关"
RATES_SHEET = "回收率"
DISTRIBUTION_SHEET = "分布"
UNLINKED = "未关联指标"

TWO_DECIMALS = "0.00"
FLAG_FILL = PatternFill("solid", fgColor="F8CBAD")
SECTION_FONT = Font(bold=True, size=12)
TITLE_FONT = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(text_: str) -> str:
    return _SHEET_TITLE_BAD.sub("_", text_)[:31]


def _widths(sheet: Any, widths: Sequence[float]) -> None:
    for position, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width


def _fit(header: str, values: Sequence[object] = (), *, minimum: float = 8, maximum: float = 60) -> float:
    widest = max([display_width(header), *(display_width(v) for v in values if v is not None)], default=0)
    return float(min(max(widest + 2, minimum), maximum))


def _plain(value: Any) -> int | float | None:
    """A statistic as a Python number for a cell; None for a missing one (NaN reads as an error)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    as_float = float(value)
    return None if np.isnan(as_float) else as_float


def _number(sheet: Any, value: Any, number_format: str, *, fill: PatternFill | None = None) -> Any:
    plain = _plain(value)
    if plain is None:
        return None if fill is None else _filled(sheet, fill)
    cell = WriteOnlyCell(sheet, value=plain)
    cell.number_format = number_format
    if fill is not None:
        cell.fill = fill
    return cell


def _filled(sheet: Any, fill: PatternFill) -> Any:
    cell = WriteOnlyCell(sheet)
    cell.fill = fill
    return cell


def _text(sheet: Any, value: object, *, fill: PatternFill | None = None) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return text_cell(sheet, value, fill=fill)


def _wrapped(sheet: Any, value: str) -> Any:
    cell: Any = text_cell(sheet, value)
    cell.alignment = WRAP
    return cell


def _scope(result: AnalysisResult) -> str:
    parts = []
    if result.unit is not None:
        parts.append(f"{result.unit.name}（{result.unit.code}）及下级组织")
    if result.category is not None:
        parts.append(f"人员类别：{result.category.name}")
    return "；".join(parts) or "全部"


# ── sheets ───────────────────────────────────────────────────────────────────────────────────────


def _notes(workbook: Workbook, result: AnalysisResult) -> None:
    sheet = workbook.create_sheet(NOTES_SHEET)
    _widths(sheet, [22, 110])
    questionnaire = result.questionnaire
    total = result.response_total
    rate = total.get("rate")
    generated = timezone.localtime(result.generated_at).strftime("%Y-%m-%d %H:%M")
    facts = [
        ("问卷", f"{questionnaire.title}（{questionnaire.code}）"),
        ("期间", result.period),
        ("范围", _scope(result)),
        ("生成时间", generated),
        ("纳入分析的答卷", f"{result.respondents} 份已提交答卷"),
        (
            "回收率",
            "—"
            if rate is None
            else f"{float(rate) * 100:.1f}%（已提交 {total['submitted']} / 评价任务 {total['assigned']} 项）",
        ),
    ]  # fmt: skip
    sheet.append([text_cell(sheet, "问卷实证分析（信度与题目分析）", font=TITLE_FONT)])
    sheet.append([])
    for label, value in facts:
        sheet.append([text_cell(sheet, label, font=Font(bold=True)), text_cell(sheet, value)])
    sheet.append([])
    sheet.append([text_cell(sheet, "口径与方法", font=SECTION_FONT)])
    for label, value in METHOD_NOTES:
        sheet.append([text_cell(sheet, label, font=Font(bold=True)), _wrapped(sheet, value)])
    sheet.append([])
    sheet.append([text_cell(sheet, "标记与阈值", font=SECTION_FONT)])
    for flag, explanation in FLAG_EXPLANATIONS.items():
        name = text_cell(sheet, str(FLAG_LABELS[flag]), font=Font(bold=True), fill=FLAG_FILL)
        sheet.append([name, _wrapped(sheet, str(explanation))])


METHOD_NOTES = [
    (
        "答卷",
        "每一份已提交的答卷是一个样本：一位评价人以一种评价主体身份对一名被评价人的回答；"
        "群众评议的每份匿名答卷各算一份。草稿不计入。按组织或人员类别筛选时，看的是被评价人。",
    ),
    (
        "反向计分",
        "反向题先换算：v′ = 最低分值 + 最高分值 − v，使高分一端总是有利的一端。"
        "平均值、标准差、分布、天花板和地板比例都按换算后的分值计算，单位是题目自己的量表分。",
    ),
    (
        "题目统计",
        "作答数 n 是回答了该题的答卷数；缺失比例 = 1 − n / 答卷数；标准差为样本标准差（除以 n − 1）；"
        "天花板比例是落在最高分值的回答所占比例，地板比例是落在最低分值的比例。",
    ),
    (
        "信度",
        "Cronbach's α = k/(k−1) × (1 − 各题方差之和 / 总分方差)，k 为维度内的题目数。"
        "按维度计算，只用回答了该维度全部题目的答卷（成列删除）；各题先按计分规则折算为 0–100 分："
        "s = (v′ − 最低分值) / (最高分值 − 最低分值) × 100，量表不同的题目因此同等看待。",
    ),
    ("校正题总相关", "该题与同一维度其余各题合计分的 Pearson 相关（不含该题本身），与 α 使用同一批答卷。"),
    ("删除该题后的 α", "去掉这道题后该维度的 α；明显高于维度 α 时，说明这道题拉低了维度信度。"),
    (
        "维度相关",
        "每份答卷在每个维度的得分是它在该维度各题 0–100 分的平均（未答的题跳过），"
        "再对两两维度计算 Pearson 相关，只用两个维度都有得分的答卷。这里只看问卷本身，不含权重和实绩。",
    ),
    (
        "判定规则",
        f"标记比较的是保留 9 位小数的值：α < {ALPHA_MIN}、校正题总相关 < {ITEM_TOTAL_MIN}、"
        f"天花板比例 > {CEILING_MAX}、缺失比例 > {MISSING_MAX}，恰好等于阈值不标记。",
    ),
]


def _dimensions(workbook: Workbook, result: AnalysisResult) -> None:
    sheet = workbook.create_sheet(DIMENSIONS_SHEET)
    sheet.freeze_panes = "A2"
    headers = ["维度", "维度键 dimension", "题目数", "完整答卷数", "Cronbach's α", "被标记的题目数", "标记"]
    _widths(sheet, [10, 18, 10, 12, 14, 16, 16])
    sheet.append(header_cells(sheet, headers))
    flagged = result.items.assign(
        any_flag=result.items[["flag_item_total", "flag_ceiling", "flag_missing"]].any(axis=1)
    )
    counts = flagged.groupby("dimension")["any_flag"].sum()
    for row in result.dimensions.itertuples():
        fill = FLAG_FILL if row.flag_alpha else None
        sheet.append(
            [
                text_cell(sheet, row.name),
                text_cell(sheet, row.dimension),
                _number(sheet, row.items, WHOLE),
                _number(sheet, row.n_complete, WHOLE),
                _number(sheet, row.alpha, THREE_DECIMALS, fill=fill),
                _number(sheet, int(counts.get(row.dimension, 0)), WHOLE),
                _text(sheet, str(FLAG_LABELS["alpha_low"]) if row.flag_alpha else None, fill=fill),
            ]
        )


ITEM_HEADERS: list[tuple[str, str | None]] = [
    ("题目编码", None),
    ("题干", None),
    ("指标", None),
    ("反向计分", None),
    ("量表", None),
    ("作答数", WHOLE),
    ("缺失比例", PERCENT),
    ("平均值", TWO_DECIMALS),
    ("标准差", TWO_DECIMALS),
    ("天花板比例", PERCENT),
    ("地板比例", PERCENT),
    ("校正题总相关", THREE_DECIMALS),
    ("删除该题后的α", THREE_DECIMALS),
    ("标记", None),
]


def _scale(lo: float, hi: float) -> str:
    return f"{lo:g}–{hi:g}"


def _items(workbook: Workbook, result: AnalysisResult, title: str, items: pd.DataFrame) -> None:
    sheet = workbook.create_sheet(_sheet_title(ITEMS_SHEET_PREFIX + title))
    sheet.freeze_panes = "C2"
    texts = items["text"].astype(str).tolist()
    _widths(
        sheet,
        [
            _fit("题目编码", items["code"].tolist(), maximum=30),
            _fit("题干", texts, minimum=20, maximum=60),
            _fit("指标", items["indicator"].tolist(), maximum=30),
            *[_fit(header, minimum=8) for header, _format in ITEM_HEADERS[3:-1]],
            24,
        ],
    )
    sheet.append(header_cells(sheet, [header for header, _format in ITEM_HEADERS]))
    for row in items.itertuples():
        flags = item_flags(row)
        fills = dict.fromkeys(flags, FLAG_FILL)
        label = "、".join(str(FLAG_LABELS[flag]) for flag in flags) or None
        sheet.append(
            [
                text_cell(sheet, row.code, fill=FLAG_FILL if flags else None),
                text_cell(sheet, row.text),
                _text(sheet, row.indicator),
                text_cell(sheet, "是" if row.reverse else "否"),
                text_cell(sheet, _scale(row.lo, row.hi)),
                _number(sheet, row.n, WHOLE),
                _number(sheet, row.missing_share, PERCENT, fill=fills.get("missing")),
                _number(sheet, row.mean, TWO_DECIMALS),
                _number(sheet, row.sd, TWO_DECIMALS),
                _number(sheet, row.ceiling_share, PERCENT, fill=fills.get("ceiling")),
                _number(sheet, row.floor_share, PERCENT),
                _number(sheet, row.item_total, THREE_DECIMALS, fill=fills.get("item_total_low")),
                _number(sheet, row.alpha_if_deleted, THREE_DECIMALS),
                _text(sheet, label, fill=FLAG_FILL if label else None),
            ]
        )


def _correlations(workbook: Workbook, result: AnalysisResult) -> None:
    sheet = workbook.create_sheet(CORRELATIONS_SHEET)
    sheet.freeze_panes = "B2"
    keys = [str(key) for key in result.correlations.columns]
    names = [result.dimension_name(key) for key in keys]
    _widths(sheet, [12, *[max(10.0, _fit(name)) for name in names]])
    sheet.append(header_cells(sheet, ["维度", *names]))
    matrix = result.correlations.to_numpy(dtype=float)
    for name, values in zip(names, matrix, strict=True):
        sheet.append([text_cell(sheet, name, font=Font(bold=True)), *[_number(sheet, v, TWO_DECIMALS) for v in values]])
    if keys:
        end = f"{get_column_letter(len(keys) + 1)}{len(keys) + 1}"
        sheet.conditional_formatting.add(
            f"B2:{end}",
            ColorScaleRule(
                start_type="num", start_value=-1, start_color="5B9BD5",
                mid_type="num", mid_value=0, mid_color="FFFFFF",
                end_type="num", end_value=1, end_color="F8696B",
            ),
        )  # fmt: skip
    sheet.append([])
    sheet.append(
        [
            text_cell(
                sheet,
                "Pearson 相关：每份答卷在各维度的题目平均分（0–100，反向题已换算）两两相关，"
                "只用两个维度都有得分的答卷。",
            )
        ]
    )


RATE_COLUMNS: list[StreamColumn] = [
    text("组织编码"),
    text("组织名称"),
    number("评价任务数", WHOLE, 12),
    number("已提交", WHOLE, 10),
    number("草稿", WHOLE, 8),
    number("未填写", WHOLE, 10),
    number("回收率", PERCENT, 10),
    number("群众评议答卷", WHOLE, 14),
    number("纳入分析的答卷", WHOLE, 16),
]


def _rates(workbook: Workbook, result: AnalysisResult) -> None:
    sheet = workbook.create_sheet(RATES_SHEET)
    sheet.freeze_panes = "A2"
    writer = RowWriter(sheet, RATE_COLUMNS)
    frame = result.response_rates[
        ["unit", "unit_name", "assigned", "submitted", "draft", "pending", "rate", "masses_forms", "responses"]
    ]
    writer.fit_widths(frame)
    sheet.append(header_cells(sheet, [column.header for column in RATE_COLUMNS]))
    writer.append_frame(frame)
    total = result.response_total
    sheet.append(
        [
            text_cell(sheet, "合计", font=Font(bold=True)),
            None,
            *[
                _number(sheet, total[key], PERCENT if key == "rate" else WHOLE)
                for key in ["assigned", "submitted", "draft", "pending", "rate", "masses_forms", "responses"]
            ],
        ]
    )
    sheet.append([])
    sheet.append(
        [
            text_cell(
                sheet,
                "按被评价人所在党支部统计（党小组计入其党支部）。回收率 = 已提交 / 评价任务数；"
                "群众评议为匿名答卷，没有评价任务，单列。",
            )
        ]
    )


def _distribution(workbook: Workbook, result: AnalysisResult) -> None:
    sheet = workbook.create_sheet(DISTRIBUTION_SHEET)
    sheet.freeze_panes = "C2"
    distribution = result.distribution
    points = sorted({int(p) for p in distribution["point"]})
    counts = distribution.pivot(index="code", columns="point", values="count") if len(distribution) else None
    shares = distribution.pivot(index="code", columns="point", values="share") if len(distribution) else None
    codes = list(dict.fromkeys(distribution["code"]))
    items = result.items.set_index("code").loc[codes] if codes else result.items.iloc[0:0]
    columns = [
        text("题目编码"),
        text("题干"),
        text("维度"),
        number("作答数", WHOLE, 10),
        *[number(f"{p}分 人数", WHOLE, 10) for p in points],
        *[number(f"{p}分 占比", PERCENT, 10) for p in points],
    ]
    frame = pd.DataFrame(
        {
            "code": codes,
            "text": items["text"].tolist(),
            "dimension": [result.dimension_name(key) for key in items["dimension"]],
            "n": items["n"].tolist(),
            **{f"count_{p}": counts[p].reindex(codes).tolist() if counts is not None else [] for p in points},
            **{f"share_{p}": shares[p].reindex(codes).tolist() if shares is not None else [] for p in points},
        }
    )
    writer = RowWriter(sheet, columns)
    writer.fit_widths(frame, maximum=60)
    sheet.append(header_cells(sheet, [column.header for column in columns]))
    writer.append_frame(frame)
    sheet.append([])
    sheet.append(
        [text_cell(sheet, "量表题和单选题在每个分值上的回答人数和占比，反向题按换算后的分值统计；数值题不列。")]
    )


# ── the workbook ─────────────────────────────────────────────────────────────────────────────────


def item_sheets(result: AnalysisResult) -> list[tuple[str, pd.DataFrame]]:
    """(title, items) per dimension in order, then the items linked to no indicator, if any."""
    sheets = [(result.dimension_name(key), result.items_of(key)) for key in result.dimensions["dimension"]]
    unlinked = result.items_of(None)
    if len(unlinked):
        sheets.append((UNLINKED, unlinked))
    return sheets


def write_analysis_workbook(result: AnalysisResult, target: str | os.PathLike[str] | IO[bytes]) -> None:
    with translation.override("zh-hans"):
        workbook = Workbook(write_only=True)
        _notes(workbook, result)
        _dimensions(workbook, result)
        for title, items in item_sheets(result):
            _items(workbook, result, title, items)
        _correlations(workbook, result)
        _rates(workbook, result)
        _distribution(workbook, result)
        workbook.properties.creator = "model-power"
        workbook.save(target)


def analysis_workbook(result: AnalysisResult) -> bytes:
    buffer = io.BytesIO()
    write_analysis_workbook(result, buffer)
    return buffer.getvalue()


def workbook_name(result: AnalysisResult) -> str:
    parts = [result.questionnaire.code, result.period]
    parts += [scope.code for scope in (result.unit, result.category) if scope is not None]
    return "analysis-" + "-".join(parts) + ".xlsx"
