import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from common.errors import ImportErrors
from common.xlsx import workbook_bytes
from indicators.models import Dimension, Indicator
from surveys.models import Question, Questionnaire, QuestionnaireStatus
from surveys.services.questionnaire_io import import_questionnaire, parse_labels, questionnaire_template
from surveys.services.responses_io import import_responses
from tests.common.workbooks import read_back, xlsx
from tests.factories import make_system

pytestmark = pytest.mark.django_db

HEAD = ["编码 code", "标题 title", "年度 year", "期间 period", "评价主体 roles"]
QUESTION_HEAD = [
    "编码 code",
    "指标 indicator",
    "题干 text",
    "题型 type",
    "最低分值 lo",
    "最高分值 hi",
    "选项说明 labels",
    "反向计分 reverse",
    "必答 required",
]
LABELS = "1=很不符合;2=不太符合；3=一般，4=比较符合、5=完全符合"
QUESTIONS: list[list[Any]] = [
    ["perf_1", "performance_q", "工作业绩突出", "量表", "", "", LABELS, "否", "是"],
    ["perf_2", "performance_q", "工作时常拖延", "likert", 1, 5, "", "是", ""],
    ["rating", "team_rating", "带动作用评分", "数值", 0, 100, "", "", ""],
    ["pick", "culture_q", "践行价值观", "单选", 1, 3, "1=差;3=好", "", ""],
    ["comment", "", "其他意见", "文本", "", "", "", "", "否"],
]


@pytest.fixture
def system(db):
    system = make_system(2025)
    dimensions = {d.key: d for d in Dimension.objects.all()}
    Indicator.objects.create(
        system=system, code="team_rating", dimension=dimensions["team"], name="带动作用", weight=0, source="rating"
    )
    Indicator.objects.create(
        system=system, code="perf_kpi", dimension=dimensions["performance"], name="完成率", weight=0, source="kpi",
        floor=0, target=100,
    )  # fmt: skip
    return system


def workbook(questions=QUESTIONS, *, head=None, row=None, question_head=QUESTION_HEAD) -> bytes:
    return xlsx(
        {
            "问卷": [head or HEAD, row or ["Q2025", "2025年问卷", 2025, "2025-H1", "自评、互评，群众评议"]],
            "题目": [question_head, *questions],
        }
    )


def errors_of(data: bytes) -> list[str]:
    with pytest.raises(ImportErrors) as caught:
        import_questionnaire(source=data)
    return caught.value.errors


def with_question(which: str, /, **changes: Any) -> list[list[Any]]:
    keys = ["code", "indicator", "text", "type", "lo", "hi", "labels", "reverse", "required"]
    rows = []
    for values in QUESTIONS:
        found = dict(zip(keys, values, strict=True))
        if found["code"] == which:
            found.update(changes)
        rows.append(list(found.values()))
    return rows


def test_a_questionnaire_is_created_as_a_draft_with_its_questions_in_row_order(system):
    result = import_questionnaire(source=workbook())

    questionnaire = Questionnaire.objects.get(code="Q2025")
    assert (questionnaire.status, questionnaire.period, questionnaire.system) == ("draft", "2025-H1", system)
    assert questionnaire.roles == ["self", "peer", "masses"]
    assert list(questionnaire.questions.values_list("code", "order")) == [
        ("perf_1", 1),
        ("perf_2", 2),
        ("rating", 3),
        ("pick", 4),
        ("comment", 5),
    ]
    assert result.counts["questions"].created == 5


def test_question_fields_defaults_labels_and_indicators_are_read(system):
    import_questionnaire(source=workbook())

    first, second, rating, pick, comment = Question.objects.order_by("order").select_related("indicator")
    assert first.indicator is not None and rating.indicator is not None
    assert (first.type, first.lo, first.hi, first.reverse, first.required) == ("likert", 1, 5, False, True)
    assert first.labels == {"1": "很不符合", "2": "不太符合", "3": "一般", "4": "比较符合", "5": "完全符合"}
    assert first.indicator.code == "performance_q"
    assert second.reverse is True
    assert (rating.type, rating.lo, rating.hi, rating.indicator.code) == ("number", 0, 100, "team_rating")
    assert pick.labels == {"1": "差", "3": "好"}
    assert (comment.type, comment.indicator, comment.required) == ("text", None, False)


def test_reimporting_the_same_file_changes_nothing(system):
    import_questionnaire(source=workbook())
    stored = list(Question.objects.values_list("pk", "code", "text", "order", "labels"))

    again = import_questionnaire(source=workbook())

    assert not again.changed
    assert list(Question.objects.values_list("pk", "code", "text", "order", "labels")) == stored


def test_a_changed_file_updates_the_definition(system):
    import_questionnaire(source=workbook())
    questions = [
        QUESTIONS[1],
        ["new", "", "新题", "", "", "", "", "", ""],
        *with_question("perf_1", text="改后的题干")[:1],
    ]

    result = import_questionnaire(source=workbook(questions))

    assert list(Question.objects.order_by("order").values_list("code", flat=True)) == ["perf_2", "new", "perf_1"]
    assert Question.objects.get(code="perf_1").text == "改后的题干"
    assert (result.counts["questions"].created, result.counts["questions"].deleted) == (1, 3)


def test_a_code_typed_as_a_number_is_text(system):
    import_questionnaire(
        source=workbook([[101, "", "题一", "", "", "", "", "", ""]], row=[2025, "问卷", 2025, "", "自评"])
    )

    questionnaire = Questionnaire.objects.get(code="2025")
    assert questionnaire.period == "2025"
    assert list(questionnaire.questions.values_list("code", flat=True)) == ["101"]


@pytest.mark.parametrize(
    ("questions", "row", "expected"),
    [
        (QUESTIONS, ["Q", "问卷", 2024, "", "自评"], "问卷!C2: 2024 年没有指标体系"),
        (QUESTIONS, ["Q", "问卷", 2025, "2026-Q1", "自评"], "问卷!D2: 期间 2026-Q1 不在 2025 年度内"),
        (QUESTIONS, ["Q", "问卷", 2025, "2025-Q5", "自评"], "问卷!D2: 期间 “2025-Q5” 无效"),
        (QUESTIONS, ["Q", "问卷", 2025, "", "自评、领导"], "问卷!E2: “领导” 不是有效的选项"),
        (QUESTIONS, ["Q", "问卷", 2025, "", ""], "问卷!E2: 至少需要一个评价主体"),
        (with_question("perf_1", indicator="nothing"), None, "题目!B2: 2025 年指标体系中没有指标“nothing”"),
        (with_question("perf_1", indicator="perf_kpi"), None, "题目!B2: “perf_kpi”是实绩指标"),
        (with_question("comment", indicator="culture_q"), None, "题目!B6: 文本题不计分"),
        (with_question("perf_1", lo=5, hi=5), None, "题目!F2: 最高分值 5 须大于最低分值 5"),
        (with_question("perf_1", hi=4.5), None, "题目!F2: 量表和单选题的分值须为整数"),
        (with_question("perf_1", type="矩阵"), None, "题目!D2: “矩阵” 不是有效的选项"),
        (with_question("perf_1", labels="很好"), None, "题目!G2: “很好”应写作 分值=说明"),
        (with_question("perf_1", labels="7=极好"), None, "题目!G2: 选项说明中的分值 7 不在 1–5 的量表上"),
        (with_question("perf_1", reverse="也许"), None, "题目!H2: “也许” 应为 是/否"),
        (with_question("perf_2", code="perf_1"), None, "题目!A3: 题目编码“perf_1”在文件中重复"),
        (with_question("perf_1", text=""), None, "题目!C2: “题干”不能为空"),
    ],
)
def test_a_bad_cell_is_reported_and_nothing_is_written(system, questions, row, expected):
    errors = errors_of(workbook(questions, row=row))

    assert [e for e in errors if e.startswith(expected)], errors
    assert not Questionnaire.objects.exists()


def test_one_questionnaire_per_file(system):
    data = xlsx(
        {"问卷": [HEAD, ["Q1", "一", 2025, "", "自评"], ["Q2", "二", 2025, "", "自评"]], "题目": [QUESTION_HEAD]}
    )

    errors = errors_of(data)

    assert "问卷!A3: 每个文件只能定义一份问卷 (one questionnaire per file)" in errors
    assert "题目!A2: 没有题目 (the sheet has no questions)" in errors


def test_labels_parse_points_and_text():
    assert parse_labels("1=差; 2 ＝ 较差\n3：一般") == {"1": "差", "2": "较差", "3": "一般"}
    assert parse_labels("") == {}


# --- once answers exist ---------------------------------------------------------------------------------


@pytest.fixture
def answered(system, org_tree):
    import_questionnaire(source=workbook())
    answers: list[list[Any]] = [
        ["问卷", "答卷编号", "评价人", "评价主体", "被评价人", "题目", "数值"],
        ["Q2025", "", "1002", "自评", "1002", "perf_1", 4],
    ]
    import_responses(source=xlsx({"答案": answers}))


@pytest.mark.parametrize(
    ("changes", "cell"),
    [
        ({"hi": 7}, "题目!F2"),
        ({"lo": 0}, "题目!E2"),
        ({"type": "单选"}, "题目!D2"),
        ({"indicator": "execution_q"}, "题目!B2"),
        ({"reverse": "是"}, "题目!H2"),
    ],
)
def test_a_change_that_alters_the_answers_meaning_is_refused(answered, changes, cell):
    errors = errors_of(workbook(with_question("perf_1", **changes)))

    assert len(errors) == 1 and errors[0].startswith(f"{cell}: 问卷已有答卷，不能修改题目“perf_1”")
    assert Question.objects.get(code="perf_1").hi == 5 and Question.objects.get(code="perf_1").type == "likert"


def test_removing_a_question_once_answered_is_refused(answered):
    errors = errors_of(workbook(QUESTIONS[1:]))

    assert errors == ["题目!A1: 问卷已有答卷，不能删除题目“perf_1” (answers exist: question perf_1 cannot be removed)"]


def test_moving_the_period_or_dropping_an_answered_role_is_refused(answered):
    errors = errors_of(workbook(row=["Q2025", "2025年问卷", 2025, "2025-H2", "互评"]))

    assert [e[:7] for e in errors] == ["问卷!D2: ", "问卷!E2: "]


def test_wording_labels_and_new_questions_may_change_after_answers(answered):
    questions = [
        *with_question("perf_1", text="新题干", labels="1=否;5=是"),
        ["extra", "", "补充题", "", "", "", "", "", ""],
    ]

    result = import_questionnaire(source=workbook(questions))

    assert result.counts["questions"].updated == 1 and result.counts["questions"].created == 1
    assert Question.objects.get(code="perf_1").labels == {"1": "否", "5": "是"}
    assert Questionnaire.objects.get().status == QuestionnaireStatus.DRAFT


# --- template and command --------------------------------------------------------------------------------


def test_the_template_has_both_sheets_an_example_and_drop_downs():
    book = read_back(workbook_bytes(questionnaire_template()))

    assert book.sheetnames == ["问卷", "题目", "示例"]
    assert [c.value for c in book["题目"][1]][:4] == ["编码 code", "指标 indicator", "题干 text", "英文题干 text_en"]
    lists = [v.formula1 for v in book["题目"].data_validations.dataValidation]
    assert any("量表" in formula for formula in lists) and any("是" in formula for formula in lists)
    assert any("群众评议" in v.formula1 for v in book["问卷"].data_validations.dataValidation)


def test_the_command_reports_errors_with_a_non_zero_exit(system, tmp_path):
    path = tmp_path / "q.xlsx"
    path.write_bytes(workbook(with_question("perf_1", indicator="nothing")))
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_questionnaire", str(path), stderr=err)

    assert err.getvalue().startswith("题目!B2: ")


def test_the_command_imports_a_file(system, tmp_path):
    path = tmp_path / "q.xlsx"
    path.write_bytes(workbook())
    out = io.StringIO()

    call_command("import_questionnaire", str(path), stdout=out)

    assert "问卷：新增 1" in out.getvalue()
    assert Question.objects.count() == 5
