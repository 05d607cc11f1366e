"""Background jobs: long work a user starts, run by the Tasks framework, followed through a `Job` row
(DESIGN.md "Background work and progress").

`start_job` writes the Job row and enqueues `reports.tasks.run_job(job_id)`; `execute_job` (what
that task calls) claims the row, runs the kind's handler with a progress callback, and records the
outcome. A handler is a plain function `(parameters, user, progress) -> result dict`; each kind
registers one with `register_job_kind` in this module, so that a worker importing `reports.tasks`
knows every kind.

Which backend runs the task is settings, not code:

- The default immediate backend runs the job inside `start_job`: the job has finished when the
  request that started it returns. Nothing else has to run.
- In production set `TASKS_BACKEND=django_tasks_db.DatabaseBackend` (the queue is a table in
  PostgreSQL) and keep workers running, on any number of machines::

      python manage.py db_worker

  `start_job` then returns at once with the job queued; the page polls the row while a worker runs it.

Progress is written with `UPDATE … WHERE id = …` on the progress columns only, throttled, and outside
any transaction the handler opens, so other connections see it while the job runs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from time import monotonic
from typing import Any

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from common.errors import DomainError
from indicators.periods import Period
from reports.models import Job, JobStatus
from reports.services.scoring import compute_scores

logger = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
Handler = Callable[[dict[str, Any], Any, Progress], dict[str, Any]]
Cleaner = Callable[[dict[str, Any]], dict[str, Any]]

# A progress update is written when this long has passed since the last write, or the fraction has
# moved this much: enough for a page that polls every second, without a write per row of work.
PROGRESS_INTERVAL_SECONDS = 0.5
PROGRESS_STEP = 0.05
FAILED_UNEXPECTEDLY = "任务意外失败，错误已记录，请联系管理员 (the job failed unexpectedly; the error was logged)"


@dataclass(frozen=True)
class JobKind:
    kind: str
    label: StrOrPromise
    handler: Handler
    clean: Cleaner


_KINDS: dict[str, JobKind] = {}


def register_job_kind(*, kind: str, label: StrOrPromise, handler: Handler, clean: Cleaner | None = None) -> None:
    """Make `kind` startable. `clean` checks and normalises the parameters (raising DomainError)
    before anything is written, so a bad request never leaves a failed job behind."""
    _KINDS[kind] = JobKind(kind=kind, label=label, handler=handler, clean=clean or dict)


def job_kinds() -> list[JobKind]:
    return list(_KINDS.values())


def _kind(kind: str) -> JobKind:
    try:
        return _KINDS[kind]
    except KeyError:
        raise DomainError(f"未知的任务类型 “{kind}” (unknown job kind)") from None


def start_job(*, kind: str, parameters: dict[str, Any], user: Any) -> Job:
    """Create the job and hand it to the task queue. Returns the row as it stands after enqueueing:
    finished with the immediate backend, queued with a worker backend."""
    # Imported here: the task module imports this one to run the job.
    from reports.tasks import run_job

    entry = _kind(kind)
    cleaned = entry.clean(dict(parameters or {}))
    job = Job.objects.create(kind=kind, parameters=cleaned, user=user if getattr(user, "pk", None) else None)
    try:
        task_result = run_job.enqueue(job.pk)
    except Exception:
        logger.exception("Could not enqueue job %s", job.pk)
        _finish(job.pk, status=JobStatus.FAILED, message="无法加入任务队列 (the job could not be queued)")
        raise
    Job.objects.filter(pk=job.pk).update(task_id=str(task_result.id))
    job.refresh_from_db()
    return job


class JobProgress:
    """The progress callback handed to a handler: throttled writes of `progress` and `message`."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.fraction = 0.0
        self.message = ""
        self._written_fraction: float | None = None
        self._written_at = 0.0

    def __call__(self, fraction: float, message: str = "") -> None:
        self.fraction = min(max(float(fraction), 0.0), 1.0)
        if message:
            self.message = message
        now = monotonic()
        due = (
            self._written_fraction is None
            or now - self._written_at >= PROGRESS_INTERVAL_SECONDS
            or self.fraction - self._written_fraction >= PROGRESS_STEP - 1e-9  # 0.06 - 0.01 < 0.05 in floats
        )
        if due:
            Job.objects.filter(pk=self.job_id).update(progress=self.fraction, message=self.message)
            self._written_fraction, self._written_at = self.fraction, now


def execute_job(*, job_id: int) -> str:
    """Run a queued job to its end and record the outcome; returns the final status. A job that is
    no longer queued (already taken, or deleted) is left alone, so a retried task does no harm."""
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), progress=0.0, message=""
    )
    if not claimed:
        logger.warning("Job %s is not queued; not running it again", job_id)
        return str(Job.objects.filter(pk=job_id).values_list("status", flat=True).first() or "")
    job = Job.objects.select_related("user").get(pk=job_id)
    progress = JobProgress(job_id)
    try:
        # Inside a caller's transaction (a test, an atomic request), a savepoint keeps a failed job
        # from breaking it, so the failure can still be recorded. Outside one, no transaction here:
        # the handler's progress updates must reach other connections while it runs.
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            result = _kind(job.kind).handler(dict(job.parameters), job.user, progress)
    except DomainError as exc:
        _finish(job_id, status=JobStatus.FAILED, message=exc.message, progress=progress.fraction)
        return JobStatus.FAILED.value
    except Exception:
        logger.exception("Job %s (%s) failed", job_id, job.kind)
        _finish(job_id, status=JobStatus.FAILED, message=FAILED_UNEXPECTEDLY, progress=progress.fraction)
        return JobStatus.FAILED.value
    try:
        json.dumps(result)
    except (TypeError, ValueError):  # checked first: a failed UPDATE would leave the job "running" for ever
        logger.exception("Job %s (%s) returned a result that cannot be stored", job_id, job.kind)
        _finish(job_id, status=JobStatus.FAILED, message=FAILED_UNEXPECTEDLY, progress=1.0)
        return JobStatus.FAILED.value
    _finish(job_id, status=JobStatus.SUCCEEDED, message=progress.message or "完成 (done)", progress=1.0, result=result)
    return JobStatus.SUCCEEDED.value


def _finish(
    job_id: int, *, status: str, message: str, progress: float = 0.0, result: dict[str, Any] | None = None
) -> None:
    changes: dict[str, Any] = {
        "status": status,
        "message": message,
        "progress": progress,
        "finished_at": timezone.now(),
    }
    if result is not None:
        changes["result"] = result
    Job.objects.filter(pk=job_id).update(**changes)


def result_url(job: Job) -> str | None:
    """Where the outcome of a finished job is seen: its file, else the link its handler left."""
    if job.status != JobStatus.SUCCEEDED:
        return None
    if job.result_file:
        return str(job.result_file.url)
    url = (job.result or {}).get("url")
    return str(url) if url else None


# ── kinds ────────────────────────────────────────────────────────────────────────────────────────


def clean_compute_scores(parameters: dict[str, Any]) -> dict[str, Any]:
    try:
        period = Period.parse(parameters.get("period"))
    except ValueError as exc:
        raise DomainError(str(exc)) from None
    preview = parameters.get("preview", False)
    if not isinstance(preview, bool):
        raise DomainError("preview 应为 true 或 false (preview must be true or false)")
    return {"period": period.code, "preview": preview}


def _compute_scores(parameters: dict[str, Any], user: Any, progress: Progress) -> dict[str, Any]:
    run = compute_scores(period=parameters["period"], preview=parameters["preview"], user=user, progress=progress)
    query = {"period": run.period, **({"provisional": "true"} if run.provisional else {})}
    return {
        "run": run.pk,
        "period": run.period,
        "provisional": run.provisional,
        "cards": int(run.counts.get("cards", 0)),
        "with_total": int(run.counts.get("with_total", 0)),
        "url": f"{reverse('score-list')}?{urlencode(query)}",
    }


register_job_kind(kind="compute_scores", label=_("计算得分"), handler=_compute_scores, clean=clean_compute_scores)
