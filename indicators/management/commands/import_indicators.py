from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.imports import run_for_command
from indicators.services.indicator_io import import_indicators


class Command(BaseCommand):
    help = "导入某年度的指标体系工作簿（草稿），可选导入后发布 (import a year's indicator system)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="指标体系工作簿 .xlsx (the indicator-system workbook)")
        parser.add_argument("--year", type=int, required=True, help="年度 (the system's year)")
        parser.add_argument("--publish", action="store_true", help="导入后发布（冻结）(publish after import)")

    def handle(self, *args: Any, file: str, year: int, publish: bool, **options: Any) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件 {file} (no such file)")
        run_for_command(self, lambda: import_indicators(source=path, year=year, publish=publish))
