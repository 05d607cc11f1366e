from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from indicators.models import AhpJudgement, CategoryWeight, Indicator, IndicatorSystem
from indicators.services.ahp import apply_ahp
from org.models import Member, MemberCategory, Post, Unit
from org.scope import members_visible_to, role_of
from org.services.demo import demo_plan
from reports.services.demo import run_demo


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # The demo hashes a handful of passwords per run; the default PBKDF2 rounds would only slow tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def counts() -> dict[str, int]:
    through = Post.holders.through
    return {
        "units": Unit.objects.count(),
        "members": Member.objects.count(),
        "posts": Post.objects.count(),
        "holders": through.objects.count(),
        "users": get_user_model().objects.count(),
        "systems": IndicatorSystem.objects.count(),
    }


def test_demo_builds_the_organisation_with_the_expected_shape(db):
    run_demo()
    kinds = {
        kind: Unit.objects.filter(kind=kind).count() for kind in ("committee", "general_branch", "branch", "group")
    }
    assert kinds == {"committee": 1, "general_branch": 2, "branch": 6, "group": 4}
    assert Member.objects.count() == 120
    assert set(Member.objects.values_list("category__code", flat=True)) == {"management", "technical", "frontline"}
    assert Post.objects.filter(is_model=True).count() == 12
    for branch in Unit.objects.filter(kind="branch"):
        assert branch.secretary is not None
        assert branch.secretary.unit_id == branch.pk
        assert Post.objects.filter(unit=branch, is_model=True).count() == 2
        assert Member.objects.filter(unit__path__startswith=branch.path).count() == 20
    assert not Post.objects.filter(holders__isnull=True).exists()
    assert Member.objects.filter(user__isnull=True).count() == 0


def test_demo_plan_is_the_same_for_the_same_seed_and_differs_for_another():
    assert demo_plan(seed=7) == demo_plan(seed=7)
    assert [m.name for m in demo_plan(seed=7).members] != [m.name for m in demo_plan(seed=8).members]


def test_demo_publishes_the_2024_and_2025_systems_and_drafts_2026(db):
    run_demo()
    statuses = dict(IndicatorSystem.objects.values_list("year", "status"))
    assert statuses == {2024: "published", 2025: "published", 2026: "draft"}
    draft = IndicatorSystem.objects.get(year=2026)
    assert draft.cloned_from == IndicatorSystem.objects.get(year=2025)
    assert sorted(Indicator.objects.filter(system=draft).values_list("code", "weight")) == sorted(
        Indicator.objects.filter(system__year=2025).values_list("code", "weight")
    )


def test_an_administrator_derives_a_categorys_weights_by_ahp_into_the_2026_draft_and_the_demo_keeps_them(db):
    run_demo()
    draft = IndicatorSystem.objects.get(year=2026)
    ratios = [3, 3, 1, 1, 1, 1]  # 绩效 and 执行 three times as important as each of the others
    matrix = [[a / b for b in ratios] for a in ratios]

    apply_ahp(system=draft, category=MemberCategory.objects.get(code="frontline"), matrix=matrix, user=None)
    run_demo()

    weights = CategoryWeight.objects.filter(system=draft, category__code="frontline").order_by("dimension__order")
    assert list(weights.values_list("weight", flat=True)) == [0.3, 0.3, 0.1, 0.1, 0.1, 0.1]
    assert AhpJudgement.objects.filter(system=draft).count() == 1


def test_running_the_demo_twice_changes_no_counts(db):
    run_demo()
    first = counts()
    secretaries = dict(Unit.objects.values_list("code", "secretary__employee_no"))
    run_demo()
    assert counts() == first
    assert dict(Unit.objects.values_list("code", "secretary__employee_no")) == secretaries


def test_reset_rebuilds_the_same_organisation(db):
    run_demo()
    first = counts()
    names = dict(Member.objects.values_list("employee_no", "name"))
    run_demo(reset=True)
    assert counts() == first
    assert dict(Member.objects.values_list("employee_no", "name")) == names


def test_the_printed_logins_authenticate_with_their_roles(db):
    out = StringIO()
    call_command("demo", "--force", stdout=out)
    printed = out.getvalue()
    context = run_demo()
    roles = {}
    for login in context.logins:
        assert login.username in printed and login.password in printed
        user = authenticate(username=login.username, password=login.password)
        assert user is not None, login.username
        roles[role_of(user)] = user
    assert set(roles) == {"admin", "secretary", "member"}
    secretary_sees = members_visible_to(roles["secretary"])
    assert secretary_sees.count() == 20
    assert list(members_visible_to(roles["member"])) == [roles["member"].member]


def test_demo_refuses_without_debug_unless_forced(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo", stdout=StringIO())
    assert not Unit.objects.exists()
    call_command("demo", "--force", stdout=StringIO())
    assert Unit.objects.filter(kind="committee").count() == 1


def test_demo_runs_without_force_when_debug_is_on(db, settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("demo", stdout=out)
    assert "demo-admin-2025" in out.getvalue()
