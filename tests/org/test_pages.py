from io import BytesIO

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from openpyxl import load_workbook

from org.models import ActivationCode, Member, Unit
from org.services.activation import issue_activation_codes
from tests.conftest import client_for
from tests.factories import MemberFactory, make_system

PASSWORD = "Hongqi-2025-piao"


def text_of(response) -> str:
    return response.content.decode()


def test_login_page_is_in_chinese_by_default(client):
    page = text_of(client.get(reverse("login")))

    assert '<html lang="zh-hans">' in page
    assert "工号" in page
    assert "用激活码激活我的账号" in page


def test_login_page_is_in_english_after_switching_language(client):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})

    page = text_of(client.get(reverse("login")))

    assert '<html lang="en">' in page
    assert "Employee number" in page
    assert "Activate my account with a code" in page


def test_login_with_a_wrong_password_shows_an_error(org_tree, client):
    response = client.post(reverse("login"), {"username": "1002", "password": "wrong-password"})

    assert response.status_code == 200
    assert "工号或密码不正确" in text_of(response)


def test_login_through_the_form_lands_on_home(org_tree, client):
    user = org_tree["member_a"].user
    user.set_password(PASSWORD)
    user.save()

    response = client.post(reverse("login"), {"username": "1002", "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("home")
    assert "我的信息" in text_of(response)


def test_logout_is_a_post(org_tree):
    client = client_for(org_tree["member_a"].user)

    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_home_needs_a_login(client, db):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_member_sees_his_own_card_and_no_unit_tree(org_tree):
    member = org_tree["member_group_a"]

    page = text_of(client_for(member.user).get(reverse("home")))

    assert "我的信息" in page
    assert member.name in page and member.employee_no in page
    assert "第一党小组" in page and "管理人员" in page
    assert 'class="tree' not in page
    assert reverse("issue-codes") not in page
    assert reverse("admin:index") not in page


def test_a_secretary_sees_his_branch_but_not_the_other(org_tree):
    page = text_of(client_for(org_tree["secretary_a"].user).get(reverse("home")))

    assert "我负责的组织" in page
    assert 'data-unit="B1"' in page and 'data-unit="G1"' in page
    assert 'data-unit="B2"' not in page and 'data-unit="C1"' not in page
    assert reverse("issue-codes") in page
    assert "我的信息" in page


def test_an_administrator_sees_the_whole_tree_with_subtree_counts(org_tree, admin_user):
    page = text_of(client_for(admin_user).get(reverse("home")))

    assert "组织架构" in page
    for code in ("C1", "B1", "G1", "B2"):
        assert f'data-unit="{code}"' in page
    committee_row = page.split('data-unit="C1"', 1)[1].split("</span>\n</span>", 1)[0]
    assert "5 人" in committee_row  # every member below the committee
    assert reverse("admin:index") in page
    assert "我的信息" not in page


def test_the_tree_costs_the_same_queries_however_many_units(org_tree, admin_user):
    client = client_for(admin_user)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("home"))
    for n in range(6):
        unit = Unit.objects.create(code=f"X{n}", name=f"新党支部{n}", kind="branch", parent=org_tree["committee"])
        MemberFactory(employee_no=f"X{n}01", unit=unit)
        MemberFactory(employee_no=f"X{n}02", unit=unit)
        unit.secretary = Member.objects.get(employee_no=f"X{n}01")
        unit.save()
    with CaptureQueriesContext(connection) as large:
        page = text_of(client.get(reverse("home")))

    assert "新党支部5" in page
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_home_page_shows_the_published_indicator_system(org_tree):
    make_system(2025, publish=True)

    page = text_of(client_for(org_tree["member_a"].user).get(reverse("home")))

    assert "2025年党员模范力指标体系" in page
    assert "绩效" in page and "信仰" in page


def test_the_home_page_says_when_no_system_is_published(org_tree):
    make_system(2025)  # a draft only

    page = text_of(client_for(org_tree["member_a"].user).get(reverse("home")))

    assert "尚未发布指标体系" in page


def test_a_secretary_sees_the_members_of_his_unit(org_tree):
    page = text_of(client_for(org_tree["secretary_a"].user).get(reverse("unit-detail", args=["B1"])))

    assert org_tree["member_a"].name in page
    assert "第一党小组" in page  # the unit below
    assert org_tree["member_b"].name not in page


def test_a_secretary_gets_404_for_a_unit_outside_his_scope(org_tree):
    client = client_for(org_tree["secretary_a"].user)

    assert client.get(reverse("unit-detail", args=["B2"])).status_code == 404
    assert client.get(reverse("unit-detail", args=["C1"])).status_code == 404
    assert client.get(reverse("unit-detail", args=["NOPE"])).status_code == 404


def test_a_member_cannot_open_unit_pages(org_tree):
    client = client_for(org_tree["member_a"].user)

    assert client.get(reverse("unit-detail", args=["B1"])).status_code == 404


def test_a_member_cannot_open_the_issue_codes_page(org_tree):
    client = client_for(org_tree["member_a"].user)

    assert client.get(reverse("issue-codes")).status_code == 404
    assert client.post(reverse("issue-codes"), {"unit": "B1"}).status_code == 404
    assert not ActivationCode.objects.exists()


def test_a_secretary_downloads_the_code_sheet_of_his_branch(org_tree):
    client = client_for(org_tree["secretary_a"].user)

    response = client.post(reverse("issue-codes"), {"unit": "B1"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.content)).worksheets[0]
    assert "http://testserver/activate/" in sheet["A2"].value
    numbers = {row[0] for row in sheet.iter_rows(min_row=4, values_only=True)}
    assert numbers == {"1001", "1002", "1003"}
    assert ActivationCode.objects.filter(member__employee_no__in=numbers).count() == 3


def test_a_secretary_cannot_issue_codes_for_another_branch(org_tree):
    client = client_for(org_tree["secretary_a"].user)

    assert client.post(reverse("issue-codes"), {"unit": "B2"}).status_code == 404
    assert client.get(reverse("issue-codes"), {"unit": "C1"}).status_code == 404
    assert not ActivationCode.objects.exists()


def test_the_issue_page_offers_only_units_in_scope(org_tree):
    page = text_of(client_for(org_tree["secretary_a"].user).get(reverse("issue-codes")))

    assert 'value="B1"' in page and 'value="G1"' in page
    assert 'value="B2"' not in page and 'value="C1"' not in page


def test_issuing_for_a_unit_where_everyone_is_active_says_so(org_tree, admin_user):
    user = org_tree["member_group_a"].user
    user.set_password(PASSWORD)
    user.save()

    response = client_for(admin_user).post(reverse("issue-codes"), {"unit": "G1"}, follow=True)

    assert "没有需要激活的成员" in text_of(response)
    assert not ActivationCode.objects.exists()


def test_activation_page_logs_the_member_in_and_goes_home(org_tree, admin_user):
    [(_member, code)] = issue_activation_codes(unit=org_tree["group_a"], issued_by=admin_user)
    client = Client()

    response = client.post(
        reverse("activate"),
        {"employee_no": "1003", "code": code.lower(), "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("home")
    assert "账号已激活" in text_of(response)
    assert "我的信息" in text_of(response)


def test_activation_page_shows_the_validator_message_for_a_weak_password(org_tree, admin_user):
    [(_member, code)] = issue_activation_codes(unit=org_tree["group_a"], issued_by=admin_user)

    response = Client().post(
        reverse("activate"), {"employee_no": "1003", "code": code, "password1": "1234", "password2": "1234"}
    )

    assert response.status_code == 200
    with translation.override("zh-hans"), pytest.raises(ValidationError) as expected:
        password_validation.validate_password("1234", org_tree["member_group_a"].user)
    for message in expected.value.messages:
        assert escape(message) in text_of(response)


def test_activation_page_refuses_a_wrong_code(org_tree, admin_user):
    issue_activation_codes(unit=org_tree["group_a"], issued_by=admin_user)

    response = Client().post(
        reverse("activate"), {"employee_no": "1003", "code": "ZZZZZZZZ", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert "工号或激活码不正确" in text_of(response)
    assert "_auth_user_id" not in response.client.session


def test_activation_page_refuses_passwords_that_differ(org_tree, admin_user):
    [(_member, code)] = issue_activation_codes(unit=org_tree["group_a"], issued_by=admin_user)

    response = Client().post(
        reverse("activate"), {"employee_no": "1003", "code": code, "password1": PASSWORD, "password2": PASSWORD + "x"}
    )

    assert "两次输入的密码不一致" in text_of(response)
    assert ActivationCode.objects.get().used_at is None


@pytest.mark.parametrize("role", ["member", "secretary", "admin"])
def test_every_page_has_the_language_switcher_and_a_logout_form(org_tree, admin_user, role):
    user = {"member": org_tree["member_a"].user, "secretary": org_tree["secretary_a"].user, "admin": admin_user}[role]

    page = text_of(client_for(user).get(reverse("home")))

    assert f'action="{reverse("set_language")}"' in page
    assert f'<form class="logout" action="{reverse("logout")}" method="post">' in page
    assert 'name="viewport"' in page
