from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.imports import run_for_command
from org.services.roster_io import import_roster


class Command(BaseCommand):
    help = "导入党员名册工作簿：组织、人员类别、党员、岗位 (import a roster workbook)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="名册工作簿 .xlsx (the roster workbook)")

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件 {file} (no such file)")
        run_for_command(self, lambda: import_roster(source=path))
