"""Exporting the comparison workbook: the dashboard's button, the API's job, the scoped download and
`manage.py export_report`."""

import io
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook
from rest_framework.test import APIClient

from reports.models import Job, JobStatus
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT = {"period": "2025", "baseline": "2024", "unit": "B1", "threshold": "1.0", "detail": "1"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def export_from_the_dashboard(user, **changes):
    return client_for(user).post("/reports/dashboard/export/", {**EXPORT, **changes})


def test_the_export_button_makes_the_workbook_and_the_secretary_downloads_it(two_years):
    secretary = two_years["secretary_a"].user
    response = export_from_the_dashboard(secretary)
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/jobs/{job.pk}/"
    assert job.status == JobStatus.SUCCEEDED and job.user == secretary
    assert job.parameters == {"period": "2025", "baseline": "2024", "unit": "B1", "threshold": 1.0, "detail": True}
    page = client_for(secretary).get(f"/reports/jobs/{job.pk}/")
    assert f'href="/reports/jobs/{job.pk}/download/"' in page.content.decode()

    download = client_for(secretary).get(f"/reports/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == XLSX
    assert "attachment" in download["Content-Disposition"]
    assert "2025_%E5%AF%B9%E6%AF%94_2024.xlsx" in download["Content-Disposition"]  # …_2025_对比_2024.xlsx
    book = load_workbook(io.BytesIO(body(download)))
    assert book.sheetnames == ["说明", "汇总", "成员", "维度明细", "精品岗位"]
    assert book["说明"]["B3"].value == "第一党支部（B1）"


def test_the_export_without_detail_leaves_the_detail_out(two_years):
    export_from_the_dashboard(two_years["secretary_a"].user, detail="")
    job = Job.objects.get()
    assert job.parameters["detail"] is False
    book = load_workbook(
        io.BytesIO(body(client_for(two_years["secretary_a"].user).get(f"/reports/jobs/{job.pk}/download/")))
    )
    assert book["维度明细"].max_row <= 4


def test_a_secretary_cannot_download_another_branchs_workbook(two_years, admin_user):
    export_from_the_dashboard(two_years["secretary_a"].user)
    job = Job.objects.get()
    url = f"/reports/jobs/{job.pk}/download/"
    assert client_for(two_years["secretary_b"].user).get(url).status_code == 404
    assert client_for(two_years["member_a"].user).get(url).status_code == 404
    assert api_for(two_years["secretary_b"].user).get(f"/api/v1/jobs/{job.pk}/download/").status_code == 404
    assert client_for(admin_user).get(url).status_code == 200


def test_exporting_a_unit_outside_ones_scope_is_404_and_starts_nothing(two_years):
    assert export_from_the_dashboard(two_years["secretary_a"].user, unit="B2").status_code == 404
    assert export_from_the_dashboard(two_years["member_a"].user).status_code == 404
    assert not Job.objects.exists()


def test_a_secretary_exports_through_the_api_and_downloads_the_file(two_years):
    client = api_for(two_years["secretary_a"].user)
    response = client.post(
        "/api/v1/jobs/", {"kind": "export_report", "parameters": {"period": "2025", "unit": "B1"}}, format="json"
    )
    assert response.status_code == 202
    job = response.json()
    assert job["status"] == "succeeded"
    assert job["result"]["filename"].endswith("2025_对比_2024.xlsx")
    assert job["result_url"] == f"/reports/jobs/{job['id']}/download/"
    download = client.get(f"/api/v1/jobs/{job['id']}/download/")
    assert download.status_code == 200 and download["Content-Type"] == XLSX
    rows = load_workbook(io.BytesIO(body(download)))["成员"]
    assert {row[0] for row in rows.iter_rows(min_row=4, values_only=True)} == {"1001", "1002", "1003"}


def test_the_api_refuses_an_export_outside_scope_and_who_may_not_start_it(two_years):
    secretary = api_for(two_years["secretary_a"].user)
    outside = secretary.post(
        "/api/v1/jobs/", {"kind": "export_report", "parameters": {"period": "2025", "unit": "B2"}}, format="json"
    )
    assert outside.status_code == 404
    member = api_for(two_years["member_a"].user).post(
        "/api/v1/jobs/", {"kind": "export_report", "parameters": {"period": "2025"}}, format="json"
    )
    assert member.status_code == 403
    scoring = secretary.post(
        "/api/v1/jobs/", {"kind": "compute_scores", "parameters": {"period": "2025"}}, format="json"
    )
    assert scoring.status_code == 403
    bad = secretary.post(
        "/api/v1/jobs/", {"kind": "export_report", "parameters": {"period": "2025", "threshold": -1}}, format="json"
    )
    assert bad.status_code == 400 and "持平阈值" in bad.json()["detail"]
    assert not Job.objects.exists()


def test_a_period_without_official_scores_fails_the_job_with_the_reason(two_years):
    response = export_from_the_dashboard(two_years["secretary_a"].user, period="2026", baseline="2025")
    assert response.status_code == 302  # the dashboard falls back to its default period
    client = api_for(two_years["secretary_a"].user)
    job = client.post(
        "/api/v1/jobs/", {"kind": "export_report", "parameters": {"period": "2026"}}, format="json"
    ).json()
    assert job["status"] == "failed" and "2026 还没有正式计分结果" in job["message"]
    assert job["result_url"] is None


# ── the command ──────────────────────────────────────────────────────────────────────────────────


def run(*args):
    out = StringIO()
    call_command("export_report", *args, stdout=out)
    return out.getvalue()


def test_the_command_writes_the_workbook_and_says_what_is_in_it(two_years, tmp_path):
    target = tmp_path / "branch.xlsx"
    output = run("--period", "2025", "--unit", "B1", "-o", str(target))
    assert "已写入" in output and "第一党支部（B1）：2025年度 对比 2024年度" in output
    assert "成员 3 人（两期均有 3，新增 0，离开 0）" in output
    book = load_workbook(target)
    assert book.sheetnames[:3] == ["说明", "汇总", "成员"]
    assert not list(tmp_path.glob(".*partial"))


def test_the_command_takes_a_baseline_and_a_threshold(two_years, tmp_path):
    target = tmp_path / "report.xlsx"
    run("--period", "2025", "--baseline", "2025", "--threshold", "0", "--no-detail", "-o", str(target))
    notes = {a: b for a, b in load_workbook(target)["说明"].iter_rows(values_only=True) if a}
    assert notes["基期"] == "2025年度（2025，指定期间）"
    assert str(notes["持平阈值"]).startswith("0 分")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--period", "2025", "--unit", "NOPE"), "组织 NOPE 不存在"),
        (("--period", "2030"), "期间 2030 还没有正式计分结果"),
        (("--period", "20x5"), "20x5"),
        (("--period", "2025", "--threshold", "-1"), "持平阈值"),
    ],
)
def test_the_command_refuses_bad_input_and_leaves_no_file(two_years, tmp_path, args, message):
    target = tmp_path / "report.xlsx"
    with pytest.raises(CommandError, match=message):
        run(*args, "-o", str(target))
    assert not list(tmp_path.iterdir())


def test_the_command_wants_an_xlsx_file(two_years, tmp_path):
    with pytest.raises(CommandError, match=r"\.xlsx"):
        run("--period", "2025", "-o", str(tmp_path / "report.csv"))
