import io
import zipfile
from collections.abc import Sequence
from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from common.errors import ImportErrors
from common.imports import run_import
from common.xlsx import workbook_bytes
from surveys.models import Answer, Assignment, AssignmentStatus, Response, ResponseStatus
from surveys.services import responses_io
from surveys.services.answering import save_answers
from surveys.services.assignments import create_assignments
from surveys.services.responses_io import import_responses, responses_template
from tests.common.workbooks import fill_template, read_back, xlsx
from tests.conftest import client_for
from tests.factories import make_questionnaire, make_system

pytestmark = pytest.mark.django_db

LONG_HEAD = [
    "问卷 questionnaire",
    "答卷编号 response",
    "评价人 rater",
    "评价主体 role",
    "被评价人 subject",
    "题目 question",
    "数值 value",
]
WIDE_KEYS = ["问卷", "答卷编号", "评价人", "评价主体", "被评价人"]
SCORED = [f"{key}_q_{n}" for key in ("performance", "execution") for n in (1, 2)]


@pytest.fixture
def questionnaire(org_tree):
    return make_questionnaire(make_system(2025, publish=True))


def long(*rows: Sequence[Any], extra: dict[str, list[list[Any]]] | None = None) -> bytes:
    return xlsx({"答案": [LONG_HEAD, *rows], **(extra or {})})


def wide(codes: list[str], *rows: Sequence[Any]) -> bytes:
    return xlsx({"答卷": [[*WIDE_KEYS, *codes], *rows]})


def errors_of(data: bytes, **options: Any) -> list[str]:
    with pytest.raises(ImportErrors) as caught:
        import_responses(source=data, **options)
    return caught.value.errors


def answer_set() -> set[tuple[Any, ...]]:
    """Every stored answer, by the codes a person reads."""
    return set(
        Answer.objects.values_list(
            "response__questionnaire__code",
            "response__form_id",
            "response__rater__employee_no",
            "response__role",
            "response__subject__employee_no",
            "response__status",
            "question__code",
            "value",
            "text",
        )
    )


SELF_ROWS: list[list[Any]] = [
    ["Q2025", "", "1002", "自评", "1002", "performance_q_1", 4],
    ["Q2025", "", "1002", "自评", "1002", "performance_q_2", 2],
    ["Q2025", "", "1002", "self", "1002", "comment", "多组织培训"],
]
PEER_ROWS: list[list[Any]] = [
    ["Q2025", "", "1003", "互评", "1002", "performance_q_1", 5],
    ["Q2025", "", "1003", "互评", "1002", "execution_q_1", 3],
]
SECRETARY_ROWS: list[list[Any]] = [["Q2025", "", "1001", "书记评价", "1003", "execution_q_2", 1]]
MASSES_ROWS: list[list[Any]] = [
    ["Q2025", "M-1", "", "群众评议", "1002", "performance_q_1", 3],
    ["Q2025", "M-1", "", "群众评议", "1002", "performance_q_2", 4],
    ["Q2025", "M-2", "", "群众评议", "1002", "performance_q_1", 5],
]
ALL_ROWS: list[list[Any]] = [*SELF_ROWS, *PEER_ROWS, *SECRETARY_ROWS, *MASSES_ROWS]


# --- happy paths -----------------------------------------------------------------------------------------


def test_long_rows_become_submitted_responses_with_their_answers(questionnaire):
    result = import_responses(source=long(*ALL_ROWS))

    assert result.counts["responses"].created == 5
    assert result.counts["answers"].created == 9
    assert set(Response.objects.values_list("status", flat=True)) == {ResponseStatus.SUBMITTED}
    assert Response.objects.filter(submitted_at__isnull=True).count() == 0
    assert ("Q2025", None, "1002", "self", "1002", "submitted", "performance_q_1", 4.0, "") in answer_set()


def test_text_answers_are_stored_as_text(questionnaire):
    import_responses(source=long(*SELF_ROWS))

    answer = Answer.objects.get(question__code="comment")
    assert (answer.value, answer.text) == (None, "多组织培训")


def test_each_anonymous_form_is_its_own_response(questionnaire):
    import_responses(source=long(*MASSES_ROWS))

    forms = Response.objects.filter(role="masses")
    assert set(forms.values_list("form_id", flat=True)) == {"M-1", "M-2"}
    assert not forms.filter(rater__isnull=False).exists()
    assert Answer.objects.filter(response__form_id="M-1").count() == 2


def test_numbers_typed_into_code_cells_read_as_text(questionnaire):
    import_responses(source=long(["Q2025", 17, None, "群众评议", 1002, "performance_q_1", 4.0], [
        "Q2025", "", 1002.0, "自评", 1002, "performance_q_1", "4"
    ]))  # fmt: skip

    assert set(Response.objects.values_list("form_id", "subject__employee_no")) == {("17", "1002"), (None, "1002")}
    assert set(Answer.objects.values_list("value", flat=True)) == {4.0}


def test_long_and_wide_layouts_give_identical_answers(questionnaire):
    import_responses(source=long(*ALL_ROWS))
    from_long = answer_set()
    Response.objects.all().delete()

    codes = ["performance_q_1", "performance_q_2", "execution_q_1", "execution_q_2", "comment"]
    import_responses(
        source=wide(
            codes,
            ["Q2025", "", "1002", "自评", "1002", 4, 2, "", "", "多组织培训"],
            ["Q2025", "", "1003", "互评", "1002", 5, "", 3, "", ""],
            ["Q2025", "", "1001", "书记评价", "1003", "", "", "", 1, ""],
            ["Q2025", "M-1", "", "群众评议", "1002", 3, 4, "", "", ""],
            ["Q2025", "M-2", "", "群众评议", "1002", 5, "", "", "", ""],
        )
    )

    assert answer_set() == from_long
    assert len(from_long) == 9


def test_the_two_sheets_merge_into_one_response(questionnaire):
    data = xlsx(
        {
            "答案": [LONG_HEAD, SELF_ROWS[0]],
            "答卷 responses": [[*WIDE_KEYS, "performance_q_2"], ["Q2025", "", "1002", "自评", "1002", 2]],
        }
    )

    import_responses(source=data)

    response = Response.objects.get()
    assert set(response.answers.values_list("question__code", "value")) == {
        ("performance_q_1", 4.0),
        ("performance_q_2", 2.0),
    }


def test_wide_rows_without_answers_and_note_columns_are_skipped(questionnaire):
    result = import_responses(
        source=wide(
            ["performance_q_1", "备注"],
            ["Q2025", "M-1", "", "群众评议", "1002", 4, "字迹清楚"],
            ["Q2025", "M-2", "", "群众评议", "1002", "", ""],
        )
    )

    assert list(Response.objects.values_list("form_id", flat=True)) == ["M-1"]
    assert any("G" in note and "备注" in note for note in result.notes)


def test_an_empty_long_value_is_no_answer(questionnaire):
    import_responses(source=long(SELF_ROWS[0], ["Q2025", "", "1002", "自评", "1002", "performance_q_2", ""]))

    assert list(Answer.objects.values_list("question__code", flat=True)) == ["performance_q_1"]


def test_importing_the_same_file_twice_changes_nothing(questionnaire):
    data = long(*ALL_ROWS)
    import_responses(source=data)
    before = (answer_set(), set(Response.objects.values_list("pk", "updated_at")))

    again = import_responses(source=data)

    assert not again.changed
    assert again.counts["responses"].unchanged == 5
    assert (answer_set(), set(Response.objects.values_list("pk", "updated_at"))) == before


def test_the_matching_assignment_is_marked_submitted(questionnaire, org_tree):
    create_assignments(questionnaire=questionnaire)

    result = import_responses(source=long(*SELF_ROWS, *PEER_ROWS))

    done = Assignment.objects.filter(status=AssignmentStatus.SUBMITTED)
    assert set(done.values_list("rater__employee_no", "role", "subject__employee_no")) == {
        ("1002", "self", "1002"),
        ("1003", "peer", "1002"),
    }
    assert done.filter(submitted_at__isnull=True).count() == 0
    assert result.changed


def test_an_identical_draft_is_submitted(questionnaire, org_tree):
    create_assignments(questionnaire=questionnaire)
    assignment = Assignment.objects.get(rater=org_tree["member_a"], role="self")
    save_answers(assignment=assignment, values={"performance_q_1": 4, "performance_q_2": 2, "comment": "多组织培训"})

    result = import_responses(source=long(*SELF_ROWS))

    assert result.counts["responses"].updated == 1
    assert Response.objects.get().status == ResponseStatus.SUBMITTED
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.SUBMITTED


# --- conflicts and --replace -----------------------------------------------------------------------------


def test_a_stored_response_with_other_answers_is_a_conflict_naming_the_cell(questionnaire):
    import_responses(source=long(*SELF_ROWS))
    changed = [SELF_ROWS[0], ["Q2025", "", "1002", "自评", "1002", "performance_q_2", 5], SELF_ROWS[2]]

    errors = errors_of(long(*changed))

    assert len(errors) == 1
    assert errors[0].startswith("答案!G3: 答卷已存在且答案不同")
    assert "performance_q_2" in errors[0] and "--replace" in errors[0]
    assert Answer.objects.get(question__code="performance_q_2").value == 2.0


def test_a_stored_response_missing_from_the_file_in_part_is_a_conflict_too(questionnaire):
    import_responses(source=long(*SELF_ROWS))

    errors = errors_of(long(SELF_ROWS[0]))

    assert len(errors) == 1 and errors[0].startswith("答案!G2: 答卷已存在且答案不同")


def test_replace_swaps_the_whole_response(questionnaire):
    import_responses(source=long(*SELF_ROWS, *MASSES_ROWS))
    kept = Response.objects.get(role="self").pk

    result = import_responses(
        source=long(["Q2025", "", "1002", "自评", "1002", "execution_q_1", 1], *MASSES_ROWS), replace=True
    )

    assert result.counts["responses"].updated == 1
    assert result.counts["responses"].unchanged == 2
    assert result.counts["answers"].deleted == 3
    response = Response.objects.get(role="self")
    assert response.pk == kept
    assert list(response.answers.values_list("question__code", "value")) == [("execution_q_1", 1.0)]


def test_replace_moves_a_stored_form_to_the_subject_the_file_names(questionnaire):
    import_responses(source=long(MASSES_ROWS[0]))
    moved = ["Q2025", "M-1", "", "群众评议", "1003", "performance_q_1", 3]

    assert errors_of(long(moved))[0].startswith("答案!E2: 答卷“M-1”已存在，但被评价人或评价主体不同")
    import_responses(source=long(moved), replace=True)

    assert Response.objects.get(form_id="M-1").subject.employee_no == "1003"


def test_the_import_registry_passes_replace(questionnaire):
    import_responses(source=long(SELF_ROWS[0]))
    changed = long(["Q2025", "", "1002", "自评", "1002", "performance_q_1", 1])

    with pytest.raises(ImportErrors):
        run_import("responses", source=changed, options={})
    run_import("responses", source=changed, options={"replace": True})

    assert Answer.objects.get().value == 1.0


def test_the_import_api_passes_replace(questionnaire, admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import client_for

    import_responses(source=long(SELF_ROWS[0]))
    changed = long(["Q2025", "", "1002", "自评", "1002", "performance_q_1", 1])
    client = client_for(admin_user)

    def post(**fields: Any) -> Any:
        upload = SimpleUploadedFile("responses.xlsx", changed)
        return client.post("/api/v1/imports/responses/", {"file": upload, **fields})

    refused = post()
    assert refused.status_code == 400
    assert Answer.objects.get().value != 1.0
    accepted = post(replace="true")
    assert accepted.status_code == 200, accepted.content
    assert Answer.objects.get().value == 1.0


# --- errors, each at its cell ----------------------------------------------------------------------------


def row(**changes: Any) -> list[Any]:
    values = {
        "questionnaire": "Q2025",
        "response": "",
        "rater": "1002",
        "role": "自评",
        "subject": "1002",
        "question": "performance_q_1",
        "value": 3,
    }
    values.update(changes)
    return list(values.values())


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"questionnaire": "Q1999"}, "答案!A2: 未知的问卷编码“Q1999”"),
        ({"question": "nope"}, "答案!F2: 问卷“Q2025”中没有题目“nope”"),
        ({"subject": "9999", "rater": "9999"}, "答案!C2: 未知的工号“9999”"),
        ({"subject": "9999"}, "答案!E2: 未知的工号“9999”"),
        ({"value": 6}, "答案!G2: “6”超出 1–5 的范围"),
        ({"value": 0}, "答案!G2: “0”超出 1–5 的范围"),
        ({"value": 3.5}, "答案!G2: “3.5”须为整数"),
        ({"value": "很好"}, "答案!G2: “很好” 不是数字"),
        ({"role": "领导评价"}, "答案!D2: “领导评价” 不是有效的选项"),
        ({"role": "互评"}, "答案!C2: 不能以自评以外的身份评价自己"),
        ({"role": "书记评价", "subject": "1003"}, "答案!C2: 评价人不是被评价人所在党支部的书记"),
        ({"role": "互评", "subject": "2002"}, "答案!C2: 互评只在同一党支部内进行"),
        ({"role": "互评", "rater": "1001"}, "答案!C2: 党支部书记不参与互评"),
        ({"role": "自评", "subject": "1003"}, "答案!C2: 自评的评价人须为被评价人本人"),
        ({"role": "群众评议", "response": "M-1"}, "答案!C2: 群众评议为匿名，评价人须为空"),
        ({"role": "群众评议", "rater": ""}, "答案!B2: 评价人为空时须填写答卷编号"),
        ({"role": "自评", "rater": "", "response": "F-1"}, "答案!C2: 评价人不能为空"),
        ({"subject": ""}, "答案!E2: “被评价人”不能为空"),
    ],
)
def test_a_bad_row_is_reported_at_its_cell(questionnaire, changes, expected):
    errors = errors_of(long(row(**changes)))

    assert [e for e in errors if e.startswith(expected)], errors
    assert not Response.objects.exists()


def test_a_role_the_questionnaire_does_not_ask_is_an_error(org_tree):
    make_questionnaire(make_system(2025), code="SELF", roles=("self",))

    errors = errors_of(long(row(questionnaire="SELF", role="互评", rater="1003")))

    assert errors == ["答案!D2: 问卷“SELF”不请“互评”作答 (the questionnaire does not ask role peer)"]


def test_a_question_answered_twice_in_one_response_names_the_first(questionnaire):
    errors = errors_of(long(row(value=3), row(question="performance_q_2"), row(value=4)))

    assert errors == [
        "答案!G4: 同一答卷中题目“performance_q_1”重复作答，首次出现于 答案!G2 (question answered twice in one response)"
    ]


def test_a_repeated_row_is_a_duplicate_row(questionnaire):
    errors = errors_of(long(row(), row()))

    assert errors == ["答案!G3: 重复的行，与 答案!G2 相同 (duplicate row)"]


def test_a_question_answered_in_both_sheets_is_reported_across_them(questionnaire):
    data = long(
        row(value=3),
        extra={"答卷": [[*WIDE_KEYS, "performance_q_1"], ["Q2025", "", "1002", "自评", "1002", 5]]},
    )

    errors = errors_of(data)

    assert errors == [
        "答卷!F2: 同一答卷中题目“performance_q_1”重复作答，首次出现于 答案!G2 (question answered twice in one response)"
    ]


def test_one_form_id_for_two_subjects_is_an_error(questionnaire):
    errors = errors_of(long(MASSES_ROWS[0], ["Q2025", "M-1", "", "群众评议", "1003", "performance_q_2", 3]))

    assert len(errors) == 1 and errors[0].startswith("答案!E3: 答卷编号“M-1”在 答案!E2 对应另一被评价人")


def test_errors_in_the_wide_sheet_name_the_answer_cells(questionnaire):
    data = wide(
        ["performance_q_1", "performance_q_2"],
        ["Q2025", "", "1002", "自评", "1002", 9, 3.5],
        ["Q2025", "", "9999", "自评", "1002", 1, 2],
    )

    errors = errors_of(data)

    assert [e.split(" (")[0] for e in errors] == [
        "答卷!F2: “9”超出 1–5 的范围",
        "答卷!G2: “3.5”须为整数",
        "答卷!C3: 未知的工号“9999”",
    ]


def test_a_bad_row_anywhere_means_nothing_is_written(questionnaire):
    create_assignments(questionnaire=questionnaire)

    errors = errors_of(long(*ALL_ROWS, row(value=7)))

    assert len(errors) == 1
    assert (Response.objects.count(), Answer.objects.count()) == (0, 0)
    assert not Assignment.objects.filter(status=AssignmentStatus.SUBMITTED).exists()


def test_missing_sheets_and_columns_are_reported(questionnaire):
    assert errors_of(xlsx({"其他": [["x"]]})) == ["答案: 缺少工作表“答案”或“答卷” (missing sheet answers or responses)"]
    errors = errors_of(xlsx({"答案": [LONG_HEAD[:6], row()[:6]]}))
    assert errors == ["答案!A1: 缺少列“数值 value” (missing column value)"]


def test_every_error_of_a_large_file_is_reported_once_per_cell(questionnaire):
    rows = [row(questionnaire="Q1999", question=f"q{n}") for n in range(300)]

    errors = errors_of(long(*rows))

    assert len(errors) == 300
    assert all("未知的问卷编码" in e for e in errors)


def test_a_file_that_is_no_workbook_is_refused(questionnaire):
    assert errors_of(b"employee_no,value\n1002,4\n") == [
        "文件不是 Excel 工作簿（.xlsx）(the file is not an .xlsx workbook)"
    ]


def test_xml_entities_are_refused_not_expanded(questionnaire):
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(f'<!ENTITY a{i} "{"&a;" * 10}">' for i in range(1, 6))
    entities += '<!ENTITY xxe SYSTEM "file:///etc/hostname">'
    source = zipfile.ZipFile(io.BytesIO(long(row())))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode().replace("<t>Q2025</t>", "<t>&a5;&xxe;</t>", 1)
                data = f"<?xml version='1.0'?><!DOCTYPE worksheet [{entities}]>{text}".encode()
            target.writestr(item, data)

    errors = errors_of(buffer.getvalue())

    assert len(errors) == 1 and errors[0].startswith("无法读取工作簿")
    assert not Response.objects.exists()


def test_the_upload_page_imports_responses_with_replace(questionnaire, admin_user):
    import_responses(source=long(row(value=3)))

    def post(**options: Any) -> str:
        upload = SimpleUploadedFile("answers.xlsx", long(row(value=1)), content_type="application/octet-stream")
        return client_for(admin_user).post("/admin/import/responses/", {"file": upload, **options}).content.decode()

    refused = post()
    assert "答案!G2: 答卷已存在且答案不同" in refused
    assert Answer.objects.get().value == 3.0
    replaced = post(replace="on")
    assert "答卷：新增 0，更新 1" in replaced
    assert Answer.objects.get().value == 1.0


# --- the command, the template and PostgreSQL's COPY -------------------------------------------------------


def test_the_command_prints_every_error_and_fails(questionnaire, tmp_path):
    path = tmp_path / "answers.xlsx"
    path.write_bytes(long(row(value=9), row(question="performance_q_2", subject="9999")))
    err = io.StringIO()

    with pytest.raises(CommandError, match="2 个错误"):
        call_command("import_responses", str(path), stderr=err)

    assert [line[:7] for line in err.getvalue().splitlines()] == ["答案!G2: ", "答案!E3: "]


def test_the_command_imports_with_replace(questionnaire, tmp_path):
    import_responses(source=long(row(value=3)))
    path = tmp_path / "answers.xlsx"
    path.write_bytes(long(row(value=1)))

    call_command("import_responses", str(path), "--replace", stdout=io.StringIO())

    assert Answer.objects.get().value == 1.0


def test_the_template_examples_import_once_their_questionnaire_exists(org_tree):
    from indicators.services.indicator_io import import_indicators, indicators_template
    from surveys.services.questionnaire_io import import_questionnaire, questionnaire_template
    from tests.factories import default_category

    for code in ("management", "technical", "frontline"):
        default_category(code)
    import_indicators(source=fill_template(indicators_template()), year=2025)
    import_questionnaire(source=fill_template(questionnaire_template()))

    result = import_responses(source=fill_template(read_back(workbook_bytes(responses_template()))))

    assert result.counts["responses"].created == 6
    assert Response.objects.filter(role="masses").count() == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_postgresql_writes_answers_through_copy(questionnaire):
    with mock.patch.object(responses_io, "_copy_answers", wraps=responses_io._copy_answers) as copy:
        import_responses(source=long(*ALL_ROWS))

    assert copy.call_count == 1
    assert len(answer_set()) == 9
    assert Answer.objects.get(question__code="comment").text == "多组织培训"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_a_large_load_drops_and_restores_the_answer_foreign_keys(questionnaire, settings):
    def foreign_keys():
        with connection.cursor() as cursor:
            return responses_io._foreign_keys(cursor, "surveys_answer")

    before = foreign_keys()
    settings.RESPONSES_BULK_LOAD_MIN = 1

    import_responses(source=long(*ALL_ROWS))

    assert foreign_keys() == before
    assert {definition.split(" REFERENCES ")[1].split("(")[0] for _name, definition in before} == {
        "surveys_response",
        "surveys_question",
    }
    assert all("DEFERRABLE INITIALLY DEFERRED" in definition for _name, definition in before)
    assert len(answer_set()) == 9
