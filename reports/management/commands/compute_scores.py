"""`manage.py compute_scores --period P [--preview] [--background]`: score a period.

Runs the scoring service here, with a progress bar, unless `--background` hands it to the task
queue as a job (then a worker runs it, or the immediate backend before this command returns).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.errors import DomainError
from indicators.periods import Period
from reports.management.progress import ProgressBar
from reports.models import JobStatus
from reports.services.jobs import start_job
from reports.services.scoring import compute_scores


class Command(BaseCommand):
    help = "计算某一期间全部党员的得分 (score every member for a period)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="期间：2025、2025-H1 或 2025-Q2 (the period)")
        parser.add_argument(
            "--preview",
            action="store_true",
            help="预览计分，与正式结果分开保存；体系未发布时只能预览 (a provisional run, kept apart)",
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="作为后台任务排队并打印任务编号 (queue it as a background job and print its id)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = Period.parse(options["period"]).code
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        preview = bool(options["preview"])
        if options["background"]:
            self._enqueue(period=period, preview=preview)
            return
        progress = ProgressBar(self)
        try:
            run = compute_scores(period=period, preview=preview, progress=progress)
        except DomainError as exc:
            progress.end()
            raise CommandError(exc.message) from None
        progress.end()
        kind = "预览结果" if run.provisional else "正式结果"
        counts = run.counts or {}
        self.stdout.write(
            self.style.SUCCESS(f"已完成 {run.period} 期间的计分（{kind}，批次 #{run.pk}）。")
            + f"\n  成绩卡：{counts.get('cards', 0)} 张；有总分的党员：{counts.get('with_total', 0)} 人；"
            f"答案 {counts.get('answers', 0)} 条，实绩 {counts.get('measurements', 0)} 条。"
        )

    def _enqueue(self, *, period: str, preview: bool) -> None:
        try:
            job = start_job(kind="compute_scores", parameters={"period": period, "preview": preview}, user=None)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"后台任务 #{job.pk}：{job.get_status_display()}")
        if job.status == JobStatus.FAILED:
            raise CommandError(job.message)
        if job.message:
            self.stdout.write(f"  {job.message}")
