from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from common.errors import ImportErrors
from common.imports import get_import
from common.xlsx import workbook_bytes
from indicators.models import Measurement, PostTarget
from indicators.services.measurement_io import import_measurements, measurements_template
from org.models import Post
from tests.common.workbooks import fill_template, read_back, xlsx
from tests.factories import make_admin, make_system
from tests.indicators.kpi_data import add_kpi, kpi_world

M_HEAD = ["被评价人 subject", "对象类型 subject_kind", "指标 indicator", "期间 period", "数值 value"]
T_HEAD = ["岗位 post", "指标 indicator", "期间 period", "底线值 floor", "目标值 target"]
MEASUREMENTS: list[list[Any]] = [
    ["1002", "", "output", "2025", 80],
    [1003, "党员", "ideas", "2025-h1", "3"],
    ["PA", "岗位", "output", "2025-Q2", 55.5],
    ["PB", "post", "output", "2025-Q2", 70],
]
TARGETS: list[list[Any]] = [
    ["PA", "output", "2025-Q2", 10, 60],
    ["PB", "output", "2025", 100, 20],
]


def workbook(measurements=MEASUREMENTS, targets=TARGETS, *, m_head=M_HEAD) -> bytes:
    sheets: dict[str, list[list[Any]]] = {}
    if measurements is not None:
        sheets["实绩"] = [m_head, *measurements]
    if targets is not None:
        sheets["目标"] = [T_HEAD, *targets]
    return xlsx(sheets)


def errors_of(data: bytes) -> list[str]:
    with pytest.raises(ImportErrors) as caught:
        import_measurements(source=data)
    return caught.value.errors


def stored() -> dict[str, list]:
    return {
        "measurements": sorted(
            Measurement.objects.values_list(
                "member__employee_no", "post__code", "indicator__system__year", "indicator__code", "period", "value"
            ),
            key=str,
        ),
        "targets": sorted(
            PostTarget.objects.values_list("post__code", "indicator__code", "period", "floor", "target"), key=str
        ),
    }


@pytest.fixture
def world(org_tree):
    return kpi_world(org_tree)


def test_members_and_posts_get_their_values_and_model_posts_their_targets(world):
    result = import_measurements(source=workbook())

    assert stored() == {
        "measurements": sorted(
            [
                ("1002", None, 2025, "output", "2025", 80.0),
                ("1003", None, 2025, "ideas", "2025-H1", 3.0),
                (None, "PA", 2025, "output", "2025-Q2", 55.5),
                (None, "PB", 2025, "output", "2025-Q2", 70.0),
            ],
            key=str,
        ),
        "targets": sorted([("PA", "output", "2025-Q2", 10.0, 60.0), ("PB", "output", "2025", 100.0, 20.0)], key=str),
    }
    assert (result.of("measurements").created, result.of("targets").created) == (4, 2)


def test_the_indicator_is_the_one_of_the_periods_year(world):
    import_measurements(source=workbook([["1002", "", "output", "2024-Q4", 5]], None))

    assert Measurement.objects.get().indicator == world["output_2024"]


def test_the_importing_user_is_recorded_as_having_entered_the_values(world):
    admin = make_admin()

    import_measurements(source=workbook(), user=admin)

    assert set(Measurement.objects.values_list("entered_by__username", flat=True)) == {"admin"}


def test_the_same_file_twice_changes_nothing(world):
    import_measurements(source=workbook())
    before = list(Measurement.objects.order_by("pk").values_list("pk", "value", "entered_at"))

    result = import_measurements(source=workbook())

    assert not result.changed
    assert (result.of("measurements").unchanged, result.of("targets").unchanged) == (4, 2)
    assert list(Measurement.objects.order_by("pk").values_list("pk", "value", "entered_at")) == before


def test_a_changed_value_or_target_updates_the_stored_row(world):
    import_measurements(source=workbook())
    admin = make_admin()
    changed = [["1002", "", "output", "2025", 81], *MEASUREMENTS[1:]]

    result = import_measurements(source=workbook(changed, [["PA", "output", "2025-Q2", 10, 65]]), user=admin)

    counts = result.of("measurements")
    assert (counts.created, counts.updated, counts.unchanged) == (0, 1, 3)
    assert result.of("targets").updated == 1
    row = Measurement.objects.get(member__employee_no="1002")
    assert (row.value, row.entered_by) == (81.0, admin)
    assert Measurement.objects.count() == 4
    assert PostTarget.objects.get(post__code="PA").target == 65
    assert PostTarget.objects.get(post__code="PB").target == 20  # rows not in the file are kept


def test_a_code_that_is_both_an_employee_number_and_a_post_needs_its_kind(world):
    assert errors_of(workbook([["2002", "", "output", "2025", 1]], None)) == [
        "实绩!A2: “2002”既是工号又是岗位编码，请在“对象类型”中注明党员或岗位 "
        "(2002 is both an employee number and a post code: give subject_kind)"
    ]

    import_measurements(source=workbook([["2002", "党员", "output", "2025", 1], ["2002", "岗位", "output", "2025", 2]]))

    assert Measurement.objects.get(member__employee_no="2002").value == 1
    assert Measurement.objects.get(post__code="2002").value == 2


def test_the_subject_kind_column_may_be_left_out(world):
    head = ["工号或岗位编码", "指标", "期间", "数值"]

    import_measurements(source=workbook([["PA", "output", "2025", 9]], None, m_head=head))

    assert Measurement.objects.get().post == world["post_a"]


@pytest.mark.parametrize(
    ("measurements", "targets", "expected"),
    [
        ([["9999", "", "output", "2025", 1]], None, "实绩!A2: “9999”既不是工号也不是岗位编码"),
        ([["PA", "党员", "output", "2025", 1]], None, "实绩!A2: 未知的工号“PA”"),
        ([["1002", "岗位", "output", "2025", 1]], None, "实绩!A2: 未知的岗位编码“1002”"),
        ([["1002", "", "nope", "2025", 1]], None, "实绩!C2: 2025 年指标体系中没有指标“nope”"),
        ([["1002", "", "retired", "2025", 1]], None, "实绩!C2: 2025 年指标体系中没有指标“retired”"),
        ([["1002", "", "performance_q", "2025", 1]], None, "实绩!C2: 指标“performance_q”不是实绩指标"),
        ([["1002", "", "output", "2026-Q1", 1]], None, "实绩!D2: 2026 年没有指标体系"),
        ([["1002", "", "output", "2025-Q5", 1]], None, "实绩!D2: 期间 “2025-Q5” 无效"),
        ([["1002", "", "output", "2025", "很多"]], None, "实绩!E2: “很多” 不是数字"),
        ([["1002", "", "output", "2025", None]], None, "实绩!E2: “数值”不能为空"),
        ([["1002", "坐标", "output", "2025", 1]], None, "实绩!B2: “坐标” 不是有效的选项"),
        (
            [["1002", "", "output", "2025", 1], ["1002", "党员", "output", "2025", 2]],
            None,
            "实绩!A3: 同一对象、指标和期间在文件中重复，首次出现于第 2 行",
        ),
        (None, [["PA", "output", "2025", 50, 50]], "目标!E2: 目标值不能等于底线值 50"),
        (None, [["PC", "output", "2025", 0, 50]], "目标!A2: “PC”不是精品岗位"),
        (None, [["PZ", "output", "2025", 0, 50]], "目标!A2: 未知的岗位编码“PZ”"),
        (None, [["PA", "performance_q", "2025", 0, 50]], "目标!B2: 指标“performance_q”不是实绩指标"),
        (None, [["PA", "output", "2023", 0, 50]], "目标!C2: 2023 年没有指标体系"),
        (None, [["PA", "output", "2025", "x", 50]], "目标!D2: “x” 不是数字"),
        (
            None,
            [["PA", "output", "2025-q1", 0, 50], ["PA", "output", "2025-Q1", 0, 60]],
            "目标!A3: 同一对象、指标和期间在文件中重复，首次出现于第 2 行",
        ),
    ],
)
def test_each_problem_is_reported_at_its_cell(world, measurements, targets, expected):
    errors = errors_of(workbook(measurements or [], targets))

    assert len(errors) == 1, errors
    assert errors[0].startswith(expected), errors


def test_every_problem_of_a_row_is_reported_not_only_the_first(world):
    errors = errors_of(workbook([["9999", "", "nope", "2025", "x"]], [["PC", "nope", "2025", 5, 5]]))

    assert [error.split(":")[0] for error in errors] == [
        "实绩!E2",
        "目标!E2",
        "实绩!A2",
        "实绩!C2",
        "目标!A2",
        "目标!B2",
    ]


def test_nothing_is_written_when_any_row_is_wrong(world):
    import_measurements(source=workbook())
    before = stored()
    changed = [
        ["1002", "", "output", "2025", 99],
        ["PA", "岗位", "output", "2025-Q3", 1],
        ["1002", "", "nope", "2025", 1],
    ]

    with pytest.raises(ImportErrors):
        import_measurements(source=workbook(changed, [["PA", "output", "2025-Q4", 0, 9]]))

    assert stored() == before


def test_a_file_with_neither_sheet_is_refused(world):
    assert errors_of(xlsx({"Sheet": [["x"]]})) == [
        "实绩: 缺少工作表“实绩”或“目标” (missing sheet measurements or targets)"
    ]


def test_a_file_with_targets_only_sets_targets(world):
    result = import_measurements(source=workbook(None, TARGETS))

    assert PostTarget.objects.count() == 2
    assert Measurement.objects.count() == 0
    assert "measurements" not in result.counts


def test_the_template_has_both_sheets_and_drop_downs_for_the_kind_and_the_period(world):
    template = read_back(get_import("measurements").template_bytes())

    assert template.sheetnames == ["实绩", "目标", "示例"]
    validations = {tuple(v.formula1.strip('"').split(",")) for v in template["实绩"].data_validations.dataValidation}
    assert ("党员", "岗位") in validations
    year = timezone.localdate().year
    periods = [f"{y}{stage}" for y in (year - 1, year) for stage in ("", "-H1", "-H2", "-Q1", "-Q2", "-Q3", "-Q4")]
    assert tuple(periods) in validations
    assert template["实绩"]["A1"].value == "被评价人 subject"


def test_the_template_examples_import_into_a_matching_organisation(org_tree):
    system = make_system(timezone.localdate().year)
    for code, floor, target in (("perf_task_completion", 60, 100), ("wis_suggestions", 0, 4),
                                ("perf_safety_violations", 5, 0)):  # fmt: skip
        add_kpi(system, code, floor=floor, target=target)
    Post.objects.create(code="P01", name="示范岗", unit=org_tree["branch_a"], is_model=True)

    result = import_measurements(source=fill_template(read_back(workbook_bytes(measurements_template()))))

    assert (result.of("measurements").created, result.of("targets").created) == (4, 3)
    assert Measurement.objects.get(member__employee_no="1002").value == 3


def test_the_command_imports_a_file_and_names_the_user(world, tmp_path):
    make_admin()
    path = tmp_path / "kpi.xlsx"
    path.write_bytes(workbook())
    out = StringIO()

    call_command("import_measurements", str(path), "--user", "admin", stdout=out)

    assert "实绩：新增 4" in out.getvalue()
    assert "目标：新增 2" in out.getvalue()
    assert set(Measurement.objects.values_list("entered_by__username", flat=True)) == {"admin"}


def test_the_command_fails_with_every_error_and_writes_nothing(world, tmp_path):
    path = tmp_path / "kpi.xlsx"
    path.write_bytes(workbook([["9999", "", "output", "2025", 1], ["1002", "", "output", "2025", "x"]], None))
    err = StringIO()

    with pytest.raises(CommandError, match="2 个错误"):
        call_command("import_measurements", str(path), stderr=err)

    assert "实绩!A2" in err.getvalue()
    assert "实绩!E3" in err.getvalue()
    assert Measurement.objects.count() == 0
