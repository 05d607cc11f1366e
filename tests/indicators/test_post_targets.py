"""A model post's target task refused wherever it is entered: the model, the service and the admin.
(The API and the import refuse the same; see test_api.py and test_measurement_import.py.)"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from common.errors import DomainError, NotInScope
from indicators.models import Indicator, PostTarget
from indicators.services.targets import TargetProblems, save_post_target, set_post_targets
from tests.conftest import client_for
from tests.indicators.kpi_data import kpi_world

ADD = "admin:indicators_posttarget_add"

# (what changes from a good target, the message it is refused with)
REFUSALS = [
    ({"target": 40}, "目标值不能等于底线值"),
    ({"indicator": "questionnaire"}, "只有实绩指标可以设定目标"),
    ({"post": "plain"}, "只有精品岗位可以设定目标"),
]


@pytest.fixture
def world(org_tree):
    return kpi_world(org_tree)


def good(world, **changes):
    values = {"post": world["post_a"], "indicator": world["output"], "period": "2025-Q2", "floor": 40, "target": 90}
    values.update(changes)
    if values["indicator"] == "questionnaire":
        values["indicator"] = Indicator.objects.get(system__year=2025, code="performance_q")
    if values["post"] == "plain":
        values["post"] = world["plain"]
    return values


@pytest.mark.parametrize(("changes", "message"), REFUSALS)
def test_the_model_refuses_a_target_breaking_the_rules(world, changes, message):
    with pytest.raises(ValidationError, match=message):
        PostTarget(**good(world, **changes)).full_clean()


@pytest.mark.parametrize(("changes", "message"), REFUSALS)
def test_the_service_refuses_a_target_breaking_the_rules_and_writes_nothing(world, changes, message):
    with pytest.raises(DomainError, match=message):
        save_post_target(changes=good(world, **changes))

    assert not PostTarget.objects.exists()


def test_the_service_refuses_to_change_a_target_onto_its_floor(world):
    target = save_post_target(changes=good(world))

    with pytest.raises(DomainError, match="目标值不能等于底线值"):
        save_post_target(target=target, changes={"target": 40})

    target.refresh_from_db()
    assert target.target == 90


@pytest.mark.parametrize(("changes", "message"), REFUSALS)
def test_the_admin_refuses_a_target_breaking_the_rules_with_the_reason(world, admin_user, changes, message):
    values = good(world, **changes)
    form = {key: getattr(value, "pk", value) for key, value in values.items()} | {"_save": "保存"}

    response = client_for(admin_user).post(reverse(ADD), form)

    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert "post_target_differs_from_floor" not in page
    assert not PostTarget.objects.exists()


def test_the_admin_saves_a_good_target_with_its_period_tidied(world, admin_user):
    form = {key: getattr(value, "pk", value) for key, value in good(world, period="2025-q3").items()}

    response = client_for(admin_user).post(reverse(ADD), form | {"_save": "保存"})

    assert response.status_code == 302
    assert PostTarget.objects.get().period == "2025-Q3"


def test_the_admin_refuses_a_second_target_for_the_same_post_indicator_and_period(world, admin_user):
    PostTarget.objects.create(**good(world))
    form = {key: getattr(value, "pk", value) for key, value in good(world, period="2025-q2", target=70).items()}

    response = client_for(admin_user).post(reverse(ADD), form | {"_save": "保存"})

    assert response.status_code == 200
    assert "post_target_unique" not in response.content.decode()
    assert PostTarget.objects.get().target == 90


# ── a page of targets at once (the secretary's targets page) ────────────────────────────────────


def test_a_secretary_sets_a_periods_targets_for_his_model_post_all_or_nothing(world):
    secretary = world["secretary_a"].user

    changes = set_post_targets(user=secretary, post=world["post_a"], period="2025-q1", entries={"output": ("10", "50")})
    with pytest.raises(TargetProblems) as refused:
        set_post_targets(
            user=secretary, post=world["post_a"], period="2025-Q1", entries={"output": ("", ""), "ideas": ("3", "3")}
        )

    assert (changes.created, changes.changed, changes.removed) == (1, 0, 0)
    assert refused.value.problems == {"ideas": "目标值不能等于底线值 3 (the target equals the floor)"}
    assert list(PostTarget.objects.values_list("indicator__code", "period", "floor", "target")) == [
        ("output", "2025-Q1", 10.0, 50.0)
    ]  # the removal of output was undone with the refusal


def test_a_plain_post_takes_no_targets_and_another_branchs_post_is_not_found(world):
    secretary = world["secretary_a"].user

    with pytest.raises(DomainError, match="“PC”不是精品岗位"):
        set_post_targets(user=secretary, post=world["plain"], period="2025", entries={"output": ("0", "1")})
    with pytest.raises(NotInScope):
        set_post_targets(user=secretary, post=world["post_b"], period="2025", entries={"output": ("0", "1")})
    with pytest.raises(NotInScope):
        set_post_targets(user=world["member_a"].user, post=world["post_a"], period="2025", entries={})
    assert not PostTarget.objects.exists()


def test_a_year_without_a_system_is_refused_as_a_whole(world, admin_user):
    with pytest.raises(DomainError, match="2027 年没有指标体系"):
        set_post_targets(user=admin_user, post=world["post_a"], period="2027-Q1", entries={"output": ("0", "1")})
