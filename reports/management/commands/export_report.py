"""`manage.py export_report --period P [--baseline B] [--unit CODE] [--threshold T] [--no-detail] -o FILE`:
the comparison workbook of FORMATS.md, for the whole organisation or one unit and its subtree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.errors import DomainError
from reports.comparison import DEFAULT_TREND_THRESHOLD
from reports.management.progress import ProgressBar
from reports.services.report_export import clean_export, export_report


class Command(BaseCommand):
    help = "导出对比报告工作簿 (write the comparison workbook of a period against its baseline)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="本期：2025、2025-H1 或 2025-Q2 (the period)")
        parser.add_argument(
            "--baseline", help="基期，默认去年同期，例如 2024 或 2025-Q1 (baseline; default same period last year)"
        )
        parser.add_argument("--unit", help="组织编码，含全部下级；默认全部组织 (a unit code, with its subtree)")
        parser.add_argument(
            "--threshold",
            type=float,
            default=DEFAULT_TREND_THRESHOLD,
            help="持平阈值，变化小于此值为持平，默认 1.0 (flat below this change)",
        )
        parser.add_argument(
            "--no-detail",
            action="store_true",
            help="不写维度明细（每人每指标一行），大组织导出更快 (skip the per-indicator detail sheet)",
        )
        parser.add_argument("-o", "--output", required=True, help="输出的 .xlsx 文件 (the workbook to write)")

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        if output.suffix.lower() != ".xlsx":
            raise CommandError(f"输出文件应以 .xlsx 结尾：{output} (the output must be an .xlsx file)")
        if not output.parent.exists():
            raise CommandError(f"目录不存在：{output.parent} (no such directory)")
        progress = ProgressBar(self)
        try:
            parameters = clean_export(
                {
                    "period": options["period"],
                    "baseline": options["baseline"],
                    "unit": options["unit"],
                    "threshold": options["threshold"],
                    "detail": not options["no_detail"],
                },
                None,
            )
            # Written beside the target and moved into place, so a failure never leaves half a file.
            partial = output.with_name(f".{output.name}.partial")
            try:
                data = export_report(
                    target=partial,
                    period=parameters["period"],
                    baseline=parameters["baseline"],
                    unit_code=parameters["unit"] or None,
                    threshold=parameters["threshold"],
                    detail=parameters["detail"],
                    progress=progress,
                )
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
            partial.replace(output)
        except DomainError as exc:
            progress.end()
            raise CommandError(exc.message) from None
        progress.end()
        statuses = data.members["status"].value_counts() if not data.members.empty else {}
        self.stdout.write(
            self.style.SUCCESS(f"已写入 {output}")
            + f"\n  {data.unit_label}：{data.period.label} 对比 {data.baseline.label}；"
            f"成员 {len(data.members)} 人（两期均有 {int(statuses.get('both', 0))}，"
            f"新增 {int(statuses.get('new', 0))}，离开 {int(statuses.get('left', 0))}）；"
            f"指标明细 {data.detail_rows or 0} 行；精品岗位 {len(data.posts)} 个。"
        )
