from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.errors import FrozenSystemError, ImportErrors
from common.xlsx import workbook_bytes
from indicators.models import (
    DEFAULT_GRADES,
    CategoryWeight,
    Grade,
    Indicator,
    IndicatorSystem,
    RaterWeight,
    SystemStatus,
)
from indicators.services.indicator_io import import_indicators, indicators_template
from indicators.services.systems import archive_system
from tests.common.workbooks import examples_of, fill_template, read_back, xlsx
from tests.factories import make_system

IND_HEAD = ["编码 code", "维度 dimension", "名称 name", "英文名称 name_en", "权重 weight", "来源 source",
            "计量单位 unit", "底线值 floor", "目标值 target"]  # fmt: skip
INDICATORS: list[list[Any]] = [
    ["perf_kpi", "绩效", "岗位目标完成率", "Target completion", 0.6, "实绩", "%", 60, 100],
    ["perf_q", "performance", "工作业绩", "Work", 0.4, "questionnaire", "", None, None],
    ["exec_q", "执行", "执行力", "", 1, "问卷", "", None, None],
    ["wisdom_q", "智慧", "学习创新", "", 1, "问卷", "", None, None],
    ["culture_q", "文化", "文化认同", "", 1, "评分", "", None, None],
    ["team_q", "团队", "团队协作", "", 1, "问卷", "", None, None],
    ["belief_q", "信仰", "理想信念", "", "100%", "问卷", "", None, None],
]
CW_HEAD = ["人员类别 category", "绩效", "执行", "智慧", "文化", "团队", "信仰"]
CATEGORY_WEIGHTS: list[list[Any]] = [
    ["management", 0.2, 0.2, 0.15, 0.15, 0.15, 0.15],
    ["technical", 0.25, 0.15, 0.15, 0.15, 0.15, 0.15],
]
RW_HEAD = ["评价主体 role", "权重 weight"]
RATER_WEIGHTS: list[list[Any]] = [["自评", 0.2], ["peer", 0.3], ["书记评价", 0.3], ["群众评议", 0.2]]
GRADE_HEAD = ["等级 grade", "最低分 min_score", "最高比例 max_share"]


def workbook(indicators=INDICATORS, category_weights=CATEGORY_WEIGHTS, rater_weights=RATER_WEIGHTS, *,
             grades=None, cw_head=CW_HEAD):  # fmt: skip
    sheets = {
        "指标": [IND_HEAD, *indicators],
        "类别权重": [cw_head, *category_weights],
        "评价主体权重": [RW_HEAD, *rater_weights],
    }
    if grades is not None:
        sheets["等级"] = [GRADE_HEAD, *grades]
    return xlsx(sheets)


def errors_of(data: bytes, year: int = 2025) -> list[str]:
    with pytest.raises(ImportErrors) as caught:
        import_indicators(source=data, year=year)
    return caught.value.errors


def snapshot() -> dict[str, list]:
    return {
        "systems": list(IndicatorSystem.objects.values_list("year", "status", "name")),
        "indicators": list(Indicator.objects.order_by("pk").values_list("system__year", "code", "weight", "name")),
        "category_weights": list(CategoryWeight.objects.order_by("pk").values_list("category__code", "weight")),
        "rater_weights": list(RaterWeight.objects.order_by("pk").values_list("role", "weight")),
        "grades": list(Grade.objects.order_by("pk").values_list("label", "min_score", "max_share")),
    }


@pytest.mark.django_db
def test_importing_creates_the_years_draft_system_with_everything_in_the_file():
    result = import_indicators(source=workbook(), year=2025)

    system = IndicatorSystem.objects.get(year=2025)
    assert (system.name, system.status) == ("2025年党员模范力指标体系", SystemStatus.DRAFT)
    assert result.of("system").created == 1
    assert result.of("indicators").created == 7
    assert result.of("category_weights").created == 12
    assert result.of("rater_weights").created == 4
    kpi = Indicator.objects.get(system=system, code="perf_kpi")
    assert (kpi.dimension.key, kpi.source, kpi.measure_unit, kpi.floor, kpi.target, kpi.order) == (
        "performance", "kpi", "%", 60.0, 100.0, 0,
    )  # fmt: skip
    assert Indicator.objects.get(system=system, code="belief_q").weight == 1.0
    assert Indicator.objects.get(system=system, code="culture_q").source == "rating"
    assert (
        CategoryWeight.objects.get(system=system, category__code="technical", dimension__key="performance").weight
        == 0.25
    )
    assert dict(RaterWeight.objects.filter(system=system).values_list("role", "weight")) == {
        "self": 0.2, "peer": 0.3, "secretary": 0.3, "masses": 0.2,
    }  # fmt: skip


@pytest.mark.django_db
def test_without_a_grades_sheet_the_default_grades_are_used():
    import_indicators(source=workbook(), year=2025)

    grades = list(Grade.objects.filter(system__year=2025).values_list("label", "min_score", "max_share"))
    assert grades == [(label, minimum, share) for label, minimum, share in DEFAULT_GRADES]


@pytest.mark.django_db
def test_a_grades_sheet_sets_the_thresholds_and_the_top_share_cap():
    grades = [["A", 85, 0.25], ["B", 60, None], ["C", 0, None]]

    import_indicators(source=workbook(grades=grades), year=2025)

    assert list(Grade.objects.filter(system__year=2025).values_list("label", "min_score", "max_share")) == [
        ("A", 85.0, 0.25), ("B", 60.0, None), ("C", 0.0, None),
    ]  # fmt: skip


@pytest.mark.django_db
def test_dimension_columns_may_be_headed_by_their_keys():
    head = ["category", "performance", "execution", "wisdom", "culture", "team", "belief"]

    import_indicators(source=workbook(cw_head=head), year=2025)

    weight = CategoryWeight.objects.get(system__year=2025, category__code="management", dimension__key="execution")
    assert weight.weight == 0.2


@pytest.mark.django_db
def test_importing_the_same_file_twice_changes_nothing_the_second_time():
    data = workbook(grades=[["优秀", 90, 0.3], ["合格", 60, None]])
    import_indicators(source=data, year=2025)

    with CaptureQueriesContext(connection) as queries:
        result = import_indicators(source=data, year=2025)

    assert not result.changed
    assert result.of("indicators").unchanged == 7
    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []


@pytest.mark.django_db
def test_the_file_replaces_the_drafts_rows_wholesale():
    import_indicators(source=workbook(), year=2025)
    indicators = [
        ["perf_sales", "绩效", "销售完成率", "", 0.6, "实绩", "%", 50, 100],
        ["perf_q", "绩效", "工作业绩（新）", "Work", 0.4, "问卷", "", None, None],
        *INDICATORS[2:],
    ]

    result = import_indicators(source=workbook(indicators, CATEGORY_WEIGHTS[:1], RATER_WEIGHTS), year=2025)

    counts = result.of("indicators")
    assert (counts.created, counts.updated, counts.deleted, counts.unchanged) == (1, 1, 1, 5)
    assert result.of("category_weights").deleted == 6
    assert not Indicator.objects.filter(code="perf_kpi").exists()
    assert Indicator.objects.get(code="perf_sales").floor == 50
    assert Indicator.objects.get(code="perf_q").name == "工作业绩（新）"
    assert not CategoryWeight.objects.filter(category__code="technical").exists()


@pytest.mark.django_db
def test_importing_into_a_published_year_is_refused_and_writes_nothing():
    make_system(2025, publish=True)
    before = snapshot()

    with pytest.raises(FrozenSystemError) as caught:
        import_indicators(source=workbook(), year=2025)

    assert "已发布" in caught.value.message
    assert snapshot() == before


@pytest.mark.django_db
def test_importing_into_an_archived_year_is_refused():
    archive_system(system=make_system(2024, publish=True))

    with pytest.raises(FrozenSystemError):
        import_indicators(source=workbook(), year=2024)


@pytest.mark.django_db
def test_publish_publishes_the_imported_system(admin_user):
    result = import_indicators(source=workbook(), year=2025, publish=True, user=admin_user)

    system = IndicatorSystem.objects.get(year=2025)
    assert system.status == SystemStatus.PUBLISHED
    assert system.published_by == admin_user
    assert result.changed


@pytest.mark.django_db
def test_publish_of_an_unchanged_draft_still_publishes_it():
    import_indicators(source=workbook(), year=2025)

    result = import_indicators(source=workbook(), year=2025, publish=True)

    assert result.changed
    assert IndicatorSystem.objects.get(year=2025).status == SystemStatus.PUBLISHED


@pytest.mark.django_db
def test_indicator_weights_of_a_dimension_must_sum_to_one():
    indicators = [[*INDICATORS[0][:4], 0.5, *INDICATORS[0][5:]], *INDICATORS[1:]]

    errors = errors_of(workbook(indicators))

    assert errors == [
        "指标!E2: 维度“绩效”的指标权重合计为 0.9，应为 1 (indicator weights of performance sum to 0.9, not 1)"
    ]


@pytest.mark.django_db
def test_category_weights_of_a_row_must_sum_to_one():
    weights = [CATEGORY_WEIGHTS[0], ["technical", 0.2, 0.15, 0.15, 0.15, 0.15, 0.15]]

    errors = errors_of(workbook(category_weights=weights))

    assert errors == [
        "类别权重!A3: 人员类别“technical”的维度权重合计为 0.95，应为 1 "
        "(dimension weights of category technical sum to 0.95, not 1)"
    ]


@pytest.mark.django_db
def test_rater_weights_must_sum_to_one():
    errors = errors_of(workbook(rater_weights=[["自评", 0.2], ["互评", 0.3], ["书记评价", 0.3]]))

    assert errors == ["评价主体权重!B1: 评价主体权重合计为 0.8，应为 1 (rater-role weights sum to 0.8, not 1)"]


def _replace(index, **changes):
    rows = [list(row) for row in INDICATORS]
    for column, value in changes.items():
        rows[index][IND_HEAD.index(column)] = value
    return rows


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (workbook(_replace(0, **{"底线值 floor": None})), "指标!H2: 实绩指标须有底线值"),
        (workbook(_replace(0, **{"目标值 target": 60})), "指标!I2: 目标值不能等于底线值"),
        (workbook(_replace(2, **{"底线值 floor": 3})), "指标!H4: 只有实绩指标有底线值和目标值"),
        (workbook(_replace(2, **{"维度 dimension": "忠诚"})), "指标!B4: “忠诚” 不是有效的选项"),
        (workbook(_replace(2, **{"来源 source": "问答"})), "指标!F4: “问答” 不是有效的选项"),
        (workbook(_replace(2, **{"权重 weight": "很高"})), "指标!E4: “很高” 不是数字"),
        (workbook(_replace(2, **{"权重 weight": 1.5})), "指标!E4: 1.5 超出范围"),
        (workbook(_replace(3, **{"编码 code": "exec_q"})), "指标!A5: 指标编码“exec_q”在文件中重复，首次出现于 A4"),
        (workbook(_replace(3, **{"名称 name": None})), "指标!C5: “名称”不能为空"),
        (workbook(category_weights=[["nobody", 1, 0, 0, 0, 0, 0]]), "类别权重!A2: 未知的人员类别编码“nobody”"),
        (workbook(rater_weights=[["自评", 0.5], ["self", 0.5]]), "评价主体权重!A3: 评价主体“self”在文件中重复"),
        (workbook(grades=[["优秀", 90, None], ["合格", 60, 0.5]]), "等级!C3: 只有最高等级可以设定最高比例"),
        (workbook(grades=[["优秀", 90, None], ["良好", 90, None]]), "等级!B3: 最低分“90”在文件中重复"),
        (workbook(rater_weights=[]), "评价主体权重!A2: 没有评价主体权重"),
        (xlsx({"指标": [IND_HEAD, *INDICATORS]}), "类别权重: 缺少工作表"),
    ],
)
def test_every_problem_is_reported_with_its_sheet_and_cell(data, expected):
    errors = errors_of(data)

    assert any(error.startswith(expected) for error in errors), errors


@pytest.mark.django_db
def test_a_bad_file_leaves_the_draft_as_it_was():
    import_indicators(source=workbook(), year=2025)
    before = snapshot()
    indicators = [
        ["perf_q", "绩效", "新", "", 1, "问卷", "", None, None],
        *INDICATORS[2:],
        ["x", "信仰", "x", "", 2, "问卷"],
    ]

    errors_of(workbook(indicators, CATEGORY_WEIGHTS[:1]))

    assert snapshot() == before


@pytest.mark.django_db
def test_a_bad_file_for_a_new_year_creates_no_system():
    errors_of(workbook(_replace(0, **{"底线值 floor": None})), year=2026)

    assert not IndicatorSystem.objects.filter(year=2026).exists()


@pytest.mark.django_db
def test_numeric_indicator_codes_are_read_as_text():
    indicators = [[101, *INDICATORS[0][1:]], *INDICATORS[1:]]

    import_indicators(source=workbook(indicators), year=2025)

    assert Indicator.objects.filter(system__year=2025, code="101").exists()


def test_the_indicators_template_has_headers_examples_and_drop_downs():
    template = read_back(workbook_bytes(indicators_template()))

    assert template.sheetnames == ["指标", "类别权重", "评价主体权重", "等级", "示例"]
    assert [c.value for c in template["指标"][1]][:9] == IND_HEAD
    assert [c.value for c in template["类别权重"][1]] == [
        "人员类别 category", "绩效 performance", "执行 execution", "智慧 wisdom", "文化 culture", "团队 team",
        "信仰 belief",
    ]  # fmt: skip
    formulas = {v.formula1 for v in template["指标"].data_validations.dataValidation}
    assert formulas == {'"绩效,执行,智慧,文化,团队,信仰"', '"问卷,评分,实绩"'}
    assert set(examples_of(template)) == {"指标", "类别权重", "评价主体权重", "等级"}


@pytest.mark.django_db
def test_the_template_filled_with_its_examples_imports_and_publishes():
    data = fill_template(read_back(workbook_bytes(indicators_template())))

    result = import_indicators(source=data, year=2025, publish=True)

    assert result.of("indicators").created == 10
    assert IndicatorSystem.objects.get(year=2025).status == SystemStatus.PUBLISHED
    assert Grade.objects.get(system__year=2025, label="优秀").max_share == 0.3
