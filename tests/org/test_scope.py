from typing import cast

import pytest

from org.models import Member, Post
from org.scope import is_administrator, members_visible_to, posts_visible_to, role_of, units_visible_to
from tests.factories import MemberFactory, PostFactory

pytestmark = pytest.mark.django_db


def codes(queryset, field="code"):
    return set(queryset.values_list(field, flat=True))


def test_administrator_sees_every_unit_and_member(org_tree, admin_user):
    assert is_administrator(admin_user)
    assert codes(units_visible_to(admin_user)) == {"C1", "B1", "G1", "B2"}
    assert codes(members_visible_to(admin_user), "employee_no") == {"1001", "1002", "1003", "2001", "2002"}


def test_secretary_sees_his_branch_and_its_groups(org_tree):
    user = org_tree["secretary_a"].user
    assert role_of(user) == "secretary"
    assert codes(units_visible_to(user)) == {"B1", "G1"}
    assert codes(members_visible_to(user), "employee_no") == {"1001", "1002", "1003"}


def test_secretary_cannot_see_another_branch(org_tree):
    user = org_tree["secretary_a"].user
    assert not units_visible_to(user).filter(code="B2").exists()
    assert not members_visible_to(user).filter(employee_no="2002").exists()


def test_secretary_of_a_committee_sees_the_whole_tree_below_it(org_tree):
    chief = cast(Member, MemberFactory(employee_no="9001", unit=org_tree["branch_b"]))
    committee = org_tree["committee"]
    committee.secretary = chief
    committee.save()
    assert codes(units_visible_to(chief.user)) == {"C1", "B1", "G1", "B2"}
    assert codes(members_visible_to(chief.user), "employee_no") >= {"1001", "1003", "2002"}


def test_member_sees_only_himself_and_his_unit(org_tree):
    user = org_tree["member_a"].user
    assert role_of(user) == "member"
    assert codes(members_visible_to(user), "employee_no") == {"1002"}
    assert codes(units_visible_to(user)) == {"B1"}


def test_posts_follow_units_for_secretaries_and_holding_for_members(org_tree):
    PostFactory(code="PA", unit=org_tree["branch_a"])
    post_b = cast(Post, PostFactory(code="PB", unit=org_tree["branch_b"]))
    post_b.holders.add(org_tree["member_b"])
    assert codes(posts_visible_to(org_tree["secretary_a"].user)) == {"PA"}
    assert codes(posts_visible_to(org_tree["member_b"].user)) == {"PB"}
    assert codes(posts_visible_to(org_tree["member_a"].user)) == set()


def test_anonymous_user_sees_nothing(org_tree):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert role_of(anonymous) == "none"
    assert not units_visible_to(anonymous).exists()
    assert not members_visible_to(anonymous).exists()
