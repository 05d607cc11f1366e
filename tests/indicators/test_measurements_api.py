import pytest

from indicators.models import Measurement, PostTarget
from tests.conftest import client_for
from tests.indicators.kpi_data import kpi_world

JSON = "application/json"
URL = "/api/v1/measurements/"


@pytest.fixture
def world(org_tree):
    world = kpi_world(org_tree)
    output, ideas = world["output"], world["ideas"]
    for member, value in (
        (world["secretary_a"], 90),
        (world["member_a"], 80),
        (world["member_group_a"], 70),
        (world["member_b"], 60),
    ):
        Measurement.objects.create(indicator=output, member=member, period="2025", value=value)
    Measurement.objects.create(indicator=ideas, member=world["member_a"], period="2025-H1", value=2)
    Measurement.objects.create(indicator=output, post=world["post_a"], period="2025-Q2", value=55)
    Measurement.objects.create(indicator=output, post=world["post_b"], period="2025-Q2", value=45)
    return world


def subjects(client, query: str = "") -> list[tuple[str, str, str]]:
    response = client.get(URL + query)
    assert response.status_code == 200, response.content
    return sorted((row["subject_kind"], row["subject"], row["period"]) for row in response.json()["results"])


def test_a_member_sees_his_own_values_and_those_of_his_posts(world):
    assert subjects(client_for(world["member_a"].user)) == [
        ("member", "1002", "2025"),
        ("member", "1002", "2025-H1"),
        ("post", "PA", "2025-Q2"),
    ]


def test_a_secretary_sees_the_members_and_posts_of_his_units(world):
    assert subjects(client_for(world["secretary_a"].user)) == [
        ("member", "1001", "2025"),
        ("member", "1002", "2025"),
        ("member", "1002", "2025-H1"),
        ("member", "1003", "2025"),
        ("post", "PA", "2025-Q2"),
    ]


def test_an_administrator_sees_everything(world, admin_user):
    assert len(subjects(client_for(admin_user))) == 7


def test_a_result_carries_the_contract_fields(world):
    row = client_for(world["member_a"].user).get(URL + "?subject_kind=post").json()["results"][0]

    assert {key: row[key] for key in ("subject_kind", "subject", "indicator", "period", "value", "system")} == {
        "subject_kind": "post", "subject": "PA", "indicator": "output", "period": "2025-Q2", "value": 55.0,
        "system": 2025,
    }  # fmt: skip
    assert row["entered_at"]
    assert (row["subject_name"], row["unit"]) == ("调度岗", "B1")


def test_values_filter_by_period_indicator_kind_and_subject(world, admin_user):
    client = client_for(admin_user)

    assert subjects(client, "?period=2025-q2") == [("post", "PA", "2025-Q2"), ("post", "PB", "2025-Q2")]
    assert subjects(client, "?indicator=ideas") == [("member", "1002", "2025-H1")]
    assert len(subjects(client, "?subject_kind=member")) == 5
    assert subjects(client, "?subject=PB") == [("post", "PB", "2025-Q2")]
    assert len(subjects(client, "?system=2025")) == 7
    assert client.get(URL + "?period=someday").status_code == 400


def test_the_unit_filter_takes_the_subtree_and_refuses_a_unit_outside_scope(world, admin_user):
    secretary = client_for(world["secretary_a"].user)

    assert subjects(secretary, "?unit=G1") == [("member", "1003", "2025")]
    assert secretary.get(URL + "?unit=B2").status_code == 404
    assert secretary.get(URL + "?unit=NOPE").status_code == 404
    assert subjects(client_for(admin_user), "?unit=B2") == [("member", "2002", "2025"), ("post", "PB", "2025-Q2")]


def test_a_value_outside_scope_is_not_found(world):
    other = Measurement.objects.get(post__code="PB")

    assert client_for(world["secretary_a"].user).get(f"{URL}{other.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["member_a", "secretary_a"])
def test_only_administrators_write_values(world, who):
    client = client_for(world[who].user)
    own = Measurement.objects.get(member=world["member_a"], period="2025")
    body = {"subject": "1002", "indicator": "ideas", "period": "2025", "value": 9}

    assert client.post(URL, body, content_type=JSON).status_code == 403
    assert client.patch(f"{URL}{own.pk}/", {"value": 1}, content_type=JSON).status_code == 403
    assert client.delete(f"{URL}{own.pk}/").status_code == 403
    own.refresh_from_db()
    assert own.value == 80
    assert Measurement.objects.count() == 7


def test_an_administrator_records_a_value_by_codes(world, admin_user):
    body = {"subject": "1003", "indicator": "ideas", "period": "2025-q3", "value": 4}

    response = client_for(admin_user).post(URL, body, content_type=JSON)

    assert response.status_code == 201, response.content
    assert response.json()["entered_by"] == "admin"
    row = Measurement.objects.get(member=world["member_group_a"], indicator=world["ideas"])
    assert (row.period, row.value, row.entered_by) == ("2025-Q3", 4.0, admin_user)


def test_posting_an_existing_key_updates_its_value(world, admin_user):
    body = {"subject": "PA", "subject_kind": "post", "indicator": "output", "period": "2025-Q2", "value": 66}

    assert client_for(admin_user).post(URL, body, content_type=JSON).status_code == 201
    assert Measurement.objects.count() == 7
    assert Measurement.objects.get(post__code="PA").value == 66


def test_patching_changes_the_value_and_keeps_the_rest(world, admin_user):
    row = Measurement.objects.get(post__code="PA")

    response = client_for(admin_user).patch(f"{URL}{row.pk}/", {"value": 12.5}, content_type=JSON)

    assert response.status_code == 200, response.content
    row.refresh_from_db()
    assert (row.value, row.period, row.post, row.entered_by) == (12.5, "2025-Q2", world["post_a"], admin_user)


def test_an_administrator_deletes_a_value(world, admin_user):
    row = Measurement.objects.get(post__code="PB")

    assert client_for(admin_user).delete(f"{URL}{row.pk}/").status_code == 204
    assert not Measurement.objects.filter(pk=row.pk).exists()


def test_a_code_that_is_both_needs_its_kind_through_the_api_too(world, admin_user):
    client = client_for(admin_user)
    body = {"subject": "2002", "indicator": "ideas", "period": "2025", "value": 1}

    refused = client.post(URL, body, content_type=JSON)
    accepted = client.post(URL, {**body, "subject_kind": "post"}, content_type=JSON)

    assert refused.status_code == 400
    assert "既是工号又是岗位编码" in refused.json()["subject"][0]
    assert accepted.status_code == 201
    assert Measurement.objects.get(indicator=world["ideas"], period="2025").post == world["twin"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"subject": "nobody"}, "subject", "既不是工号也不是岗位编码"),
        ({"indicator": "performance_q"}, "indicator", "不是实绩指标"),
        ({"indicator": "nope"}, "indicator", "2025 年指标体系中没有指标"),
        ({"period": "2030"}, "period", "2030 年没有指标体系"),
        ({"period": "soon"}, "period", "无效"),
    ],
)
def test_a_value_breaking_the_rules_is_refused_naming_the_field(world, admin_user, change, field, message):
    body = {"subject": "1002", "indicator": "output", "period": "2025-Q1", "value": 1, **change}

    response = client_for(admin_user).post(URL, body, content_type=JSON)

    assert response.status_code == 400
    assert message in response.json()[field][0]
    assert Measurement.objects.count() == 7


# ── copying post targets forward ─────────────────────────────────────────────────────────────────


def test_an_administrator_copies_last_years_targets_forward(world, admin_user):
    PostTarget.objects.create(post=world["post_a"], indicator=world["output_2024"], period="2024-Q2", floor=0, target=9)

    response = client_for(admin_user).post(
        "/api/v1/post-targets/copy-forward/", {"from_year": 2024, "to_year": 2025}, content_type=JSON
    )

    assert response.status_code == 200, response.content
    assert response.json() == {"from_year": 2024, "to_year": 2025, "created": 1}
    assert PostTarget.objects.get(indicator=world["output"]).period == "2025-Q2"


def test_copying_targets_forward_is_for_administrators_only(world):
    response = client_for(world["secretary_a"].user).post(
        "/api/v1/post-targets/copy-forward/", {"from_year": 2024, "to_year": 2025}, content_type=JSON
    )

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"from_year": 2025, "to_year": 2026}, "2026 年没有指标体系"),
        ({"from_year": 2024, "to_year": 2025, "posts": ["PZ"]}, "未知的岗位编码"),
    ],
)
def test_copying_targets_forward_explains_a_refusal(world, admin_user, body, message):
    response = client_for(admin_user).post("/api/v1/post-targets/copy-forward/", body, content_type=JSON)

    assert response.status_code == 400
    assert message in str(response.json())
