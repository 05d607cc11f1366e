"""Tasks of the Tasks framework. The work itself lives in services; a task only carries a job's id."""

from __future__ import annotations

from django_tasks import task

from reports.services import (
    job_kinds,  # noqa: F401 - registers every kind of job
    jobs,
)


@task()
def run_job(job_id: int) -> str:
    """Run one background job (`reports.services.jobs.execute_job`); returns its final status."""
    return jobs.execute_job(job_id=job_id)
