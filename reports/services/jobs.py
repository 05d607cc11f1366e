"""Background jobs: long work a user starts, run by the Tasks framework, followed through a `Job` row
(DESIGN.md "Background work and progress").

`start_job` writes the Job row and enqueues `reports.tasks.run_job(job_id)`; `execute_job` (what
that task calls) claims the row, runs the kind's handler with a progress callback, and records the
outcome. A handler is a plain function `(parameters, user, progress) -> result dict`; each kind
registers one with `register_job_kind` in `reports.services.job_kinds`, which `reports.tasks`
imports, so that a worker knows every kind. A kind says who may start it (administrators unless it
says otherwise) and checks the parameters against the user who asks, before anything is written.

A handler that produces a file writes it to a temporary path and returns it under `FILE_RESULT`
(`{"path": …, "name": …}`); the job keeps the file as its `result_file`, which only those who may
follow the job can download.

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
from pathlib import Path
from time import monotonic
from typing import Any

from django.core.files import File
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_stubs_ext import StrOrPromise

from common.errors import DomainError, NotAllowed
from common.text import chinese
from org.scope import is_administrator
from reports.models import Job, JobStatus

logger = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
Handler = Callable[[dict[str, Any], Any, Progress], dict[str, Any]]
Cleaner = Callable[[dict[str, Any], Any], dict[str, Any]]
MayStart = Callable[[Any], bool]

# A progress update is written when this long has passed since the last write, or the fraction has
# moved this much: enough for a page that polls every second, without a write per row of work.
PROGRESS_INTERVAL_SECONDS = 0.5
PROGRESS_STEP = 0.05
FAILED_UNEXPECTEDLY = "任务意外失败，错误已记录，请联系管理员 (the job failed unexpectedly; the error was logged)"
FILE_RESULT = "_file"


@dataclass(frozen=True)
class JobKind:
    kind: str
    label: StrOrPromise
    handler: Handler
    clean: Cleaner
    may_start: MayStart


_KINDS: dict[str, JobKind] = {}


def _parameters_as_given(parameters: dict[str, Any], user: Any) -> dict[str, Any]:
    return dict(parameters)


def register_job_kind(
    *,
    kind: str,
    label: StrOrPromise,
    handler: Handler,
    clean: Cleaner | None = None,
    may_start: MayStart = is_administrator,
) -> None:
    """Make `kind` startable by those `may_start` admits. `clean(parameters, user)` checks and
    normalises the parameters (raising DomainError) before anything is written, so a bad request
    never leaves a failed job behind."""
    _KINDS[kind] = JobKind(
        kind=kind, label=label, handler=handler, clean=clean or _parameters_as_given, may_start=may_start
    )


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
    # No user: a management command, run by whoever operates the server.
    if user is not None and not entry.may_start(user):
        raise NotAllowed(f"无权发起“{chinese(entry.label)}”任务 (you may not start this job)")
    cleaned = entry.clean(dict(parameters or {}), user)
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
    produced = result.pop(FILE_RESULT, None) if isinstance(result, dict) else None
    try:
        json.dumps(result)
        if produced is not None:
            _keep_file(job, produced)
    except (TypeError, ValueError, OSError):  # checked first: a failed UPDATE would leave the job "running" for ever
        logger.exception("Job %s (%s) returned a result that cannot be stored", job_id, job.kind)
        _finish(job_id, status=JobStatus.FAILED, message=FAILED_UNEXPECTEDLY, progress=1.0)
        return JobStatus.FAILED.value
    _finish(job_id, status=JobStatus.SUCCEEDED, message=progress.message or "完成 (done)", progress=1.0, result=result)
    return JobStatus.SUCCEEDED.value


def _keep_file(job: Job, produced: dict[str, str]) -> None:
    """Move a handler's temporary file into the job's storage; the temporary file goes either way."""
    path = Path(produced["path"])
    try:
        with path.open("rb") as source:
            job.result_file.save(produced["name"], File(source), save=False)
        Job.objects.filter(pk=job.pk).update(result_file=job.result_file.name)
    finally:
        path.unlink(missing_ok=True)


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
        return reverse("reports:job-download", args=[job.pk])
    url = (job.result or {}).get("url")
    return str(url) if url else None
