"""A branch secretary opens his comparison dashboard, exports the workbook and downloads it."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import log_in
from tests.reports.score_data import score_two_years

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Zhibu-2025-duibi"


def test_a_secretary_exports_his_branchs_comparison_and_downloads_it(live_server, page, org_tree, tmp_path, settings):
    if not (Path(settings.BASE_DIR) / "static" / "vendor" / "echarts" / "echarts.min.js").is_file():
        pytest.skip("ECharts is not vendored yet (make assets copies it from node_modules)")
    settings.MEDIA_ROOT = tmp_path / "media"
    score_two_years(org_tree)
    secretary = org_tree["secretary_a"]
    secretary.user.set_password(PASSWORD)
    secretary.user.save()

    log_in(page, live_server, "1001", PASSWORD)
    page.click("nav.mainnav >> text=支部对比")
    page.wait_for_url(f"{live_server.url}/reports/dashboard/")
    assert "第一党支部" in page.locator("h1").inner_text()
    page.wait_for_selector("#dashboard-radar svg")
    page.wait_for_selector("#dashboard-bars svg")
    rows = page.locator("#dashboard-members tbody tr")
    assert rows.count() == 3
    assert rows.first.get_attribute("data-employee-no") == "1001"  # the biggest mover on top
    assert "↑" in rows.first.locator("td[data-key=delta]").inner_text()

    page.click("#dashboard-export")
    page.wait_for_selector("#job-result-link:visible")
    assert "已完成" in page.locator("#job-status").inner_text()
    with page.expect_download() as download_info:
        page.click("#job-result-link")
    download = download_info.value
    assert download.suggested_filename.endswith("2025_对比_2024.xlsx")
    saved = tmp_path / "report.xlsx"
    download.save_as(saved)
    book = load_workbook(io.BytesIO(saved.read_bytes()))
    assert book.sheetnames == ["说明", "汇总", "成员", "维度明细", "精品岗位"]
    assert {row[0] for row in book["成员"].iter_rows(min_row=4, values_only=True)} == {"1001", "1002", "1003"}
