import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from indicators.models import Indicator, Measurement, PostTarget
from tests.conftest import client_for
from tests.indicators.kpi_data import kpi_world

ADD = "admin:indicators_measurement_add"
CHANGELIST = "admin:indicators_measurement_changelist"
COPY = "admin:indicators_posttarget_copy_forward"


@pytest.fixture
def world(org_tree):
    world = kpi_world(org_tree)
    Measurement.objects.create(indicator=world["output"], member=world["member_a"], period="2025", value=80)
    Measurement.objects.create(indicator=world["output"], post=world["post_a"], period="2025-Q2", value=55)
    return world


@pytest.mark.parametrize(
    "query", ["", "?subject_kind=post", "?indicator__system__year=2025", "?period=2025-Q2", "?q=PA"]
)
def test_the_measurement_list_opens_with_each_filter_and_shows_the_post(world, admin_user, query):
    response = client_for(admin_user).get(reverse(CHANGELIST) + query)

    assert response.status_code == 200
    assert "调度岗 (PA)" in response.content.decode()


def test_the_list_filters_by_subject_kind(world, admin_user):
    page = client_for(admin_user).get(reverse(CHANGELIST) + "?subject_kind=member").content.decode()

    assert "(1002)" in page
    assert "调度岗 (PA)" not in page


def test_the_add_and_change_pages_open(world, admin_user):
    client = client_for(admin_user)
    row = Measurement.objects.get(post__code="PA")

    assert client.get(reverse(ADD)).status_code == 200
    assert client.get(reverse("admin:indicators_measurement_change", args=[row.pk])).status_code == 200


def form(world, **changes):
    return {"member": "", "post": world["post_b"].pk, "indicator": world["output"].pk, "period": "2025-q3",
            "value": "12.5", "_save": "保存", **changes}  # fmt: skip


def test_an_administrator_adds_a_value_and_is_recorded_as_its_author(world, admin_user):
    response = client_for(admin_user).post(reverse(ADD), form(world))

    assert response.status_code == 302
    row = Measurement.objects.get(post=world["post_b"])
    assert (row.period, row.value, row.entered_by) == ("2025-Q3", 12.5, admin_user)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"member": "member_a"}, "请选择一名党员或一个岗位"),
        ({"post": ""}, "请选择一名党员或一个岗位"),
        ({"indicator": "questionnaire"}, "只有实绩指标可以录入实绩"),
        ({"period": "2024"}, "期间须在该指标所属体系的年度内"),
        ({"post": "post_a", "period": "2025-Q2"}, "该对象在该期间已有此指标的实绩"),
    ],
)
def test_the_add_form_refuses_a_value_breaking_the_rules(world, admin_user, changes, message):
    lookups = {
        "member_a": world["member_a"].pk,
        "post_a": world["post_a"].pk,
        "questionnaire": Indicator.objects.get(system__year=2025, code="performance_q").pk,
    }
    data = form(world, **{key: lookups.get(value, value) for key, value in changes.items()})

    response = client_for(admin_user).post(reverse(ADD), data)

    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert "measurement_has_one_subject" not in page
    assert "measurement_unique" not in page
    assert Measurement.objects.count() == 2


def test_the_post_target_list_offers_copying_last_years_targets(world, admin_user):
    page = client_for(admin_user).get(reverse("admin:indicators_posttarget_changelist")).content.decode()

    assert reverse(COPY) in page


def test_the_copy_page_proposes_the_newest_year_and_copies_into_it(world, admin_user):
    PostTarget.objects.create(post=world["post_a"], indicator=world["output_2024"], period="2024-H2", floor=0, target=9)
    client = client_for(admin_user)

    page = client.get(reverse(COPY))
    response = client.post(reverse(COPY), {"from_year": 2024, "to_year": 2025})

    assert page.status_code == 200
    assert page.context["form"].initial == {"from_year": 2024, "to_year": 2025}
    assert response.status_code == 302
    assert "已复制 1 个岗位目标到 2025 年" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert PostTarget.objects.get(indicator=world["output"]).period == "2025-H2"


def test_the_copy_page_explains_a_year_without_a_system(world, admin_user):
    response = client_for(admin_user).post(reverse(COPY), {"from_year": 2025, "to_year": 2026})

    assert response.status_code == 200
    assert "2026 年没有指标体系" in response.content.decode()


def test_the_copy_page_is_for_administrators_only(world):
    response = client_for(world["secretary_a"].user).get(reverse(COPY))

    assert response.status_code == 302
    assert "/login/" in response["Location"]
