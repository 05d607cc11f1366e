import io

import pytest
from django.core.management import CommandError, call_command

from common.errors import DomainError
from org.models import Member
from surveys.models import Answer, Response
from surveys.services.exports import answers_workbook, masses_forms_workbook
from surveys.services.responses_io import import_responses
from tests.common.workbooks import read_back, xlsx
from tests.factories import MemberFactory, make_questionnaire, make_system
from tests.surveys.test_responses_import import ALL_ROWS, LONG_HEAD, answer_set

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("http://evil.example","点我")'


@pytest.fixture
def questionnaire(org_tree):
    questionnaire = make_questionnaire(make_system(2025, publish=True))
    import_responses(source=xlsx({"答案": [LONG_HEAD, *ALL_ROWS]}))
    return questionnaire


def rows_of(data: bytes, sheet: str = "答案") -> list[list[object]]:
    return [list(values) for values in read_back(data)[sheet].iter_rows(values_only=True)]


# --- raw answers -----------------------------------------------------------------------------------------


def test_the_answers_export_has_the_import_columns_and_names(questionnaire):
    rows = rows_of(answers_workbook(questionnaire=questionnaire))

    assert rows[0] == [
        "问卷 questionnaire",
        "答卷编号 response",
        "评价人 rater",
        "评价人姓名 rater_name",
        "评价主体 role",
        "被评价人 subject",
        "被评价人姓名 subject_name",
        "题目 question",
        "题干 question_text",
        "数值 value",
    ]
    assert len(rows) == 1 + Answer.objects.count()
    name = Member.objects.get(employee_no="1002").name
    assert ["Q2025", None, "1002", name, "自评", "1002", name, "performance_q_1"] in [r[:8] for r in rows]
    assert "多组织培训" in [r[9] for r in rows]


def test_the_answers_export_imports_back_unchanged(questionnaire):
    before = answer_set()
    data = answers_workbook(questionnaire=questionnaire)

    assert not import_responses(source=data).changed
    Response.objects.all().delete()
    import_responses(source=data)

    assert answer_set() == before


def test_the_answers_export_can_be_limited_to_a_unit(questionnaire, org_tree):
    rows = rows_of(answers_workbook(questionnaire=questionnaire, unit=org_tree["group_a"]))

    assert {r[5] for r in rows[1:]} == {"1003"}


def test_a_hostile_name_stays_text(questionnaire):
    Member.objects.filter(employee_no="1002").update(name=HOSTILE)

    cells = [c for row in read_back(answers_workbook(questionnaire=questionnaire))["答案"].iter_rows() for c in row]

    hostile = [c for c in cells if c.value == HOSTILE]
    assert hostile
    assert all(c.data_type == "s" and c.quotePrefix for c in hostile)
    assert not [c for c in cells if c.data_type == "f"]


def test_the_export_answers_command_writes_a_file(questionnaire, tmp_path):
    path = tmp_path / "answers.xlsx"

    call_command("export_answers", "Q2025", "-o", str(path), "--unit", "B1", stdout=io.StringIO())

    assert len(rows_of(path.read_bytes())) == 1 + Answer.objects.count()
    with pytest.raises(CommandError, match="没有问卷"):
        call_command("export_answers", "NOPE", "-o", str(path))


# --- paper forms for masses ratings ----------------------------------------------------------------------


def test_masses_forms_have_one_sheet_per_form_each_with_its_own_id(questionnaire, org_tree):
    book = read_back(masses_forms_workbook(questionnaire=questionnaire, unit=org_tree["branch_a"], copies=2))

    assert book.sheetnames[0] == "录入"
    forms = book.sheetnames[1:]
    assert len(forms) == 6  # 1001, 1002, 1003 × 2
    ids = [book[title]["A2"].value for title in forms]
    assert len(set(ids)) == 6
    assert "答卷编号：Q2025-1003-2" in ids
    sheet = book[forms[0]]
    assert (sheet.page_setup.paperSize, sheet.page_setup.orientation) == (9, "portrait")
    fit = sheet.sheet_properties.pageSetUpPr
    assert sheet.page_setup.fitToWidth == 1 and fit is not None and fit.fitToPage
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "performance 问卷 第1题" in texts
    assert any(text.startswith("□ 1\n很不符合") for text in texts)


def test_the_entry_sheet_imports_once_the_paper_values_are_typed_in(questionnaire, org_tree):
    book = read_back(masses_forms_workbook(questionnaire=questionnaire, unit=org_tree["group_a"], copies=2))
    entry = book["录入"]
    header = [c.value for c in entry[1]]
    assert header[:6] == [
        "问卷 questionnaire",
        "答卷编号 response",
        "评价人 rater",
        "评价主体 role",
        "被评价人 subject",
        "被评价人姓名 subject_name",
    ]
    column = header.index("performance_q_1") + 1
    entry.cell(row=2, column=column, value=4)
    entry.cell(row=2, column=header.index("comment") + 1, value="认真")
    buffer = io.BytesIO()
    book.save(buffer)

    result = import_responses(source=buffer.getvalue())

    assert result.counts["responses"].created == 1  # the second, blank copy creates nothing
    form = Response.objects.get(form_id="Q2025-1003-1")
    assert (form.role, form.rater, form.subject.employee_no) == ("masses", None, "1003")
    assert set(form.answers.values_list("question__code", "value", "text")) == {
        ("performance_q_1", 4.0, ""),
        ("comment", None, "认真"),
    }


def test_masses_forms_keep_a_hostile_name_as_text(questionnaire, org_tree):
    MemberFactory(employee_no="1009", unit=org_tree["group_a"], name=HOSTILE)

    book = read_back(masses_forms_workbook(questionnaire=questionnaire, unit=org_tree["group_a"]))

    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert [c for c in cells if c.value == HOSTILE and c.quotePrefix]


def test_masses_forms_need_a_questionnaire_that_asks_the_masses(org_tree):
    questionnaire = make_questionnaire(make_system(2025), code="SELF", roles=("self",))

    with pytest.raises(DomainError, match="不含群众评议"):
        masses_forms_workbook(questionnaire=questionnaire, unit=org_tree["branch_a"])


def test_the_export_masses_forms_command_writes_a_file(questionnaire, tmp_path):
    path = tmp_path / "forms.xlsx"

    call_command("export_masses_forms", "Q2025", "--unit", "B2", "--copies", "3", "-o", str(path), stdout=io.StringIO())

    assert len(read_back(path.read_bytes()).sheetnames) == 1 + 2 * 3
    with pytest.raises(CommandError, match="份数"):
        call_command("export_masses_forms", "Q2025", "--unit", "B2", "--copies", "0", "-o", str(path))


# --- templates through the registry ----------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "sheets"), [("questionnaire", ["问卷", "题目"]), ("responses", ["答案", "答卷"])])
def test_export_template_writes_the_survey_kinds(tmp_path, kind, sheets):
    path = tmp_path / f"{kind}.xlsx"

    call_command("export_template", kind, "-o", str(path), stdout=io.StringIO())

    book = read_back(path.read_bytes())
    assert book.sheetnames == [*sheets, "示例"]
    assert book[sheets[0]].data_validations.dataValidation


def test_the_responses_template_has_question_columns_in_the_wide_sheet():
    from common.imports import get_import

    book = read_back(get_import("responses").template_bytes())

    assert [c.value for c in book["答卷"][1]][5:7] == ["perf_q_1", "perf_q_2"]
