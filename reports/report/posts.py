"""`精品岗位` (FORMATS.md): each model post's score and indicators — value, target, completion, score —
with the change against the previous stage, the same stage last year and last year's annual figure;
below, the stage series of this year and last year and a native line chart of them.

The rows are `reports.services.post_comparisons.post_comparisons` as the API gives them, so the
sheet's figures are the API's.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from openpyxl.chart import LineChart, Reference
from openpyxl.utils import get_column_letter

from common.xlsx.stream import PERCENT, RowWriter, number, text, text_cell
from reports.report.data import ReportData
from reports.report.layout import (
    HEADER_ROW,
    LABEL_FONT,
    SECTION_FONT,
    TREND_LABELS,
    Header,
    colour_trends,
    columns_of,
    filter_header,
    print_table_then_charts,
    reserve_rows,
    start_table,
)

SHEET = "精品岗位"
AXES = (("previous_stage", "上一阶段"), ("same_period_last_year", "去年同期"), ("last_year", "去年全年"))
POST_ROW_LABEL = "岗位得分"
STAGE_LABELS = ("一季度", "二季度", "三季度", "四季度")
# With few posts each has its own pair of lines; with more, the chart shows the posts' mean.
MAX_POSTS_CHARTED = 4
CHART_ROWS = 20  # rows the chart covers


def post_columns() -> list[tuple[str, Header]]:
    columns = [
        ("post", Header(text("岗位编码"))),
        ("name", Header(text("岗位", width=26))),
        ("unit_name", Header(text("所在组织"))),
        ("code", Header(text("指标编码"))),
        ("indicator", Header(text("指标"))),
        ("measure_unit", Header(text("计量\n单位", width=7))),
        ("value", Header(number("实绩", "0.0##", width=9), 1)),
        ("floor", Header(number("底线值", "0.0##", width=9), 1)),
        ("target", Header(number("目标值", "0.0##", width=9), 1)),
        ("completion", Header(number("完成率", PERCENT, width=9), 1)),
        ("score", Header(number("得分", width=8), 1)),
    ]
    for group, (axis, label) in enumerate(AXES, start=2):
        columns += [
            (f"{axis}_before", Header(number(f"{label}\n得分", width=9), group)),
            (f"{axis}_delta", Header(number(f"{label}\n变化", width=9), group)),
            (f"{axis}_trend", Header(text(f"{label}\n趋势", width=9), group)),
        ]
    return columns


def _axes(source: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for axis, _label in AXES:
        compared = source.get(axis) or {}
        values[f"{axis}_before"] = compared.get("before")
        values[f"{axis}_delta"] = compared.get("delta")
        values[f"{axis}_trend"] = TREND_LABELS.get(compared.get("trend") or "")
    return values


def post_table(posts: list[dict[str, Any]]) -> pd.DataFrame:
    """One row for each post's own score, then one per indicator."""
    rows: list[dict[str, Any]] = []
    for post in posts:
        described = {"post": post["post"], "name": post["name"], "unit_name": post.get("unit_name") or post["unit"]}
        rows.append({**described, "indicator": POST_ROW_LABEL, "score": post.get("score"), **_axes(post)})
        for indicator in post.get("indicators") or []:
            rows.append(
                {
                    **described,
                    "code": indicator["code"],
                    "indicator": indicator.get("name") or indicator["code"],
                    "measure_unit": indicator.get("unit") or None,
                    "value": indicator.get("value"),
                    "floor": indicator.get("floor"),
                    "target": indicator.get("target"),
                    "completion": indicator.get("completion"),
                    "score": indicator.get("score"),
                    **_axes(indicator),
                }
            )
    keys = [key for key, _header in post_columns()]
    return pd.DataFrame.from_records(rows, columns=keys) if rows else pd.DataFrame(columns=keys)


def write_posts(workbook: Any, data: ReportData) -> None:
    sheet = workbook.create_sheet(SHEET)
    columns = post_columns()
    headers = [header for _key, header in columns]
    table = post_table(data.posts)
    writer = RowWriter(sheet, columns_of(headers))
    writer.fit_widths(table, minimum=8)
    start_table(
        sheet, headers, title=f"{data.title} · 精品岗位", subtitle=data.subtitle, freeze_columns=2, print_blocks=True
    )
    rows = writer.append_frame(table)
    last_row = HEADER_ROW + rows
    filter_header(sheet, width=len(headers), last_row=last_row)
    keys = [key for key, _header in columns]
    for axis, _label in AXES:
        delta = keys.index(f"{axis}_delta") + 1
        trend = delta + 1
        first = HEADER_ROW + 1
        letters = (get_column_letter(delta), get_column_letter(trend))
        colour_trends(
            sheet, cells=f"{letters[0]}{first}:{letters[1]}{max(last_row, first)}", trend_cell=f"${letters[1]}{first}"
        )
    if rows == 0:
        sheet.append([text_cell(sheet, "本期在报告范围内没有精品岗位的得分或实绩。")])
        return
    charts = _series_block(sheet, data, first_row=last_row + 2)
    print_table_then_charts(sheet, width=len(headers), table_end=last_row, charts=charts)


def _series_rows(data: ReportData) -> pd.DataFrame:
    """Series name and the four quarters' scores: each post this year and last year, then the means."""
    now_year, before_year = data.period.year, data.period.year - 1
    records: list[list[Any]] = []
    now_values, before_values = [], []
    for post in data.posts:
        series = post.get("series") or {}
        now = list(series.get("now") or [None] * 4)
        before = list(series.get("before") or [None] * 4)
        now_values.append(now)
        before_values.append(before)
        records.append([f"{post['name']} {now_year}", *now])
        records.append([f"{post['name']} {before_year}", *before])
    mean_now = pd.DataFrame(now_values, dtype="float64").mean().tolist()
    mean_before = pd.DataFrame(before_values, dtype="float64").mean().tolist()
    records.append([f"平均 {now_year}", *mean_now])
    records.append([f"平均 {before_year}", *mean_before])
    return pd.DataFrame.from_records(records, columns=["series", *STAGE_LABELS])


def _series_block(sheet: Any, data: ReportData, *, first_row: int) -> tuple[int, int]:
    """The stage series as a small table in columns B–F (B, the post's name, is the wide one) and the
    line chart below it. Returns the first and last row the block covers."""
    series = _series_rows(data)
    sheet.append([])
    sheet.append(
        [text_cell(sheet, f"阶段得分：{data.period.year} 年与 {data.period.year - 1} 年各季度", font=SECTION_FONT)]
    )
    header_row = first_row + 1
    sheet.append(
        [
            None,
            text_cell(sheet, "系列", font=LABEL_FONT),
            *(text_cell(sheet, stage, font=LABEL_FONT) for stage in STAGE_LABELS),
        ]
    )
    writer = RowWriter(sheet, [text(""), text("系列"), *(number(label) for label in STAGE_LABELS)])
    writer.append_frame(series.assign(blank=None)[["blank", *series.columns]])
    first_series = header_row + 1
    charted = len(data.posts) <= MAX_POSTS_CHARTED
    rows = (
        range(first_series, first_series + len(series) - 2)
        if charted
        else range(first_series + len(series) - 2, first_series + len(series))
    )
    chart = LineChart()
    chart.title = "各季度得分：本年与去年" if charted else "各季度平均得分：本年与去年"
    chart.style = 12
    chart.y_axis.title = "得分"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    chart.y_axis.number_format = "0"
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    for position, row in enumerate(rows):
        chart.add_data(
            Reference(sheet, min_col=2, max_col=6, min_row=row, max_row=row), from_rows=True, titles_from_data=True
        )
        line = chart.series[-1]
        line.smooth = False  # stages are points in time, not a curve
        if position % 2 == 1:  # last year's line of the pair: dashed
            line.graphicalProperties.line.dashStyle = "dash"
    chart.set_categories(Reference(sheet, min_col=3, max_col=6, min_row=header_row, max_row=header_row))
    if chart.legend is not None:
        chart.legend.position = "b"
    chart.width, chart.height = 18.0, 9.0  # type: ignore[assignment]  # centimetres, floats are fine
    anchor_row = header_row + len(series) + 2
    sheet.add_chart(chart, f"A{anchor_row}")
    reserve_rows(sheet, CHART_ROWS)
    return first_row, anchor_row + CHART_ROWS


__all__ = ["SHEET", "post_table", "write_posts"]
