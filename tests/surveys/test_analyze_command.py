"""`manage.py analyze_questionnaire` and the analysis workbook, read back with openpyxl."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from surveys.models import Answer, Question
from surveys.services.analysis import analyze_questionnaire, result_as_json
from tests.factories import make_questionnaire, make_system
from tests.surveys.analysis_data import build

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("x")'
SHEETS = [
    "说明", "维度", "题目-绩效", "题目-执行", "题目-智慧", "题目-文化", "题目-团队", "题目-信仰",
    "维度相关", "回收率", "分布",
]  # fmt: skip
# openpyxl stores a float with 16 significant digits (Excel keeps 15): equal to the API's within that.
SAME = 1e-15


@pytest.fixture
def analysed(org_tree):
    data = build()
    # Three of the ten submitted forms leave team_q_1 blank: a missing share above 0.2.
    Answer.objects.filter(question__code="team_q_1", response__role="self", response__subject__unit__code="B2").delete()
    return data


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("analyze_questionnaire", *args, stdout=out)
    return out.getvalue()


def rows_of(sheet) -> list[list[object]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_command_prints_each_dimension_alpha_and_the_flagged_items(analysed):
    output = run("Q2025", "--period", "2025")

    result = analyze_questionnaire(code="Q2025", period="2025")
    performance = result.dimensions.set_index("dimension").loc["performance", "alpha"]
    assert f"绩效     α = {performance:.3f}" in output
    assert "team_q_1" in output and "缺失偏多" in output
    assert "维度相关" in output


def test_the_command_writes_the_workbook_with_its_sheets_in_order(analysed, tmp_path):
    target = tmp_path / "analysis.xlsx"
    output = run("Q2025", "--period", "2025", "-o", str(target))

    assert "已写出分析工作簿" in output
    workbook = openpyxl.load_workbook(target)
    assert workbook.sheetnames == SHEETS
    for name in SHEETS[1:]:
        assert workbook[name].freeze_panes is not None, name
    notes = "\n".join(str(v) for row in rows_of(workbook["说明"]) for v in row if v)
    assert "Q2025" in notes and "Cronbach" in notes and "0.7" in notes and "成列删除" in notes


def test_workbook_values_equal_the_apis_and_numbers_are_numbers(analysed, tmp_path):
    target = tmp_path / "analysis.xlsx"
    run("Q2025", "--period", "2025", "-o", str(target))
    workbook = openpyxl.load_workbook(target)
    data = result_as_json(analyze_questionnaire(code="Q2025", period="2025"))

    dimensions = {row[1]: row for row in rows_of(workbook["维度"])[1:]}
    api_alpha = next(d["alpha"] for d in data["dimensions"] if d["dimension"] == "culture")
    assert dimensions["culture"][4] == pytest.approx(api_alpha, rel=SAME)
    items = workbook["题目-团队"]
    header = [cell.value for cell in items[1]]
    row = next(r for r in items.iter_rows(min_row=2) if r[0].value == "team_q_1")
    api_item = next(i for i in data["items"] if i["code"] == "team_q_1")
    assert row[header.index("校正题总相关")].value == pytest.approx(api_item["item_total"], rel=SAME)
    assert row[header.index("作答数")].value == api_item["n"]
    for cell in row[5:13]:
        assert cell.data_type == "n", cell.coordinate
    correlations = rows_of(workbook["维度相关"])
    assert correlations[1][2] == pytest.approx(data["correlations"]["matrix"][0][1], rel=SAME)
    assert workbook["维度相关"].conditional_formatting  # the colour scale
    rates = rows_of(workbook["回收率"])
    assert rates[1][:3] == ["B1", "第一党支部", data["response_rates"]["units"][0]["assigned"]]


def test_flagged_figures_are_filled_and_named(analysed, tmp_path):
    target = tmp_path / "analysis.xlsx"
    run("Q2025", "--period", "2025", "-o", str(target))
    sheet = openpyxl.load_workbook(target)["题目-团队"]
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "team_q_1")

    missing = row[header.index("缺失比例")]
    assert missing.value == pytest.approx(3 / 10)
    assert missing.fill.fgColor.rgb.endswith("F8CBAD")
    assert "缺失偏多" in str(row[header.index("标记")].value)
    other = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "team_q_2")
    assert other[header.index("缺失比例")].fill.fgColor.rgb in (None, "00000000")


def test_a_hostile_question_text_stays_text(analysed, tmp_path):
    Question.objects.filter(code="performance_q_1").update(text=HOSTILE)
    target = tmp_path / "analysis.xlsx"
    run("Q2025", "--period", "2025", "-o", str(target))
    workbook = openpyxl.load_workbook(target)

    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    hostile = [cell for cell in cells if cell.value == HOSTILE]
    assert {cell.parent.title for cell in hostile} == {"题目-绩效", "分布"}
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in hostile)
    assert not [cell for cell in cells if cell.data_type == "f"]


def test_a_questionnaire_with_no_answers_is_an_error_and_writes_no_file(org_tree, tmp_path):
    make_questionnaire(make_system(2025, publish=True), code="EMPTY")
    target = tmp_path / "analysis.xlsx"

    with pytest.raises(CommandError, match="没有已提交的答卷"):
        run("EMPTY", "--period", "2025", "-o", str(target))
    assert not target.exists()


def test_the_unit_and_category_options_narrow_the_analysis(analysed):
    output = run("Q2025", "--period", "2025", "--unit", "B2")

    assert "第二党支部（B2）及下级" in output
    with pytest.raises(CommandError, match="人员类别"):
        run("Q2025", "--period", "2025", "--category", "nobody")
