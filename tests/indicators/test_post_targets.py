"""A model post's target task refused wherever it is entered: the model, the service and the admin.
(The API and the import refuse the same; see test_api.py and test_measurement_import.py.)"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from common.errors import DomainError
from indicators.models import Indicator, PostTarget
from indicators.services.targets import save_post_target
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
