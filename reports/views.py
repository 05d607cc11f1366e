"""Pages of the reports app that are not a member's results: the progress page of a background job."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from reports.selectors.jobs import jobs_visible_to
from reports.services.jobs import result_url

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
