"""The comparison workbook (FORMATS.md "Excel workbooks the system writes"), read back with openpyxl."""

import io
import zipfile

import pytest
from openpyxl import load_workbook

from indicators.models import Indicator
from org.models import Member
from reports.report import members as member_sheets
from reports.report.layout import FIRST_DATA_ROW, HEADER_ROW, TREND_LABELS
from reports.services.comparisons import branch_comparisons, member_comparisons
from reports.services.report_export import export_report
from tests.factories import make_admin
from tests.reports.score_data import score_two_years

pytestmark = pytest.mark.django_db

SHEETS = ["说明", "汇总", "成员", "维度明细", "精品岗位"]


def rename_team_indicator(system):
    Indicator.objects.filter(system=system, code="team_q").update(code="team_spirit", name="团队精神")


HOSTILE = '=HYPERLINK("http://evil.example","点我")'


def workbook_bytes(**options):
    target = io.BytesIO()
    options.setdefault("period", "2025")
    export_report(target=target, **options)
    return target.getvalue()


def read(**options):
    return load_workbook(io.BytesIO(workbook_bytes(**options)))


def same_number(cell, value):
    """The cell holds the API's number. An xlsx file keeps a number to 16 significant digits (openpyxl
    writes "%.16g"; Excel itself shows 15), so the last bit of a double may differ, nothing more."""
    if value is None:
        return cell is None
    return isinstance(cell, int | float) and cell == pytest.approx(value, rel=1e-15, abs=1e-13)


def header(sheet):
    return [cell.value for cell in sheet[HEADER_ROW]]


def rows_by(sheet, key_header):
    """Data rows as dicts keyed by header, indexed by the value of `key_header`."""
    names = header(sheet)
    rows = {}
    for values in sheet.iter_rows(min_row=FIRST_DATA_ROW, values_only=True):
        if values[0] is None:
            break
        row = dict(zip(names, values, strict=False))
        rows[row[key_header]] = row
    return rows


def test_the_workbook_has_its_sheets_in_order_with_their_header_rows(two_years):
    book = read()
    assert book.sheetnames == SHEETS
    assert header(book["成员"])[:9] == [
        "工号",
        "姓名",
        "所在组织",
        "人员类别",
        "状态",
        "总分",
        "排名",
        "等级",
        "覆盖率",
    ]
    assert "绩效\n本期" in header(book["成员"]) and "信仰\n趋势" in header(book["成员"])
    assert header(book["汇总"])[:4] == ["组织编码", "组织", "类型", "本期\n人数"]
    assert header(book["维度明细"])[:5] == ["工号", "姓名", "维度", "指标编码", "指标"]
    assert header(book["精品岗位"])[:5] == ["岗位编码", "岗位", "所在组织", "指标编码", "指标"]
    for name in SHEETS[1:]:
        assert book[name].freeze_panes == f"C{FIRST_DATA_ROW}"


def test_member_rows_equal_the_comparison_api(two_years):
    admin = make_admin()
    api = {row["employee_no"]: row for row in member_comparisons(user=admin, period="2025")}
    sheet = read()["成员"]
    rows = rows_by(sheet, "工号")
    assert set(rows) == set(api)
    for employee_no, row in rows.items():
        expected = api[employee_no]
        assert row["姓名"] == expected["name"]
        assert row["状态"] == {"both": "两期均有", "new": "新增", "left": "离开"}[expected["status"]]
        assert same_number(row["总分"], expected["total"]["now"])
        assert same_number(row["总分\n基期"], expected["total"]["before"])
        assert same_number(row["总分\n变化"], expected["total"]["delta"])
        assert same_number(row["总分\n变化率"], expected["total"]["pct"])
        assert row["总分\n趋势"] == TREND_LABELS.get(expected["total"]["trend"])
        assert same_number(row["团队\n变化"], expected["dimensions"]["team"]["delta"])
    assert rows["1001"]["总分"] == pytest.approx(100) and rows["1001"]["总分\n趋势"] == "↑ 上升"
    assert rows["2002"]["总分"] is None and rows["2002"]["状态"] == "离开"


def test_numbers_are_numbers_shown_to_one_decimal_and_coverage_as_a_percentage(two_years):
    sheet = read()["成员"]
    names = header(sheet)
    row = FIRST_DATA_ROW
    total = sheet.cell(row=row, column=names.index("总分") + 1)
    coverage = sheet.cell(row=row, column=names.index("覆盖率") + 1)
    rank = sheet.cell(row=row, column=names.index("排名") + 1)
    assert isinstance(total.value, int | float) and total.data_type == "n" and total.number_format == "0.0"
    assert coverage.value == 1 and coverage.data_type == "n" and coverage.number_format == "0.0%"
    assert isinstance(rank.value, int) and rank.number_format == "0"
    assert sheet.cell(row=row, column=1).data_type == "s"  # 工号 is text, never a number


def test_summary_rows_equal_the_branch_api(two_years):
    admin = make_admin()
    api = {row["unit"]: row for row in branch_comparisons(user=admin, period="2025")}
    rows = rows_by(read()["汇总"], "组织编码")
    assert set(rows) == {"C1", "B1", "B2"}
    branch, expected = rows["B1"], api["B1"]
    assert (branch["本期\n人数"], branch["基期\n人数"], branch["两期\n均有"]) == (3, 3, 3)
    assert (branch["进步"], branch["持平"], branch["退步"]) == (expected["up"], expected["flat"], expected["down"])
    assert same_number(branch["总分\n本期"], expected["total"]["now"])
    assert same_number(branch["总分\n基期"], expected["total"]["before"])
    assert same_number(branch["执行\n变化"], expected["dimensions"]["execution"]["delta"])
    assert same_number(branch["配对 t 检验\np 值"], expected["paired_t_p"])
    assert same_number(branch["Wilcoxon\np 值"], expected["wilcoxon_p"])
    assert rows["B2"]["配对 t 检验\np 值"] is None  # nobody in both periods: no test
    assert rows["B1"]["组织"].strip("\u3000") == "第一党支部" and rows["B1"]["组织"].startswith("\u3000")


def test_the_summary_carries_a_radar_and_a_clustered_bar_chart(two_years):
    package = zipfile.ZipFile(io.BytesIO(workbook_bytes(unit_code="B1")))
    charts = [package.read(name).decode() for name in package.namelist() if name.startswith("xl/charts/chart")]
    assert any("<radarChart>" in chart for chart in charts)
    bars = [chart for chart in charts if "<barChart>" in chart]
    assert bars and '<grouping val="clustered"' in bars[0]
    summary = load_workbook(io.BytesIO(workbook_bytes(unit_code="B1")))["汇总"]
    kinds = sorted(type(chart).__name__ for chart in summary._charts)  # type: ignore[attr-defined]
    assert kinds == ["BarChart", "RadarChart"]


def test_the_chart_data_block_holds_the_units_six_means(two_years):
    sheet = read(unit_code="B1")["汇总"]
    labels = [row[0].value for row in sheet.iter_rows(min_col=1, max_col=1)]
    header_row = labels.index("维度") + 1
    means = {
        sheet.cell(row=header_row + 1 + i, column=1).value: sheet.cell(row=header_row + 1 + i, column=2).value
        for i in range(6)
    }
    api = next(row for row in branch_comparisons(user=make_admin(), period="2025") if row["unit"] == "B1")
    assert same_number(means["团队"], api["dimensions"]["team"]["now"])
    assert list(means) == ["绩效", "执行", "智慧", "文化", "团队", "信仰"]


def test_a_hostile_member_name_stays_plain_text(two_years):
    Member.objects.filter(employee_no="1001").update(name=HOSTILE)
    data = workbook_bytes()
    sheet = load_workbook(io.BytesIO(data))["成员"]
    cell = next(row[1] for row in sheet.iter_rows(min_row=FIRST_DATA_ROW) if row[0].value == "1001")
    assert cell.value == HOSTILE
    assert cell.data_type == "s"
    assert cell.quotePrefix
    package = zipfile.ZipFile(io.BytesIO(data))
    sheets = [package.read(name) for name in package.namelist() if name.startswith("xl/worksheets/")]
    assert not any(b"<f>" in xml or b"<f " in xml for xml in sheets)  # no formula anywhere


def test_rising_and_falling_cells_are_coloured_green_and_red(two_years):
    sheet = read()["成员"]
    rules = {
        (str(range_.sqref), rule.formula[0], rule.dxf.fill.fgColor.rgb)
        for range_ in sheet.conditional_formatting
        for rule in range_.rules
    }
    names = header(sheet)
    delta = names.index("总分\n变化") + 1
    trend = names.index("总分\n趋势") + 1
    from openpyxl.utils import get_column_letter

    trend_letter = get_column_letter(trend)
    formulas = {formula for sqref, formula, _fill in rules if sqref.startswith(get_column_letter(delta))}
    assert f'${trend_letter}{FIRST_DATA_ROW}="↑ 上升"' in formulas
    assert f'${trend_letter}{FIRST_DATA_ROW}="↓ 下降"' in formulas
    fills = {fill for _sqref, formula, fill in rules if "上升" in formula}
    assert fills == {"00C6EFCE"}


def test_the_sheets_print_landscape_with_the_header_repeated(two_years):
    book = read()
    for name in ("汇总", "成员", "维度明细", "精品岗位"):
        sheet = book[name]
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    # The members table is too wide for one page: it prints in blocks of whole dimensions, each
    # repeating 工号 and 姓名, rather than shrunk to an unreadable size.
    members = book["成员"]
    assert members.col_breaks.brk and members.print_title_cols == "$A:$B"
    assert book["维度明细"].sheet_properties.pageSetUpPr.fitToPage


def test_the_notes_sheet_prints_the_rules_and_what_changed_between_the_systems(org_tree):
    score_two_years(org_tree, before_publish={2025: rename_team_indicator})
    notes = read()["说明"]
    text = "\n".join(f"{a} {b}" for a, b in notes.iter_rows(values_only=True) if a or b)
    assert "计分规则" in text and "对比规则" in text
    assert "反向计分题先换算为 最低+最高−原值" in text
    assert "持平阈值 1 分" in text
    assert "新增指标 team_spirit 团队精神（团队）" in text
    assert "删除指标 team_q team 问卷（团队）" in text
    assert "2024年度（2024，去年同期）" in text


def test_a_dimension_still_compares_when_its_indicators_changed(org_tree):
    score_two_years(org_tree, before_publish={2025: rename_team_indicator})
    book = read(unit_code="B1")
    member = rows_by(book["成员"], "工号")["1001"]
    assert (member["团队\n本期"], member["团队\n基期"]) == pytest.approx((100, 50))
    assert member["团队\n趋势"] == "↑ 上升"
    names = header(book["维度明细"])
    detail = [
        dict(zip(names, v, strict=False)) for v in book["维度明细"].iter_rows(min_row=FIRST_DATA_ROW, values_only=True)
    ]
    team = next(row for row in detail if row["工号"] == "1001" and row["维度"] == "团队")
    assert team["指标编码"] == "team_spirit" and team["基期\n得分"] is None  # no indicator of that code last year
    performance = next(row for row in detail if row["工号"] == "1001" and row["维度"] == "绩效")
    assert performance["基期\n得分"] == pytest.approx(50)  # matched by code


def test_the_detail_matches_each_indicator_with_last_years_of_the_same_code(two_years):
    detail = read(unit_code="B1")["维度明细"]
    names = header(detail)
    rows = [
        dict(zip(names, values, strict=False)) for values in detail.iter_rows(min_row=FIRST_DATA_ROW, values_only=True)
    ]
    rows = [row for row in rows if row["工号"] == "1001"]
    assert len(rows) == 6
    for row in rows:
        assert (row["指标\n得分"], row["基期\n得分"], row["变化"], row["自评"]) == pytest.approx((100, 50, 50, 100))
        assert row["趋势"] == "↑ 上升"


def test_a_detail_longer_than_a_sheet_continues_on_the_next(two_years, monkeypatch):
    monkeypatch.setattr(member_sheets, "ROWS_PER_SHEET", 5)
    book = read(unit_code="B1")
    continued = [name for name in book.sheetnames if name.startswith("维度明细")]
    assert continued[:3] == ["维度明细", "维度明细 (2)", "维度明细 (3)"]
    assert book["维度明细"].max_row == HEADER_ROW + 5
    total_rows = sum(book[name].max_row - HEADER_ROW for name in continued)
    assert total_rows == 3 * 6  # three members of B1 scored in 2025, six indicators each


def test_without_the_detail_the_notes_say_so_and_the_sheet_stays_empty(two_years):
    book = read(detail=False)
    assert book["维度明细"].max_row <= FIRST_DATA_ROW
    assert book["维度明细"].cell(row=FIRST_DATA_ROW, column=1).value.startswith("本次导出未包含维度明细")
    notes = "\n".join(str(b) for _a, b in book["说明"].iter_rows(values_only=True) if b)
    assert "未包含维度明细" in notes


def test_a_unit_report_holds_only_that_subtree(two_years):
    rows = rows_by(read(unit_code="B1")["成员"], "工号")
    assert set(rows) == {"1001", "1002", "1003"}


def test_a_previous_stage_baseline_is_named_in_the_notes(two_years):
    notes = read(baseline="2024")["说明"]
    assert any(b == "2024年度（2024，去年同期）" for _a, b in notes.iter_rows(values_only=True))


def test_the_detail_read_in_slices_of_members_is_the_detail_read_at_once(two_years, monkeypatch):
    whole = read(unit_code="C1")["维度明细"]
    from reports.report import data as report_data

    monkeypatch.setattr(report_data, "DETAIL_CHUNK_MEMBERS", 1)
    monkeypatch.setattr(member_sheets, "ROWS_PER_SHEET", 7)  # a sheet ends inside a slice
    book = read(unit_code="C1")
    sliced = [
        row
        for name in book.sheetnames
        if name.startswith("维度明细")
        for row in book[name].iter_rows(min_row=FIRST_DATA_ROW, values_only=True)
    ]
    assert sliced == list(whole.iter_rows(min_row=FIRST_DATA_ROW, values_only=True))
    assert len(sliced) == 4 * 6  # four members scored in 2025, six indicators each
