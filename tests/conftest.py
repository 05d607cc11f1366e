from typing import cast

import pytest
from django.test import Client
from django.utils import translation

from org.models import Member, Unit
from tests.factories import MemberFactory, UnitFactory, make_admin


def pytest_make_parametrize_id(config, val, argname):
    # A workbook built at collection time carries its build time in the zip headers; an id made of
    # those bytes differs between pytest-xdist workers, which then refuse to run the collection.
    if isinstance(val, bytes | bytearray):
        return f"{argname}-{len(val)}b"
    return None


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Pages render {% static %}; the manifest storage would need collectstatic before every test run.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _default_language():
    # A request in English leaves English active in the thread; the next test starts in Chinese.
    yield
    translation.deactivate()


@pytest.fixture
def org_tree(db):
    """A 党委 with two 党支部 (one with a 党小组), a secretary each, and members."""
    committee = cast(Unit, UnitFactory(code="C1", name="公司党委", kind="committee", parent=None))
    branch_a = cast(Unit, UnitFactory(code="B1", name="第一党支部", kind="branch", parent=committee))
    group_a = cast(Unit, UnitFactory(code="G1", name="第一党小组", kind="group", parent=branch_a))
    branch_b = cast(Unit, UnitFactory(code="B2", name="第二党支部", kind="branch", parent=committee))
    secretary_a = cast(Member, MemberFactory(employee_no="1001", unit=branch_a))
    secretary_b = cast(Member, MemberFactory(employee_no="2001", unit=branch_b))
    branch_a.secretary = secretary_a
    branch_a.save()
    branch_b.secretary = secretary_b
    branch_b.save()
    return {
        "committee": committee,
        "branch_a": branch_a,
        "group_a": group_a,
        "branch_b": branch_b,
        "secretary_a": secretary_a,
        "secretary_b": secretary_b,
        "member_a": MemberFactory(employee_no="1002", unit=branch_a),
        "member_group_a": MemberFactory(employee_no="1003", unit=group_a),
        "member_b": MemberFactory(employee_no="2002", unit=branch_b),
    }


@pytest.fixture
def admin_user(db):
    return make_admin()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
