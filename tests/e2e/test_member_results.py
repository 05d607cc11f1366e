"""A member on his phone opens his results from the home page: the radar draws, 对标检查 shows."""

from pathlib import Path

import pytest
from django.conf import settings

from tests.e2e.conftest import PHONE, log_in
from tests.reports.test_member_results import build_results

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Hongqi-2025-piao"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_a_member_on_his_phone_sees_his_six_angle_profile(live_server, phone_page, org_tree, tmp_path):
    echarts = Path(settings.BASE_DIR) / "static" / "vendor" / "echarts" / "echarts.min.js"
    if not echarts.is_file():
        pytest.skip("ECharts is not vendored yet (make assets copies it from node_modules)")
    build_results(org_tree)
    member = org_tree["member_a"]
    member.user.set_password(PASSWORD)
    member.user.save()

    log_in(phone_page, live_server, "1002", PASSWORD)
    phone_page.click(".results-home >> text=查看我的六维画像")
    phone_page.wait_for_url(f"{live_server.url}/results/2025/")

    phone_page.wait_for_selector("#member-radar svg")
    size = phone_page.locator("#member-radar svg").bounding_box()
    assert size is not None and size["width"] > 200 and size["height"] > 200
    assert size["width"] <= PHONE["width"]
    assert phone_page.locator("#member-radar svg text", has_text="信仰").count() >= 1
    assert phone_page.locator("#member-radar svg text", has_text="去年同期").count() >= 1  # the legend
    check = phone_page.locator("#self-check")
    check.scroll_into_view_if_needed()
    assert check.is_visible()
    assert "对标检查" in check.inner_text()
    # Tables scroll inside their cards: the page itself is never wider than the phone.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    shot = Path(tmp_path) / "member-results-phone.png"
    phone_page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == PNG_SIGNATURE
