from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from common.errors import DomainError
from indicators.models import Indicator, Measurement, PostTarget
from indicators.services.measurements import copy_targets_forward, save_measurement
from tests.factories import make_admin, make_system
from tests.indicators.kpi_data import add_kpi, kpi_world


@pytest.fixture
def world(org_tree):
    return kpi_world(org_tree)


def test_saving_a_value_twice_keeps_one_row_with_the_last_value(world):
    admin = make_admin()
    save_measurement(indicator=world["output"], period="2025-q2", value=5, post=world["post_a"])

    row = save_measurement(indicator=world["output"], period="2025-Q2", value=7, post=world["post_a"], user=admin)

    assert Measurement.objects.get() == row
    assert (row.value, row.period, row.entered_by) == (7.0, "2025-Q2", admin)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"indicator": "questionnaire"}, "只有实绩指标可以录入实绩"),
        ({"period": "2024"}, "期间须在该指标所属体系的年度内"),
        ({"period": "2025-Q9"}, "无效"),
        ({"post": None}, "实绩须对应一名党员或一个岗位"),
        ({"member": "member_a"}, "实绩须对应一名党员或一个岗位"),
    ],
)
def test_a_value_breaking_the_rules_is_refused_with_the_reason(world, kwargs, message):
    arguments = {"indicator": world["output"], "period": "2025", "value": 1, "post": world["post_a"], **kwargs}
    if arguments["indicator"] == "questionnaire":
        arguments["indicator"] = Indicator.objects.get(system__year=2025, code="performance_q")
    if arguments.get("member") == "member_a":
        arguments["member"] = world["member_a"]

    with pytest.raises(DomainError, match=message):
        save_measurement(**arguments)
    assert Measurement.objects.count() == 0


def test_changing_a_row_onto_another_rows_key_is_refused(world):
    first = save_measurement(indicator=world["output"], period="2025", value=1, member=world["member_a"])
    second = save_measurement(indicator=world["output"], period="2025-H1", value=2, member=world["member_a"])

    with pytest.raises(DomainError, match="已有此指标的实绩"):
        save_measurement(
            measurement=second, indicator=world["output"], period="2025", value=3, member=world["member_a"]
        )
    first.refresh_from_db()
    assert first.value == 1


def _targets_2024(world):
    for post, period, floor, target in (
        (world["post_a"], "2024-Q2", 10, 60),
        (world["post_a"], "2024", 20, 80),
        (world["post_b"], "2024-H1", 5, 1),
    ):
        PostTarget.objects.create(post=post, indicator=world["output_2024"], period=period, floor=floor, target=target)
    retired = Indicator.objects.get(system__year=2024, code="retired")
    PostTarget.objects.create(post=world["post_a"], indicator=retired, period="2024", floor=0, target=1)


def test_copying_forward_shifts_each_period_and_matches_the_indicator_by_code(world):
    _targets_2024(world)

    created = copy_targets_forward(from_year=2024, to_year=2025)

    assert created == 3
    copied = PostTarget.objects.filter(indicator__system__year=2025)
    assert sorted(copied.values_list("post__code", "indicator__code", "period", "floor", "target")) == [
        ("PA", "output", "2025", 20.0, 80.0),
        ("PA", "output", "2025-Q2", 10.0, 60.0),
        ("PB", "output", "2025-H1", 5.0, 1.0),
    ]
    assert set(copied.values_list("indicator", flat=True)) == {world["output"].pk}


def test_copying_forward_keeps_the_targets_the_new_year_has(world):
    _targets_2024(world)
    PostTarget.objects.create(post=world["post_a"], indicator=world["output"], period="2025-Q2", floor=0, target=99)

    assert copy_targets_forward(from_year=2024, to_year=2025) == 2
    assert PostTarget.objects.get(post=world["post_a"], period="2025-Q2").target == 99
    assert copy_targets_forward(from_year=2024, to_year=2025) == 0


def test_copying_forward_can_be_limited_to_some_posts(world):
    _targets_2024(world)

    assert copy_targets_forward(from_year=2024, to_year=2025, posts=[world["post_b"]]) == 1
    assert list(PostTarget.objects.filter(period__startswith="2025").values_list("post__code", flat=True)) == ["PB"]


def test_copying_forward_leaves_out_posts_that_are_no_longer_model_posts(world):
    _targets_2024(world)
    world["post_b"].is_model = False
    world["post_b"].save()

    assert copy_targets_forward(from_year=2024, to_year=2025) == 2


def test_copying_forward_is_refused_without_a_system_for_the_new_year(world):
    _targets_2024(world)

    with pytest.raises(DomainError, match="2026 年没有指标体系"):
        copy_targets_forward(from_year=2025, to_year=2026)


def test_the_command_copies_last_years_targets(world):
    _targets_2024(world)
    out = StringIO()

    call_command("copy_targets", "--from", "2024", "--to", "2025", stdout=out)

    assert "复制 3 个岗位目标" in out.getvalue()
    assert PostTarget.objects.filter(period__startswith="2025").count() == 3


def test_the_command_refuses_a_year_without_a_system(world):
    with pytest.raises(CommandError, match="2027 年没有指标体系"):
        call_command("copy_targets", "--to", "2027")


def test_a_draft_system_takes_copied_targets_too(world):
    _targets_2024(world)
    draft = make_system(2026)
    add_kpi(draft, "output")
    PostTarget.objects.create(
        post=world["post_a"], indicator=world["output"], period="2025-Q3", floor=1, target=2
    )  # a 2025 target: copied from 2025 into 2026 below

    assert copy_targets_forward(from_year=2025, to_year=2026) == 1
    assert PostTarget.objects.get(indicator__system=draft).period == "2026-Q3"
