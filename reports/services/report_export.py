"""The comparison workbook as a service (issue 6): for the `export_report` command, the dashboard's
导出 Excel button and the API's export job — one set of checks, one workbook."""

from __future__ import annotations

import math
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from common.errors import DomainError
from org.models import Unit
from reports.comparison import DEFAULT_TREND_THRESHOLD
from reports.report.data import ReportData, gather
from reports.report.workbook import write_workbook
from reports.selectors.scores import unit_in_scope
from reports.services.comparisons import periods
from reports.services.dashboard import can_compare

Progress = Callable[[float, str], None]
EXPORT_KIND = "export_report"


def _silent(fraction: float, message: str = "") -> None:
    return None


def may_export(user: Any) -> bool:
    """Administrators and secretaries export; a member has no units to report on."""
    return can_compare(user)


def _truthy(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on", "是"}


def clean_export(parameters: dict[str, Any], user: Any) -> dict[str, Any]:
    """The export's parameters, checked against the user's scope: an unknown period or baseline, a
    negative threshold or a unit outside his units is refused before a job exists."""
    period, baseline = periods(period=str(parameters.get("period") or ""), baseline=parameters.get("baseline") or None)
    given = parameters.get("threshold")
    try:
        threshold = DEFAULT_TREND_THRESHOLD if given is None or given == "" else float(given)
    except (TypeError, ValueError):
        threshold = math.nan
    if not math.isfinite(threshold) or threshold < 0:
        raise DomainError("持平阈值应为不小于 0 的数 (the trend threshold must be a number ≥ 0)")
    code = str(parameters.get("unit") or "").strip()
    if code and user is not None:
        unit_in_scope(user=user, code=code)
    elif code and not Unit.objects.filter(code=code).exists():
        raise DomainError(f"组织 {code} 不存在 (no such unit)")
    detail = parameters.get("detail", True)
    return {
        "period": period.code,
        "baseline": baseline.code,
        "unit": code,
        "threshold": threshold,
        "detail": _truthy(detail),
    }


def file_name(data: ReportData) -> str:
    """党员模范力对比_<unit>_<period>_对比_<baseline>.xlsx, safe on every file system."""
    where = data.unit.name if data.unit is not None else "全部组织"
    where = re.sub(r'[\\/:*?"<>|\s]+', "_", where).strip("_") or "组织"
    return f"党员模范力对比_{where}_{data.period.code}_对比_{data.baseline.code}.xlsx"


def export_report(
    *,
    target: str | Path | IO[bytes],
    period: str,
    baseline: str | None = None,
    unit_code: str | None = None,
    threshold: float = DEFAULT_TREND_THRESHOLD,
    detail: bool = True,
    user: Any = None,
    progress: Progress = _silent,
) -> ReportData:
    """Write the comparison workbook to `target`. With a user, only what he may see; without one
    (the command), the whole organisation or the unit named."""
    progress(0.02, "读取成绩 (reading the scores)")
    data = gather(
        period=period,
        baseline=baseline,
        unit_code=unit_code or None,
        threshold=threshold,
        user=user,
        with_detail=detail,
    )
    progress(0.3, "写入 Excel (writing the workbook)")
    write_workbook(data, str(target) if isinstance(target, Path) else target, progress=progress)
    progress(1.0, "完成 (done)")
    return data


def export_report_job(parameters: dict[str, Any], user: Any, progress: Progress) -> dict[str, Any]:
    """The job's work: the workbook into a temporary file the job then keeps (jobs.FILE_RESULT)."""
    handle = tempfile.NamedTemporaryFile(prefix="report-", suffix=".xlsx", delete=False)  # noqa: SIM115
    handle.close()
    try:
        data = export_report(
            target=handle.name,
            period=parameters["period"],
            baseline=parameters.get("baseline") or None,
            unit_code=parameters.get("unit") or None,
            threshold=float(parameters.get("threshold", DEFAULT_TREND_THRESHOLD)),
            detail=bool(parameters.get("detail", True)),
            user=user,
            progress=progress,
        )
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    name = file_name(data)
    return {
        "file": {"path": handle.name, "name": name},
        "filename": name,
        "period": data.period.code,
        "baseline": data.baseline.code,
        "unit": data.unit.code if isinstance(data.unit, Unit) else "",
        "members": len(data.members),
    }
