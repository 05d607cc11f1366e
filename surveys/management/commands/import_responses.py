from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.imports import run_for_command
from surveys.services.responses_io import import_responses


class Command(BaseCommand):
    help = "导入答卷工作簿（答案长表和/或答卷宽表），导入的答卷为已提交 (import a responses workbook)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="答卷工作簿 .xlsx (the responses workbook)")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="已存在且答案不同的答卷整份替换 (replace stored responses whose answers differ)",
        )

    def handle(self, *args: Any, file: str, replace: bool, **options: Any) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件 {file} (no such file)")
        run_for_command(self, lambda: import_responses(source=path, replace=replace))
