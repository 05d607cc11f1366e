"""Every kind of background job, registered with `reports.services.jobs`. `reports.tasks` imports this
module, so a worker — and anything that starts a job — knows every kind."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from indicators.periods import Period
from reports.services.jobs import FILE_RESULT, Progress, register_job_kind
from reports.services.report_export import EXPORT_KIND, clean_export, export_report_job, may_export
from reports.services.scoring import compute_scores


def clean_compute_scores(parameters: dict[str, Any], user: Any) -> dict[str, Any]:
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


def _export_report(parameters: dict[str, Any], user: Any, progress: Progress) -> dict[str, Any]:
    result = export_report_job(parameters, user, progress)
    result[FILE_RESULT] = result.pop("file")
    return result


register_job_kind(kind="compute_scores", label=_("计算得分"), handler=_compute_scores, clean=clean_compute_scores)
register_job_kind(
    kind=EXPORT_KIND, label=_("导出对比报告"), handler=_export_report, clean=clean_export, may_start=may_export
)
