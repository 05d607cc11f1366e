"""Streaming rows into write-only sheets (common.xlsx.stream): text stays text, numbers stay numbers,
and handing our cells straight to the sheet writes what openpyxl's own path writes."""

import io
import zipfile

import pandas as pd
from openpyxl import Workbook, load_workbook

from common.xlsx import stream
from common.xlsx.stream import RowWriter, number, text, text_cell

FRAME = pd.DataFrame(
    {
        "employee_no": ["1001", "1002", None, "=1+1"],
        "name": ["张三", "@risky", "\tTab", "李四"],
        "score": [83.25, None, 0.0, 100.0],
        "rank": [1, 2, 3, 4],
    }
)


def write(monkeypatch=None, *, through: bool) -> bytes:
    if not through and monkeypatch is not None:
        monkeypatch.setattr(stream, "hand_cells_through", lambda sheet: None)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("表")
    writer = RowWriter(sheet, [text("工号"), text("姓名"), number("得分"), number("排名", stream.WHOLE)])
    writer.fit_widths(FRAME)
    sheet.append([text_cell(sheet, "标题"), None, text_cell(sheet, "=SUM(A1)")])
    sheet.append([])
    writer.append_frame(FRAME)
    target = io.BytesIO()
    book.save(target)
    return target.getvalue()


def sheet_xml(data: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")


def test_handing_cells_through_writes_the_same_sheet_as_openpyxls_own_path(monkeypatch):
    ours = write(through=True)
    theirs = write(monkeypatch, through=False)
    assert sheet_xml(ours) == sheet_xml(theirs)
    package = zipfile.ZipFile(io.BytesIO(ours))
    assert package.read("xl/styles.xml") == zipfile.ZipFile(io.BytesIO(theirs)).read("xl/styles.xml")


def test_text_that_looks_like_a_formula_stays_text_and_numbers_stay_numbers():
    sheet = load_workbook(io.BytesIO(write(through=True)))["表"]
    assert sheet["C1"].value == "=SUM(A1)" and sheet["C1"].data_type == "s"
    rows = list(sheet.iter_rows(min_row=3))
    formula_like = rows[3][0]
    assert formula_like.value == "=1+1" and formula_like.data_type == "s" and formula_like.quotePrefix
    assert rows[1][1].value == "@risky" and rows[1][1].quotePrefix
    assert rows[2][1].value == "\tTab" and rows[2][1].quotePrefix
    assert rows[0][1].value == "张三" and not rows[0][1].quotePrefix
    assert rows[0][2].value == 83.25 and rows[0][2].number_format == "0.0"
    assert rows[1][2].value is None and rows[2][0].value is None
    assert rows[0][3].value == 1 and rows[0][3].number_format == "0"
    xml = sheet_xml(write(through=True))
    assert b"<f>" not in xml


def test_a_value_that_is_not_a_cell_is_still_written():
    book = Workbook(write_only=True)
    sheet = book.create_sheet("s")
    stream.hand_cells_through(sheet)
    sheet.append(["plain", 3, None, 4.5])
    target = io.BytesIO()
    book.save(target)
    values = next(load_workbook(target)["s"].iter_rows(values_only=True))
    assert values == ("plain", 3, None, 4.5)
