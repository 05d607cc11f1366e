from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.imports import run_for_command
from surveys.services.questionnaire_io import import_questionnaire


class Command(BaseCommand):
    help = "导入问卷工作簿：问卷及其题目，新问卷为草稿 (import a questionnaire workbook)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="问卷工作簿 .xlsx (the questionnaire workbook)")

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件 {file} (no such file)")
        run_for_command(self, lambda: import_questionnaire(source=path))
