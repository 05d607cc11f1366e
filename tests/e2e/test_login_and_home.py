from pathlib import Path

import pytest
from django.conf import settings

from org.services.activation import issue_activation_codes
from tests.e2e.conftest import log_in
from tests.factories import make_system

# The live server reads the database from another thread, so each test commits for real; the
# migrations' rows (dimensions, categories) are put back before each test (serialized rollback).
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Hongqi-2025-piao"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def set_password(member, password=PASSWORD):
    member.user.set_password(password)
    member.user.save()


def test_a_secretary_on_a_phone_sees_his_branch_but_not_the_other(live_server, phone_page, org_tree):
    set_password(org_tree["secretary_a"])

    log_in(phone_page, live_server, "1001", PASSWORD)

    tree = phone_page.locator(".tree-card")
    assert tree.is_visible()
    assert tree.locator('[data-unit="B1"]').is_visible()
    assert tree.locator('[data-unit="G1"]').is_visible()
    assert tree.locator('[data-unit="B2"]').count() == 0
    assert "支部书记" in phone_page.locator(".topbar").inner_text()
    # Readable on a phone: nothing wider than the screen.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_member_activates_his_account_with_a_printed_code(live_server, phone_page, org_tree, admin_user, tmp_path):
    codes = {m.employee_no: c for m, c in issue_activation_codes(unit=org_tree["group_a"], issued_by=admin_user)}

    phone_page.goto(f"{live_server.url}/login/")
    phone_page.click("text=用激活码激活我的账号")
    phone_page.fill("input[name=employee_no]", "1003")
    phone_page.fill("input[name=code]", codes["1003"].lower())
    phone_page.fill("input[name=password1]", PASSWORD)
    phone_page.fill("input[name=password2]", PASSWORD)
    phone_page.click("form.form button[type=submit]")
    phone_page.wait_for_url(f"{live_server.url}/")

    assert "账号已激活" in phone_page.locator(".messages").inner_text()
    card = phone_page.locator(".member-card").inner_text()
    assert org_tree["member_group_a"].name in card and "1003" in card
    shot = Path(tmp_path) / "home-after-activation.png"
    phone_page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 1000
    assert shot.read_bytes()[:8] == PNG_SIGNATURE


def test_a_wrong_password_keeps_the_member_on_the_login_page(live_server, page, org_tree):
    set_password(org_tree["member_a"])

    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "1002")
    page.fill("input[name=password]", "not-his-password")
    page.click("form.form button[type=submit]")

    assert "工号或密码不正确" in page.locator(".form-errors").inner_text()
    assert page.url.startswith(f"{live_server.url}/login/")


def test_the_language_switcher_turns_the_site_into_english_and_back(live_server, page, org_tree):
    set_password(org_tree["member_a"])
    log_in(page, live_server, "1002", PASSWORD)

    page.click("button[value=en]")
    page.wait_for_selector("html[lang=en]")
    assert "My details" in page.locator("main").inner_text()

    page.click("button[value=zh-hans]")
    page.wait_for_selector("html[lang=zh-hans]")
    assert "我的信息" in page.locator("main").inner_text()


def test_logging_out_returns_to_the_login_page(live_server, page, org_tree):
    set_password(org_tree["member_a"])
    log_in(page, live_server, "1002", PASSWORD)

    page.click("form.logout button")

    page.wait_for_url(f"{live_server.url}/login/")
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/login/")


def test_the_indicator_page_draws_the_category_radar(live_server, page, org_tree, tmp_path):
    echarts = Path(settings.BASE_DIR) / "static" / "vendor" / "echarts" / "echarts.min.js"
    if not echarts.is_file():
        pytest.skip("ECharts is not vendored yet (make copies it from node_modules)")
    make_system(2025, publish=True, categories=["management", "frontline"])
    set_password(org_tree["member_a"])
    log_in(page, live_server, "1002", PASSWORD)

    page.click(".system-card >> text=查看详情")

    page.wait_for_selector("#category-weights-chart svg")
    assert page.locator("#category-weights-chart svg text", has_text="信仰").count() >= 1
    shot = Path(tmp_path) / "indicators.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == PNG_SIGNATURE
