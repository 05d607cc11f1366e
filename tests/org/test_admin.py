from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from indicators.models import Indicator, PostTarget
from indicators.services.catalogue import load_catalogue
from org.models import ActivationCode, Member, Post
from tests.conftest import client_for
from tests.factories import make_system


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def filled(org_tree, admin_user):
    """One row of every model this project registers, so each change page has something to open."""
    make_system(2024, publish=True)
    system = load_catalogue(year=2025)
    post = Post.objects.create(code="P-MODEL", name="精品岗位", unit=org_tree["branch_a"], is_model=True)
    post.holders.add(org_tree["member_a"])
    kpi = Indicator.objects.get(system=system, code="perf_task_completion")
    PostTarget.objects.create(post=post, indicator=kpi, period="2025-Q1", floor=60, target=100)
    ActivationCode.objects.create(
        member=org_tree["member_a"], code_hash="!", issued_by=admin_user, expires_at=timezone.now() + timedelta(days=1)
    )
    return org_tree


def test_every_registered_admin_page_opens_for_a_superuser(filled, admin_user):
    client = client_for(admin_user)
    request = RequestFactory().get("/")
    request.user = admin_user
    opened = []
    for model, model_admin in admin.site._registry.items():
        assert client.get(admin_url(model, "changelist")).status_code == 200, model
        if model_admin.search_fields:
            assert client.get(admin_url(model, "changelist"), {"q": "1"}).status_code == 200, model
        add = client.get(admin_url(model, "add"))
        assert add.status_code == (200 if model_admin.has_add_permission(request) else 403), model
        obj = model._default_manager.first()
        if obj is not None:
            assert client.get(admin_url(model, "change", obj.pk)).status_code == 200, model
            opened.append(model._meta.model_name)
    assert {"unit", "member", "post", "activationcode", "indicatorsystem", "indicator", "posttarget"} <= set(opened)


def test_unit_changelist_indents_the_tree_and_counts_members(org_tree, admin_user):
    response = client_for(admin_user).get(admin_url(org_tree["committee"], "changelist"))
    assert response.status_code == 200
    units = list(response.context["cl"].result_list)
    assert [u.code for u in units] == ["C1", "B1", "G1", "B2"]
    by_code = {u.code: u for u in units}
    # C1 has no members of its own but five in its subtree; B1 has two, plus one in its group.
    assert (by_code["C1"].direct_count, by_code["C1"].subtree_count) == (0, 5)
    assert (by_code["B1"].direct_count, by_code["B1"].subtree_count) == (2, 3)
    assert 'padding-left: 3.0em">第一党小组' in response.content.decode()


def test_member_search_finds_by_employee_number(org_tree, admin_user):
    response = client_for(admin_user).get(admin_url(Member, "changelist"), {"q": "2002"})
    assert [m.employee_no for m in response.context["cl"].result_list] == ["2002"]


def test_reset_action_locks_the_account_and_shows_a_fresh_code(org_tree, admin_user):
    pytest.importorskip("org.services.activation")
    member = org_tree["member_a"]
    member.user.set_password("old-password-123")
    member.user.save()
    response = client_for(admin_user).post(
        admin_url(Member, "changelist"), {"action": "reset_and_issue_code", "_selected_action": [member.pk]}
    )
    assert response.status_code == 302
    member.user.refresh_from_db()
    assert not member.user.has_usable_password()
    assert ActivationCode.objects.filter(member=member, used_at__isnull=True).count() == 1
    shown = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert f"（{member.employee_no}）：" in shown


def test_activation_codes_cannot_be_added_or_changed_in_the_admin(filled, admin_user):
    client = client_for(admin_user)
    code = ActivationCode.objects.get()
    assert client.get(admin_url(ActivationCode, "add")).status_code == 403
    response = client.post(admin_url(ActivationCode, "change", code.pk), {"used_at": "2020-01-01 00:00"})
    assert response.status_code == 403
    code.refresh_from_db()
    assert code.used_at is None
