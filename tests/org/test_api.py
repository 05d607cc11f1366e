import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from org.models import Member, Post, Unit
from tests.conftest import client_for
from tests.factories import MemberFactory, default_category

pytestmark = pytest.mark.django_db

JSON = "application/json"


def codes(response, key="code"):
    assert response.status_code == 200, response.content
    return sorted(row[key] for row in response.json()["results"])


@pytest.fixture
def posts(org_tree):
    post_a = Post.objects.create(code="PA", name="调度岗", unit=org_tree["group_a"], is_model=True)
    post_a.holders.set([org_tree["member_group_a"], org_tree["member_a"]])
    post_b = Post.objects.create(code="PB", name="检修岗", unit=org_tree["branch_b"])
    post_b.holders.set([org_tree["member_b"]])
    return {"a": post_a, "b": post_b}


# ── scope ────────────────────────────────────────────────────────────────────────────────────────


def test_secretary_lists_only_the_units_of_his_branch(org_tree):
    client = client_for(org_tree["secretary_a"].user)
    assert codes(client.get("/api/v1/units/")) == ["B1", "G1"]


def test_secretary_cannot_see_another_branch(org_tree, posts):
    client = client_for(org_tree["secretary_a"].user)
    assert client.get("/api/v1/units/B2/").status_code == 404
    assert client.get("/api/v1/units/C1/").status_code == 404
    assert client.get("/api/v1/members/2002/").status_code == 404
    assert client.get("/api/v1/posts/PB/").status_code == 404
    assert "2002" not in codes(client.get("/api/v1/members/"), "employee_no")
    assert codes(client.get("/api/v1/posts/")) == ["PA"]


def test_a_unit_filter_outside_scope_is_not_found_rather_than_empty(org_tree):
    client = client_for(org_tree["secretary_a"].user)
    for url in [
        "/api/v1/members/?unit=B2",
        "/api/v1/units/?unit=B2",
        "/api/v1/posts/?unit=B2",
        "/api/v1/units/?unit=C1",
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "results" not in response.json()
    assert client.get("/api/v1/members/?unit=NOSUCH").status_code == 404


def test_secretary_sees_the_members_of_his_branch_and_its_groups(org_tree):
    client = client_for(org_tree["secretary_a"].user)
    assert codes(client.get("/api/v1/members/"), "employee_no") == ["1001", "1002", "1003"]
    assert codes(client.get("/api/v1/members/?unit=G1"), "employee_no") == ["1003"]


def test_member_sees_only_himself(org_tree, posts):
    client = client_for(org_tree["member_a"].user)
    assert codes(client.get("/api/v1/members/"), "employee_no") == ["1002"]
    assert client.get("/api/v1/members/1001/").status_code == 404
    assert client.get("/api/v1/members/1002/").json()["unit"] == "B1"
    assert codes(client.get("/api/v1/units/")) == ["B1"]
    assert codes(client.get("/api/v1/posts/")) == ["PA"]


def test_administrator_sees_everything(org_tree, admin_user):
    client = client_for(admin_user)
    assert codes(client.get("/api/v1/units/")) == ["B1", "B2", "C1", "G1"]
    assert codes(client.get("/api/v1/members/"), "employee_no") == ["1001", "1002", "1003", "2001", "2002"]


def test_anonymous_requests_are_refused(org_tree):
    assert Client().get("/api/v1/units/").status_code in (401, 403)


# ── fields and filters ───────────────────────────────────────────────────────────────────────────


def test_a_unit_names_its_kind_parent_and_secretary(org_tree, admin_user):
    row = client_for(admin_user).get("/api/v1/units/G1/").json()
    assert row == {
        "code": "G1",
        "name": "第一党小组",
        "kind": "group",
        "kind_label": "党小组",
        "parent": "B1",
        "secretary": None,
        "secretary_name": None,
        "depth": 2,
    }
    branch = client_for(admin_user).get("/api/v1/units/B1/").json()
    assert (branch["secretary"], branch["secretary_name"]) == ("1001", org_tree["secretary_a"].name)


def test_units_filter_by_kind_parent_and_subtree(org_tree, admin_user):
    client = client_for(admin_user)
    assert codes(client.get("/api/v1/units/?kind=branch")) == ["B1", "B2"]
    assert codes(client.get("/api/v1/units/?parent=C1")) == ["B1", "B2"]
    assert codes(client.get("/api/v1/units/?unit=B1")) == ["B1", "G1"]


def test_members_filter_by_unit_subtree_category_status_and_search(org_tree, admin_user):
    technical = default_category("technical")
    MemberFactory(employee_no="1004", name="张技术", unit=org_tree["group_a"], category=technical, status="left")
    client = client_for(admin_user)
    assert codes(client.get("/api/v1/members/?unit=B1"), "employee_no") == ["1001", "1002", "1003", "1004"]
    assert codes(client.get("/api/v1/members/?category=technical"), "employee_no") == ["1004"]
    assert codes(client.get("/api/v1/members/?status=left"), "employee_no") == ["1004"]
    assert codes(client.get("/api/v1/members/?search=张技"), "employee_no") == ["1004"]
    assert codes(client.get("/api/v1/members/?search=200"), "employee_no") == ["2001", "2002"]


def test_a_member_row_carries_unit_and_category(org_tree, admin_user):
    row = client_for(admin_user).get("/api/v1/members/1003/").json()
    assert row["unit"] == "G1"
    assert row["unit_name"] == "第一党小组"
    assert row["category"] == "management"
    assert row["status"] == "active"
    assert set(row) >= {"employee_no", "name", "joined_on", "status_label"}


def test_posts_list_holders_and_filter_model_posts(org_tree, posts, admin_user):
    client = client_for(admin_user)
    row = client.get("/api/v1/posts/PA/").json()
    assert row["unit"] == "G1"
    assert sorted(row["holders"]) == ["1002", "1003"]
    assert row["model_post"] is True
    assert codes(client.get("/api/v1/posts/?model_post=true")) == ["PA"]
    assert codes(client.get("/api/v1/posts/?unit=B1")) == ["PA"]


def test_categories_are_listed_by_code(org_tree, admin_user):
    default_category("frontline")
    assert "frontline" in codes(client_for(admin_user).get("/api/v1/categories/"))


def test_lists_are_paginated(org_tree, admin_user):
    body = client_for(admin_user).get("/api/v1/members/?page_size=2").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert body["previous"] is None
    assert "page=2" in body["next"]


# ── writes ───────────────────────────────────────────────────────────────────────────────────────


def test_members_and_secretaries_cannot_write(org_tree):
    for person in ("member_a", "secretary_a"):
        client = client_for(org_tree[person].user)
        assert (
            client.post("/api/v1/units/", {"code": "B9", "name": "x", "kind": "branch"}, content_type=JSON).status_code
            == 403
        )
        assert client.patch("/api/v1/units/B1/", {"name": "改名"}, content_type=JSON).status_code == 403
        assert client.patch("/api/v1/members/1002/", {"name": "改名"}, content_type=JSON).status_code == 403
        assert client.delete("/api/v1/members/1003/").status_code == 403
        assert client.post("/api/v1/categories/", {"code": "x", "name": "x"}, content_type=JSON).status_code == 403
    assert Unit.objects.get(code="B1").name == "第一党支部"
    assert not Unit.objects.filter(code="B9").exists()
    assert Member.objects.filter(employee_no="1003").exists()


def test_administrator_creates_and_updates_a_unit(org_tree, admin_user):
    client = client_for(admin_user)
    created = client.post(
        "/api/v1/units/",
        {"code": "G2", "name": "第二党小组", "kind": "group", "parent": "B2", "secretary": "2002"},
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    assert created.json()["depth"] == 2
    unit = Unit.objects.get(code="G2")
    assert (unit.parent, unit.secretary) == (org_tree["branch_b"], org_tree["member_b"])

    moved = client.patch("/api/v1/units/G2/", {"parent": "B1", "name": "新党小组"}, content_type=JSON)
    assert moved.status_code == 200, moved.content
    unit.refresh_from_db()
    assert (unit.name, unit.parent_id) == ("新党小组", org_tree["branch_a"].pk)
    assert unit.path.startswith(org_tree["branch_a"].path)
    assert codes(client_for(org_tree["secretary_a"].user).get("/api/v1/units/")) == ["B1", "G1", "G2"]


def test_a_unit_cannot_be_moved_below_itself(org_tree, admin_user):
    response = client_for(admin_user).patch("/api/v1/units/B1/", {"parent": "G1"}, content_type=JSON)
    assert response.status_code == 400
    assert "循环" in response.json()["detail"]
    assert Unit.objects.get(code="B1").parent_id == org_tree["committee"].pk


def test_a_unit_code_is_unique(org_tree, admin_user):
    response = client_for(admin_user).post(
        "/api/v1/units/", {"code": "B1", "name": "重复", "kind": "branch"}, content_type=JSON
    )
    assert response.status_code == 400
    assert "code" in response.json()


def test_a_unit_that_still_has_members_is_not_deleted(org_tree, admin_user):
    response = client_for(admin_user).delete("/api/v1/units/B2/")
    assert response.status_code == 400
    assert "B2" in response.json()["detail"]
    assert Unit.objects.filter(code="B2").exists()


def test_administrator_creates_a_member_with_a_login_account(org_tree, admin_user):
    client = client_for(admin_user)
    response = client.post(
        "/api/v1/members/",
        {"employee_no": "1005", "name": "李新", "unit": "G1", "category": "management", "joined_on": "2020-07-01"},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    assert response.json()["unit_name"] == "第一党小组"
    user = Member.objects.get(employee_no="1005").user
    assert user is not None
    assert user.username == "1005"
    assert not user.has_usable_password()


def test_administrator_updates_a_member(org_tree, admin_user):
    response = client_for(admin_user).patch(
        "/api/v1/members/1003/", {"unit": "B2", "status": "left", "employee_no": "1033"}, content_type=JSON
    )
    assert response.status_code == 200, response.content
    member = Member.objects.get(employee_no="1033")
    assert (member.unit.code, member.status) == ("B2", "left")
    assert get_user_model().objects.filter(member=member).values_list("username", flat=True).get() == "1033"


def test_a_member_cannot_belong_to_a_committee(org_tree, admin_user):
    response = client_for(admin_user).patch("/api/v1/members/1003/", {"unit": "C1"}, content_type=JSON)
    assert response.status_code == 400
    assert "党支部或党小组" in response.json()["detail"]
    assert Member.objects.get(employee_no="1003").unit.code == "G1"


def test_administrator_sets_the_holders_of_a_post(org_tree, posts, admin_user):
    response = client_for(admin_user).patch(
        "/api/v1/posts/PB/", {"holders": ["2001", "2002"], "model_post": True}, content_type=JSON
    )
    assert response.status_code == 200, response.content
    posts["b"].refresh_from_db()
    assert posts["b"].is_model
    assert sorted(posts["b"].holders.values_list("employee_no", flat=True)) == ["2001", "2002"]


# ── token authentication ─────────────────────────────────────────────────────────────────────────


def test_a_token_from_username_and_password_authenticates_api_calls(org_tree, admin_user):
    anonymous = Client()
    refused = anonymous.post("/api/v1/auth/token/", {"username": "admin", "password": "wrong"}, content_type=JSON)
    assert refused.status_code == 400
    response = anonymous.post(
        "/api/v1/auth/token/", {"username": "admin", "password": "admin-pass-123"}, content_type=JSON
    )
    assert response.status_code == 200
    token = response.json()["token"]
    listed = Client().get("/api/v1/units/", headers={"Authorization": f"Token {token}"})
    assert codes(listed) == ["B1", "B2", "C1", "G1"]
    assert Client().get("/api/v1/units/", headers={"Authorization": "Token not-a-token"}).status_code in (401, 403)


def test_a_members_token_sees_only_his_scope(org_tree):
    user = org_tree["secretary_b"].user
    user.set_password("secret-pass-987")
    user.save()
    token = (
        Client()
        .post("/api/v1/auth/token/", {"username": "2001", "password": "secret-pass-987"}, content_type=JSON)
        .json()["token"]
    )
    listed = Client().get("/api/v1/members/", headers={"Authorization": f"Token {token}"})
    assert codes(listed, "employee_no") == ["2001", "2002"]


def test_an_empty_unit_is_deleted(org_tree, admin_user):
    Unit.objects.create(code="G9", name="空党小组", kind="group", parent=org_tree["branch_b"])
    assert client_for(admin_user).delete("/api/v1/units/G9/").status_code == 204
    assert not Unit.objects.filter(code="G9").exists()
