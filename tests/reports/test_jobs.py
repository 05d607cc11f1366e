"""Background jobs: the lifecycle, progress on the Job row, both task backends, the API and the page."""

import logging

import pytest
from django.core.management import call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from common.errors import DomainError
from reports.models import Job, JobStatus, ScoreRun
from reports.services import jobs
from reports.services.jobs import FAILED_UNEXPECTEDLY, execute_job, register_job_kind, start_job
from reports.tasks import run_job
from tests.conftest import client_for
from tests.factories import make_system
from tests.reports.score_data import build_answers

pytestmark = pytest.mark.django_db

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def calls(monkeypatch):
    """Fake kinds for the lifecycle: each records what it saw of its own Job row while it ran."""
    seen: list[tuple[str, float, str]] = []

    def row() -> tuple[str, float, str]:
        return Job.objects.values_list("status", "progress", "message").get()

    def ok(parameters, user, progress):
        seen.append(row())
        return {"doubled": parameters["n"] * 2, "user": user.username if user else None}

    def stepping(parameters, user, progress):
        for step in range(1, parameters["steps"] + 1):
            progress(step / 100, f"第 {step} 步")
            seen.append(row())
        return {}

    def refused(parameters, user, progress):
        progress(0.4, "读取数据")
        raise DomainError("期间 2025 没有数据 (nothing to do)")

    def broken(parameters, user, progress):
        raise KeyError("secret internal detail")

    def unstorable(parameters, user, progress):
        return {"when": object()}

    monkeypatch.setattr(jobs, "_KINDS", dict(jobs._KINDS))
    register_job_kind(kind="unstorable", label="unstorable", handler=unstorable)
    # Anyone may start it: these tests follow a job its starter, a member, may see.
    register_job_kind(kind="ok", label="ok", handler=ok, may_start=lambda user: True)
    register_job_kind(kind="stepping", label="stepping", handler=stepping)
    register_job_kind(kind="refused", label="refused", handler=refused)
    register_job_kind(kind="broken", label="broken", handler=broken)
    return seen


# ── lifecycle ────────────────────────────────────────────────────────────────────────────────────


def test_a_job_goes_from_queued_through_running_to_succeeded_with_its_result(calls, settings, admin_user):
    settings.TASKS = DUMMY_TASKS  # enqueued, not run: a worker would take it later
    job = start_job(kind="ok", parameters={"n": 21}, user=admin_user)
    assert (job.status, job.started_at, job.user) == (JobStatus.QUEUED, None, admin_user)
    assert job.task_id

    assert run_job.call(job.pk) == "succeeded"

    assert calls == [("running", 0.0, "")]
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {"doubled": 42, "user": "admin"}
    assert job.progress == 1.0
    assert job.started_at is not None and job.finished_at is not None


def test_with_the_immediate_backend_the_job_has_finished_when_start_job_returns(calls, admin_user):
    job = start_job(kind="ok", parameters={"n": 1}, user=admin_user)
    assert job.status == JobStatus.SUCCEEDED
    assert job.result["doubled"] == 2


def test_a_domain_error_fails_the_job_with_its_message(calls, admin_user):
    job = start_job(kind="refused", parameters={}, user=admin_user)
    assert job.status == JobStatus.FAILED
    assert job.message == "期间 2025 没有数据 (nothing to do)"
    assert job.progress == pytest.approx(0.4)
    assert job.result == {}


def test_an_unexpected_error_fails_the_job_with_a_generic_message_and_is_logged(calls, admin_user, caplog):
    with caplog.at_level(logging.ERROR, logger="reports.services.jobs"):
        job = start_job(kind="broken", parameters={}, user=admin_user)
    assert job.status == JobStatus.FAILED
    assert job.message == FAILED_UNEXPECTEDLY
    assert "secret internal detail" not in job.message
    assert any("secret internal detail" in (r.exc_text or "") for r in caplog.records)


def test_a_result_that_cannot_be_stored_fails_the_job_instead_of_leaving_it_running(calls, admin_user):
    job = start_job(kind="unstorable", parameters={}, user=admin_user)
    assert (job.status, job.message, job.result) == (JobStatus.FAILED, FAILED_UNEXPECTEDLY, {})


def test_a_job_that_is_no_longer_queued_is_not_run_again(calls, admin_user):
    job = start_job(kind="ok", parameters={"n": 1}, user=admin_user)
    assert execute_job(job_id=job.pk) == "succeeded"
    assert len(calls) == 1


def test_an_unknown_kind_is_refused_and_nothing_is_written(admin_user):
    with pytest.raises(DomainError, match="nope"):
        start_job(kind="nope", parameters={}, user=admin_user)
    assert not Job.objects.exists()


# ── progress ─────────────────────────────────────────────────────────────────────────────────────


def test_progress_is_written_to_the_job_row_in_steps_of_five_percent(calls, admin_user, monkeypatch):
    monkeypatch.setattr(jobs, "monotonic", lambda: 100.0)  # the clock stands still: only the step counts
    job = start_job(kind="stepping", parameters={"steps": 20}, user=admin_user)
    written = sorted({(progress, message) for _status, progress, message in calls})
    assert written == [
        (pytest.approx(0.01), "第 1 步"),
        (pytest.approx(0.06), "第 6 步"),
        (pytest.approx(0.11), "第 11 步"),
        (pytest.approx(0.16), "第 16 步"),
    ]
    assert {status for status, _progress, _message in calls} == {"running"}
    job.refresh_from_db()
    assert (job.progress, job.message) == (1.0, "第 20 步")


def test_progress_is_written_when_half_a_second_has_passed_whatever_the_step(calls, admin_user, monkeypatch):
    ticks = iter(range(1000))
    monkeypatch.setattr(jobs, "monotonic", lambda: next(ticks) * 0.5)
    start_job(kind="stepping", parameters={"steps": 4}, user=admin_user)
    assert [progress for _status, progress, _message in calls] == pytest.approx([0.01, 0.02, 0.03, 0.04])


# ── compute_scores as a job ──────────────────────────────────────────────────────────────────────


def test_a_compute_job_scores_the_period_and_links_to_the_scores(org_tree, admin_user):
    build_answers(org_tree)
    job = start_job(kind="compute_scores", parameters={"period": "2025"}, user=admin_user)
    assert job.status == JobStatus.SUCCEEDED, job.message
    run = ScoreRun.objects.get(period="2025", is_current=True)
    assert job.result == {
        "run": run.pk, "period": "2025", "provisional": False, "cards": 5, "with_total": 5,
        "url": "/api/v1/scores/?period=2025",
    }  # fmt: skip
    assert run.started_by == admin_user
    assert job.parameters == {"period": "2025", "preview": False}


def test_a_compute_job_for_a_draft_system_fails_with_the_reason(org_tree, admin_user):
    make_system(2025)
    job = start_job(kind="compute_scores", parameters={"period": "2025"}, user=admin_user)
    assert job.status == JobStatus.FAILED
    assert "--preview" in job.message
    assert not ScoreRun.objects.exists()


@pytest.mark.parametrize(
    "parameters", [{}, {"period": "2025-Q7"}, {"period": "2025", "preview": "yes"}], ids=["none", "bad", "preview"]
)
def test_compute_parameters_are_checked_before_a_job_is_written(admin_user, parameters):
    with pytest.raises(DomainError):
        start_job(kind="compute_scores", parameters=parameters, user=admin_user)
    assert not Job.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_with_the_database_backend_a_worker_runs_the_queued_job(org_tree, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    build_answers(org_tree)
    job = start_job(kind="compute_scores", parameters={"period": "2025", "preview": True}, user=None)
    assert job.status == JobStatus.QUEUED
    assert DBTaskResult.objects.filter(pk=job.task_id).exists()

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.result["provisional"] is True
    assert ScoreRun.objects.get(pk=job.result["run"]).is_current


# ── the jobs API ─────────────────────────────────────────────────────────────────────────────────


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_an_administrator_starts_a_compute_job_through_the_api(org_tree, admin_user):
    build_answers(org_tree)
    response = api_for(admin_user).post(
        "/api/v1/jobs/", {"kind": "compute_scores", "parameters": {"period": "2025", "preview": False}}, format="json"
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["kind"], body["status"], body["progress"]) == ("compute_scores", "succeeded", 1.0)
    assert body["result"]["cards"] == 5
    assert body["result_url"] == "/api/v1/scores/?period=2025"
    assert body["page_url"] == f"/reports/jobs/{body['id']}/"
    detail = api_for(admin_user).get(f"/api/v1/jobs/{body['id']}/")
    assert detail.status_code == 200
    assert set(detail.json()) >= {"status", "progress", "message", "result"}


def test_a_bad_job_request_is_a_400_with_the_reason(admin_user):
    client = api_for(admin_user)
    bad_period = client.post(
        "/api/v1/jobs/", {"kind": "compute_scores", "parameters": {"period": "20x5"}}, format="json"
    )
    assert bad_period.status_code == 400
    assert "20x5" in bad_period.json()["detail"]
    assert client.post("/api/v1/jobs/", {"kind": "nope"}, format="json").status_code == 400
    assert not Job.objects.exists()


def test_a_file_a_job_made_is_kept_with_the_job_and_its_temporary_copy_goes(calls, org_tree, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    produced = tmp_path / "made.xlsx"

    def making(parameters, user, progress):
        produced.write_bytes(b"PK-not-really")
        return {"filename": "报告.xlsx", jobs.FILE_RESULT: {"path": str(produced), "name": "报告.xlsx"}}

    register_job_kind(kind="making", label="making", handler=making)
    job = start_job(kind="making", parameters={}, user=None)
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {"filename": "报告.xlsx"}
    assert job.result_file.read() == b"PK-not-really"
    assert not produced.exists()
    assert jobs.result_url(job) == f"/reports/jobs/{job.pk}/download/"


def test_only_administrators_start_jobs(org_tree):
    response = api_for(org_tree["secretary_a"].user).post(
        "/api/v1/jobs/", {"kind": "compute_scores", "parameters": {"period": "2025"}}, format="json"
    )
    assert response.status_code == 403
    assert not Job.objects.exists()


def test_a_job_is_seen_by_whoever_started_it_and_by_administrators_only(calls, org_tree, admin_user):
    job = start_job(kind="ok", parameters={"n": 1}, user=org_tree["member_a"].user)
    assert api_for(org_tree["member_a"].user).get(f"/api/v1/jobs/{job.pk}/").status_code == 200
    assert api_for(admin_user).get(f"/api/v1/jobs/{job.pk}/").status_code == 200
    assert api_for(org_tree["secretary_a"].user).get(f"/api/v1/jobs/{job.pk}/").status_code == 404


# ── the job page ─────────────────────────────────────────────────────────────────────────────────


def test_the_job_page_of_a_running_job_polls_and_refreshes_without_javascript(calls, settings, org_tree):
    settings.TASKS = DUMMY_TASKS
    job = start_job(kind="ok", parameters={"n": 1}, user=org_tree["member_a"].user)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, progress=0.35, message="计算得分")
    response = client_for(org_tree["member_a"].user).get(f"/reports/jobs/{job.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-valuenow="35"' in html and "width: 35%" in html
    assert "计算得分" in html
    assert '<meta http-equiv="refresh"' in html
    assert f'data-url="/api/v1/jobs/{job.pk}/"' in html
    assert "setTimeout(poll, 1000)" in html


def test_the_job_page_of_a_finished_job_links_to_the_result_and_stops(org_tree, admin_user):
    build_answers(org_tree)
    job = start_job(kind="compute_scores", parameters={"period": "2025"}, user=admin_user)
    html = client_for(admin_user).get(f"/reports/jobs/{job.pk}/").content.decode()
    assert 'href="/api/v1/scores/?period=2025"' in html
    assert "http-equiv" not in html
    assert "setTimeout" not in html


def test_the_job_page_is_for_its_user_and_administrators(calls, org_tree, admin_user):
    job = start_job(kind="ok", parameters={"n": 1}, user=org_tree["member_a"].user)
    url = f"/reports/jobs/{job.pk}/"
    assert client_for(org_tree["member_b"].user).get(url).status_code == 404
    assert client_for(admin_user).get(url).status_code == 200
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


# ── the admin ────────────────────────────────────────────────────────────────────────────────────


def test_the_admin_compute_page_starts_a_job_and_goes_to_its_page(org_tree, admin_user):
    build_answers(org_tree)
    client = client_for(admin_user)
    assert client.get("/admin/reports/scorerun/compute/").status_code == 200
    response = client.post("/admin/reports/scorerun/compute/", {"period": "2025"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/jobs/{job.pk}/"
    assert job.status == JobStatus.SUCCEEDED
    for page in ("scorerun", "scorecard", "job"):
        assert client.get(f"/admin/reports/{page}/").status_code == 200, page
    assert client.get(f"/admin/reports/job/{job.pk}/change/").status_code == 200


def test_the_admin_compute_page_shows_a_bad_period_on_the_form(admin_user):
    response = client_for(admin_user).post("/admin/reports/scorerun/compute/", {"period": "2025-Q9"})
    assert response.status_code == 200
    assert "2025-Q9" in response.content.decode()
    assert not Job.objects.exists()
