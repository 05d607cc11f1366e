"""`说明` (FORMATS.md): what the workbook is, for which unit, when and from which systems; the scoring
and comparison rules in words; and what changed between the two indicator systems."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from common.xlsx.stream import text_cell
from reports.models import ScoreRun
from reports.report.data import ReportData
from reports.report.layout import DIMENSION_LABELS, LABEL_FONT, SECTION_FONT, WRAP, print_portrait
from reports.report.rules import COMPARISON_RULES, SCORING_RULES

SHEET = "说明"
SHEETS = (
    ("说明", "本页：报告的范围、数据来源、计分与对比规则、两年指标体系的变化。"),
    (
        "汇总",
        "本组织及下属各组织：计分人数、总分和六个维度的平均分（本期、基期、变化）、进步/持平/退步人数、显著性检验；"
        "下方是雷达图和柱状图。",
    ),
    ("成员", "每位党员一行：总分、支部排名、等级、覆盖率，总分和各维度的本期、基期、变化和趋势；上升绿色，下降红色。"),
    ("维度明细", "每位党员每个指标一行：各评价主体得分、评价人数、指标得分及与基期同编码指标的比较。"),
    (
        "精品岗位",
        "每个精品岗位每个指标一行：实绩、目标、完成率、得分，与上一阶段、去年同期、去年全年的比较；下方是阶段得分折线图。",
    ),
)
CHANGE_KINDS = {"added": "新增指标", "removed": "删除指标", "reweighted": "权重调整", "moved": "调整维度"}


def _baseline_kind(data: ReportData) -> str:
    if data.baseline == data.period.same_period_last_year():
        return "去年同期"
    if data.baseline == data.period.previous_stage():
        return "上一阶段"
    return "指定期间"


def _run_text(run: ScoreRun | None) -> str:
    if run is None:
        return "没有正式成绩：所有成员都显示为新增，不计算变化"
    system = run.system
    when = f"，计分于 {timezone.localtime(run.finished_at):%Y-%m-%d %H:%M}" if run.finished_at else ""
    return f"{system.name}（{system.year} 年，{system.get_status_display()}）{when}"


def _counts(data: ReportData) -> str:
    status = data.members["status"] if not data.members.empty else None
    if status is None:
        return "本期和基期都没有成绩"
    now = int((status != "left").sum())
    before = int((status != "new").sum())
    both = int((status == "both").sum())
    return f"本期计分 {now} 人，基期计分 {before} 人，两期均有 {both} 人"


def _changes(data: ReportData) -> list[tuple[str, str]]:
    if data.before_run is None:
        return [("", "基期没有正式成绩，不比较指标体系。")]
    if not data.changes.any:
        if data.now_run is not None and data.before_run.system_id == data.now_run.system_id:
            return [("", "两期使用同一个指标体系，没有变化。")]
        return [("", "两个指标体系的指标编码、维度和权重都相同。")]
    rows: list[tuple[str, str]] = []

    def dimension(key: object) -> str:
        return DIMENSION_LABELS.get(str(key), str(key))

    for item in data.changes.added:
        rows.append((CHANGE_KINDS["added"], f"{item['code']} {item['name']}（{dimension(item['dimension'])}）"))
    for item in data.changes.removed:
        rows.append((CHANGE_KINDS["removed"], f"{item['code']} {item['name']}（{dimension(item['dimension'])}）"))
    for item in data.changes.reweighted:
        rows.append(
            (
                CHANGE_KINDS["reweighted"],
                f"{item['code']} {item['name']}：权重 {item['before']:.3f} → {item['now']:.3f}",
            )
        )
    for item in data.changes.moved:
        rows.append(
            (
                CHANGE_KINDS["moved"],
                f"{item['code']} {item['name']}：{dimension(item['from'])} → {dimension(item['to'])}",
            )
        )
    rows.append(("", "指标按编码对应；维度得分照常比较，但请留意上述变化对维度得分的影响。"))
    return rows


def _line(sheet: Any, label: str, value: str) -> None:
    value_cell = text_cell(sheet, value)
    value_cell.alignment = WRAP
    sheet.append([text_cell(sheet, label, font=LABEL_FONT), value_cell])


def _section(sheet: Any, title: str) -> None:
    sheet.append([])
    sheet.append([text_cell(sheet, title, font=SECTION_FONT)])


def write_notes(workbook: Any, data: ReportData) -> None:
    sheet = workbook.create_sheet(SHEET)
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 100
    print_portrait(sheet)
    sheet.row_dimensions[1].height = 24
    sheet.append([text_cell(sheet, data.title, font=SECTION_FONT)])
    _line(sheet, "报告内容", f"{data.period.label}与{data.baseline.label}的党员模范力得分对比")
    _line(sheet, "组织", data.unit_label)
    _line(sheet, "本期", f"{data.period.label}（{data.period.code}）")
    _line(sheet, "基期", f"{data.baseline.label}（{data.baseline.code}，{_baseline_kind(data)}）")
    _line(sheet, "持平阈值", f"{data.threshold:g} 分：变化的绝对值小于此值为持平，达到此值为上升或下降")
    _line(sheet, "本期计分", _run_text(data.now_run))
    _line(sheet, "基期计分", _run_text(data.before_run))
    _line(sheet, "人数", _counts(data))
    _line(sheet, "生成时间", f"{data.generated_at:%Y-%m-%d %H:%M}")
    _line(sheet, "生成人", data.generated_by or "系统管理命令 export_report")
    _line(sheet, "数值说明", "分数满分 100，按全精度保存、显示一位小数；覆盖率为百分比；p 值保留三位小数。")

    _section(sheet, "工作表")
    for name, description in SHEETS:
        if name == "维度明细" and not data.with_detail:
            description = "本次导出未包含维度明细（导出时选择了不含明细）。"
        _line(sheet, name, description)

    _section(sheet, "计分规则")
    for title, rule in SCORING_RULES:
        _line(sheet, title, rule)

    _section(sheet, "对比规则")
    for title, rule in COMPARISON_RULES:
        _line(sheet, title, rule)

    _section(sheet, "指标体系变化")
    for kind, text in _changes(data):
        _line(sheet, kind, text)


__all__ = ["SHEET", "write_notes"]
