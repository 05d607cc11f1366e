"""Pages of the reports app that are not a member's results: the progress page of a background job
and the download of the file it made."""

from __future__ import annotations

import mimetypes

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from reports.models import Job, JobStatus
from reports.selectors.jobs import jobs_visible_to
from reports.services.jobs import result_url

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Without JavaScript the page reloads itself this often while the job runs.
REFRESH_SECONDS = 2


@login_required
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(jobs_visible_to(request.user), pk=pk)
    return render(
        request,
        "reports/job.html",
        {
            "job": job,
            "percent": round(job.progress * 100),
            "result_url": result_url(job),
            "refresh_seconds": REFRESH_SECONDS,
        },
    )


def job_file_response(job: Job) -> FileResponse:
    """The file a finished job made, as an attachment under the name its handler gave it."""
    if job.status != JobStatus.SUCCEEDED or not job.result_file:
        raise Http404
    name = (job.result or {}).get("filename") or job.result_file.name.rsplit("/", 1)[-1]
    try:
        handle = job.result_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = XLSX if name.endswith(".xlsx") else mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)


@login_required
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    """Only whoever started the job, and administrators, may download its file: others get a 404."""
    return job_file_response(get_object_or_404(jobs_visible_to(request.user), pk=pk))
