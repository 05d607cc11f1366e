import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from django.utils import translation

from common.errors import DomainError, ImportErrors, NotInScope
from common.imports import get_import, import_kinds, run_import
from common.xlsx import (
    Column,
    ErrorCollector,
    ImportResult,
    Sheet,
    WorkbookReader,
    WorkbookRefused,
    check_workbook_file,
    choice_pairs,
    parse_bool,
    parse_choice,
    parse_date,
    parse_float,
    parse_int,
    parse_list,
    parse_text,
    template_workbook,
    workbook_bytes,
)
from common.xlsx import reader as reader_module
from common.xlsx.values import CellValueError
from org.models import UnitKind
from tests.common.workbooks import read_back, xlsx

MEMBERS = Sheet(
    "members",
    (
        Column("employee_no", required=True, is_text=True),
        Column("name", label="姓名", required=True),
        Column("unit", is_text=True),
        Column("status", dropdown=("在册", "离开")),
    ),
)


def read(data: bytes, spec: Sheet = MEMBERS):
    with WorkbookReader(data) as reader:
        return reader.sheet(spec), reader.errors


def test_openpyxl_parses_xml_with_defusedxml():
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1001, "1001"), (1001.0, "1001"), (1001.5, "1001.5"), (" B1 ", "B1"), ("", None), ("  ", None), (None, None)],
)
def test_text_cells_read_numbers_as_typed(value, expected):
    assert parse_text(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(1, 1.0), ("0.25", 0.25), ("50%", 0.5), (" 1,200 ", 1200.0), ("", None)]
)
def test_number_cells(value, expected):
    assert parse_float(value) == expected


@pytest.mark.parametrize("value", ["abc", True, "nan", "inf"])
def test_a_number_cell_with_something_else_is_refused(value):
    with pytest.raises(CellValueError, match="不是数字"):
        parse_float(value)


def test_whole_number_cells():
    assert parse_int(3.0) == 3
    with pytest.raises(CellValueError, match="不是整数"):
        parse_int(3.5)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("yes", True), ("No", False), ("TRUE", True), ("false", False), (1, True), (0, False), ("1", True),
     ("0", False), ("是", True), ("否", False), (True, True), (None, None)],
)  # fmt: skip
def test_yes_no_cells(value, expected):
    assert parse_bool(value) is expected


def test_a_yes_no_cell_with_something_else_is_refused():
    with pytest.raises(CellValueError, match="应为 是/否"):
        parse_bool("也许")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2024, 2, 29, 0, 0), dt.date(2024, 2, 29)),
        (dt.date(2020, 1, 2), dt.date(2020, 1, 2)),
        ("2024-02-29", dt.date(2024, 2, 29)),
        (45000, dt.date(2023, 3, 15)),
        ("", None),
    ],
)
def test_date_cells_take_excel_dates_and_iso_text(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["2023-02-30", "明天", "15/03/2023"])
def test_a_date_cell_with_something_else_is_refused(value):
    with pytest.raises(CellValueError, match="YYYY-MM-DD"):
        parse_date(value)


@pytest.mark.parametrize("value", ["党支部", "branch", " Branch ", "党支部 branch"])
def test_choices_take_the_key_or_the_chinese_label(value):
    assert parse_choice(value, UnitKind) == "branch"


def test_choices_take_the_chinese_label_whatever_language_the_user_reads():
    with translation.override("en"):
        assert parse_choice("党委", UnitKind) == "committee"
        assert choice_pairs(UnitKind)[0] == ("committee", "党委")


def test_an_unknown_choice_lists_what_is_allowed():
    with pytest.raises(CellValueError) as caught:
        parse_choice("支部", UnitKind)

    assert caught.value.message == (
        "“支部” 不是有效的选项，可选：党委、党总支、党支部、党小组 "
        "(not one of: committee, general_branch, branch, group)"
    )


def test_lists_split_on_commas_semicolons_enumeration_commas_and_spaces():
    assert parse_list("1001, 1002，1003、1004;1005；1006  1007") == [str(n) for n in range(1001, 1008)]
    assert parse_list(1001.0) == ["1001"]
    assert parse_list(None) == []


@pytest.mark.parametrize("title", ["members", "成员", "成员 members", "Members"])
def test_a_sheet_is_found_by_its_key_or_label(title):
    sheet, errors = read(xlsx({"说明": [["x"]], title: [["工号", "姓名"], ["1001", "张伟"]]}))

    assert sheet is not None and sheet.title == title
    assert [row.text("employee_no") for row in sheet] == ["1001"]
    assert not errors


@pytest.mark.parametrize(
    "header", ["employee_no", "工号", "工号 employee_no", "EMPLOYEE_NO", " 工号\nemployee_no ", "工号(employee_no)"]
)
def test_a_column_is_found_by_its_key_label_or_both(header):
    sheet, _errors = read(xlsx({"成员": [["姓名", header], ["张伟", 1001]]}))

    assert sheet is not None
    assert [row.text("employee_no") for row in sheet] == ["1001"]


def test_cell_references_follow_the_columns_as_they_are_in_the_file():
    data = xlsx(
        {
            "Members": [
                ["备注", "姓名", "状态", "工号"],
                ["x", "张伟", "在册", "1001"],
                [],
                ["y", "李娜", "乱填", "1002"],
            ]
        }
    )
    sheet, errors = read(data)
    assert sheet is not None

    statuses = [row.choice("status", {"active": "在册", "left": "离开"}) for row in sheet]

    assert statuses == ["active", None]
    assert [row.number for row in sheet] == [2, 4]
    assert errors.errors == ["Members!C4: “乱填” 不是有效的选项，可选：在册、离开 (not one of: active, left)"]


def test_empty_rows_and_rows_with_only_unknown_columns_are_skipped():
    data = xlsx({"成员": [["工号", "姓名", "备注"], [None, None], ["", " ", "只有备注"], ["1001", "张伟"]]})

    sheet, _errors = read(data)

    assert sheet is not None
    assert [row.number for row in sheet] == [4]


def test_a_missing_value_names_its_cell():
    sheet, errors = read(xlsx({"成员": [["工号", "姓名"], ["1001", None], [None, "李娜"]]}))
    assert sheet is not None

    for row in sheet:
        row.text("employee_no", required=True)
        row.text("name", required=True)

    assert errors.errors == [
        "成员!B2: “姓名”不能为空 (required value missing: name)",
        "成员!A3: “工号”不能为空 (required value missing: employee_no)",
    ]


def test_a_missing_required_column_or_sheet_and_a_repeated_column_are_errors():
    _sheet, errors = read(xlsx({"成员": [["工号", "工号 employee_no"]]}))
    _absent, absent_errors = read(xlsx({"other": [["x"]]}))

    assert errors.errors == [
        "成员!B1: 列“工号”重复 (column employee_no appears twice)",
        "成员!A1: 缺少列“姓名 name” (missing column name)",
    ]
    assert absent_errors.errors == ["成员: 缺少工作表“成员” (members) (missing sheet members)"]


def test_errors_beyond_one_hundred_are_counted_not_listed():
    collector = ErrorCollector()
    for number in range(2, 152):
        collector.add("成员", f"A{number}", "x")

    with pytest.raises(ImportErrors) as caught:
        collector.raise_if_any()

    assert len(caught.value.errors) == 150
    assert caught.value.messages[-1] == "… 另有 50 个错误 (50 more errors)"
    assert len(caught.value.messages) == 101


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.fixture
def no_parsing(monkeypatch):
    """Fails the test if openpyxl is ever asked to parse the file."""

    def refuse(*args, **kwargs):
        raise AssertionError("the file was parsed")

    monkeypatch.setattr(reader_module.openpyxl, "load_workbook", refuse)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("employee_no,name\n1001,张伟\n".encode(), "不是 Excel 工作簿"),
        (b"", "不是 Excel 工作簿"),
        (_zip({"word/document.xml": b"<w/>"}), "不是 Excel 工作簿"),
        (b"PK\x03\x04 but truncated", "不是 Excel 工作簿"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "旧版 .xls 或加密"),
    ],
)
def test_files_that_are_not_xlsx_are_refused_before_parsing(no_parsing, data, message):
    with pytest.raises(WorkbookRefused) as caught:
        WorkbookReader(data)

    assert message in caught.value.errors[0]


def test_a_file_over_the_size_limit_is_refused_before_parsing(no_parsing, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    data = xlsx({"成员": [["工号", "姓名"], *[[str(n), "张伟" * 20] for n in range(200)]]})

    with pytest.raises(WorkbookRefused) as caught:
        WorkbookReader(data)

    assert "超过上限" in caught.value.errors[0]


def test_a_zip_bomb_is_refused_before_parsing(no_parsing):
    bomb = _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\0" * (40 * 1024 * 1024)})

    with pytest.raises(WorkbookRefused) as caught:
        check_workbook_file(bomb)

    assert "zip bomb" in caught.value.errors[0]
    assert len(bomb) < 1024 * 1024


def test_a_real_workbook_passes_the_checks(tmp_path):
    path = tmp_path / "roster.data"  # any name: the content decides
    path.write_bytes(xlsx({"成员": [["工号", "姓名"], ["1001", "张伟"]]}))

    check_workbook_file(path)
    sheet, _errors = read(path.read_bytes())

    assert sheet is not None and len(sheet) == 1


def test_the_template_writer_makes_bold_frozen_headers_drop_downs_and_an_example_sheet():
    workbook = template_workbook([MEMBERS], examples={"members": [["1001", "张伟", "B1", "在册"]]})

    back = read_back(workbook_bytes(workbook))

    sheet = back["成员"]
    assert [c.value for c in sheet[1]] == ["工号 employee_no", "姓名 name", "所在组织 unit", "状态 status"]
    assert sheet["A1"].font.b
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 1
    assert [v.formula1 for v in sheet.data_validations.dataValidation] == ['"在册,离开"']
    assert str(sheet.data_validations.dataValidation[0].sqref).startswith("D2:")
    assert sheet.column_dimensions["C"].width >= 14  # "所在组织 unit": four Chinese characters count double
    example = [[c for c in row if c is not None] for row in back["示例"].iter_rows(values_only=True)]
    assert ["成员"] in example
    assert ["1001", "张伟", "B1", "在册"] in example


def test_an_import_result_knows_whether_anything_changed():
    result = ImportResult()
    result.add("members", unchanged=3)
    assert not result.changed
    assert "未作任何修改" in result.summary()

    result.add("units", created=1)

    assert result.changed
    assert result.as_dict()["counts"]["units"] == {"created": 1, "updated": 0, "unchanged": 0, "deleted": 0}
    assert result.summary().startswith("成员：新增 0，更新 0，未变 3；组织：新增 1")


def test_the_apps_register_their_import_kinds():
    assert {"roster", "indicators"} <= {entry.kind for entry in import_kinds()}
    assert [option.name for option in get_import("indicators").options] == ["year", "publish"]
    with pytest.raises(NotInScope):
        get_import("nothing")


def test_a_required_option_must_be_given():
    with pytest.raises(DomainError, match="缺少参数“年度”"):
        run_import("indicators", source=b"", options={})


def test_every_registered_template_opens_and_has_an_example_sheet():
    for entry in import_kinds():
        workbook = openpyxl.load_workbook(io.BytesIO(entry.template_bytes()))
        assert "示例" in workbook.sheetnames
