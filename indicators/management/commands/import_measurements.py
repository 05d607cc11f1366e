from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.imports import run_for_command
from indicators.services.measurement_io import import_measurements


class Command(BaseCommand):
    help = "导入实绩与精品岗位目标工作簿 (import KPI measurements and model-post targets)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="实绩工作簿 .xlsx (the measurements workbook)")
        parser.add_argument("--user", help="记为录入人的用户名 (username recorded as the one who entered the values)")

    def handle(self, *args: Any, file: str, user: str | None, **options: Any) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件 {file} (no such file)")
        entered_by = None
        if user:
            entered_by = get_user_model().objects.filter(username=user).first()
            if entered_by is None:
                raise CommandError(f"没有用户 {user} (no such user)")
        run_for_command(self, lambda: import_measurements(source=path, user=entered_by))
