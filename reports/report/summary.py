"""`汇总` (FORMATS.md): the unit and each unit below it, then the chart data of the main unit and two
native charts — a six-axis radar of now against the baseline and a clustered bar of the means."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from openpyxl.chart import BarChart, RadarChart, Reference
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, OneCellAnchor
from openpyxl.drawing.xdr import XDRPositiveSize2D
from openpyxl.utils.units import cm_to_EMU

from common.xlsx.stream import THREE_DECIMALS, WHOLE, RowWriter, number, text, text_cell
from org.models import UnitKind
from reports.comparison import MEASURES
from reports.report.data import ReportData
from reports.report.layout import (
    HEADER_ROW,
    LABEL_FONT,
    MEASURE_LABELS,
    SECTION_FONT,
    Header,
    columns_of,
    filter_header,
    print_table_then_charts,
    reserve_rows,
    start_table,
)
from reports.scoring.types import DIMENSIONS

SHEET = "汇总"
COUNTS = (
    ("members_now", "本期\n人数"),
    ("members_before", "基期\n人数"),
    ("members_both", "两期\n均有"),
    ("up", "进步"),
    ("flat", "持平"),
    ("down", "退步"),
)
# Chart size in centimetres: two charts side by side fit inside the first page's columns.
CHART_WIDTH = 10.5
CHART_HEIGHT = 8.0
CHART_ROWS = 20  # rows the charts cover, to leave room below them


def headers() -> list[Header]:
    columns = [
        Header(text("组织编码")),
        Header(text("组织")),
        Header(text("类型", width=8)),
        *(Header(number(label, WHOLE, width=7)) for _key, label in COUNTS),
    ]
    for group, measure in enumerate(MEASURES, start=1):
        name = MEASURE_LABELS[measure]
        columns += [
            Header(number(f"{name}\n本期", width=8), group),
            Header(number(f"{name}\n基期", width=8), group),
            Header(number(f"{name}\n变化", width=8), group),
        ]
    columns += [
        Header(number("配对 t 检验\np 值", THREE_DECIMALS, width=11)),
        Header(number("Wilcoxon\np 值", THREE_DECIMALS, width=11)),
    ]
    return columns


def _table(units: pd.DataFrame) -> pd.DataFrame:
    kinds = {kind.value: str(kind.label) for kind in UnitKind}
    table = pd.DataFrame(
        {
            "code": units["code"],
            # Full-width spaces indent a unit under its parent: the tree reads in a plain column.
            "name": [
                "\u3000" * int(depth) + str(name) for depth, name in zip(units["depth"], units["name"], strict=True)
            ],
            "kind": units["kind"].map(kinds),
        }
    )
    for key, _label in COUNTS:
        table[key] = units[key]
    for measure in MEASURES:
        for part in ("now", "before", "delta"):
            table[f"{measure}_{part}"] = units[f"{measure}_{part}"]
    table["paired_t_p"] = units["paired_t_p"]
    table["wilcoxon_p"] = units["wilcoxon_p"]
    return table


def write_summary(workbook: Any, data: ReportData) -> None:
    sheet = workbook.create_sheet(SHEET)
    columns = headers()
    table = _table(data.units) if not data.units.empty else pd.DataFrame(columns=range(len(columns)))
    writer = RowWriter(sheet, columns_of(columns))
    writer.fit_widths(table, minimum=8)
    sheet.column_dimensions["B"].width = max(sheet.column_dimensions["B"].width or 0, 22)
    start_table(
        sheet, columns, title=f"{data.title} · 汇总", subtitle=data.subtitle, freeze_columns=2, print_blocks=True
    )
    rows = writer.append_frame(table) if not data.units.empty else 0
    last_row = HEADER_ROW + rows
    filter_header(sheet, width=len(columns), last_row=last_row)
    if rows == 0:
        sheet.append([text_cell(sheet, "权限范围内没有可汇总的组织。")])
        return
    charts = _chart_block(sheet, data, first_row=last_row + 2)
    print_table_then_charts(sheet, width=len(columns), table_end=last_row, charts=charts)


def _chart_block(sheet: Any, data: ReportData, *, first_row: int) -> tuple[int, int]:
    """The main unit's six means now and before as a small table, with the two charts below it.
    Returns the first and last row the block covers."""
    unit = data.main_unit
    assert unit is not None
    sheet.append([])
    name = str(unit["name"])
    sheet.append([text_cell(sheet, f"图表：{name}（{unit['code']}）六个维度的平均分", font=SECTION_FONT)])
    header_row = first_row + 1
    now_label, before_label = f"本期 {data.period.label}", f"基期 {data.baseline.label}"
    sheet.append(
        [
            text_cell(sheet, "维度", font=LABEL_FONT),
            text_cell(sheet, now_label, font=LABEL_FONT),
            text_cell(sheet, before_label, font=LABEL_FONT),
        ]
    )
    writer = RowWriter(sheet, [text("维度"), number(now_label), number(before_label)])
    means = pd.DataFrame(
        {
            "dimension": [MEASURE_LABELS[key] for key in DIMENSIONS],
            "now": [unit[f"{key}_now"] for key in DIMENSIONS],
            "before": [unit[f"{key}_before"] for key in DIMENSIONS],
        }
    )
    writer.append_frame(means)
    data_rows = (header_row + 1, header_row + len(DIMENSIONS))
    anchor_row = data_rows[1] + 2
    floor = radar_floor([*means["now"], *means["before"]])
    sheet.add_chart(_radar(sheet, header_row, data_rows, floor), chart_anchor(row=anchor_row, left_cm=0))
    sheet.add_chart(_bars(sheet, header_row, data_rows), chart_anchor(row=anchor_row, left_cm=CHART_WIDTH + 0.5))
    reserve_rows(sheet, CHART_ROWS)
    return first_row, anchor_row + CHART_ROWS


def _series(sheet: Any, header_row: int, data_rows: tuple[int, int]) -> tuple[Reference, Reference]:
    values = Reference(sheet, min_col=2, max_col=3, min_row=header_row, max_row=data_rows[1])
    labels = Reference(sheet, min_col=1, min_row=data_rows[0], max_row=data_rows[1])
    return values, labels


def radar_floor(values: list[float | None]) -> int:
    """Where the radar's scale starts: a round ten below the lowest mean, so that the difference
    between the two periods is visible rather than a thin ring near the rim; 0 with nothing to show."""
    present = [value for value in values if value is not None and not math.isnan(value)]
    if not present:
        return 0
    return int(min(max(math.floor((min(present) - 5) / 10) * 10, 0), 80))


def _radar(sheet: Any, header_row: int, data_rows: tuple[int, int], floor: int) -> RadarChart:
    chart = RadarChart()
    chart.type = "marker"
    chart.style = 26
    chart.title = "六维雷达图" + (f"（刻度自 {floor} 分起）" if floor else "")
    values, labels = _series(sheet, header_row, data_rows)
    chart.add_data(values, titles_from_data=True)
    chart.set_categories(labels)
    chart.y_axis.scaling.min = floor
    chart.y_axis.scaling.max = 100
    chart.y_axis.majorUnit = 10 if floor >= 50 else 20
    chart.y_axis.number_format = "0"
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    if chart.legend is not None:
        chart.legend.position = "b"
    chart.width, chart.height = CHART_WIDTH, CHART_HEIGHT  # type: ignore[assignment]  # centimetres
    return chart


def _bars(sheet: Any, header_row: int, data_rows: tuple[int, int]) -> BarChart:
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.style = 10
    chart.title = "各维度平均分"
    values, labels = _series(sheet, header_row, data_rows)
    chart.add_data(values, titles_from_data=True)
    chart.set_categories(labels)
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    chart.y_axis.majorUnit = 20
    chart.y_axis.title = "平均分"
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.y_axis.numFmt = "0"
    if chart.legend is not None:
        chart.legend.position = "b"
    chart.width, chart.height = CHART_WIDTH, CHART_HEIGHT  # type: ignore[assignment]  # centimetres
    return chart


def chart_anchor(*, row: int, left_cm: float) -> OneCellAnchor:
    """A chart's place: the given row, `left_cm` from the sheet's left edge, whatever the widths."""
    anchor = OneCellAnchor()
    anchor._from = AnchorMarker(col=0, row=row - 1, colOff=cm_to_EMU(left_cm))
    anchor.ext = XDRPositiveSize2D(cm_to_EMU(CHART_WIDTH), cm_to_EMU(CHART_HEIGHT))
    return anchor


__all__ = ["SHEET", "write_summary"]
