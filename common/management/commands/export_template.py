from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from common.imports import get_import, import_kinds


class Command(BaseCommand):
    help = "写出一种导入工作簿的空模板，含示例工作表和下拉选项 (write an empty import template)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=[entry.kind for entry in import_kinds()], help="模板种类 (template kind)")
        parser.add_argument("-o", "--output", required=True, help="输出文件 .xlsx (output file)")

    def handle(self, *args: Any, kind: str, output: str, **options: Any) -> None:
        entry = get_import(kind)
        Path(output).write_bytes(entry.template_bytes())
        self.stdout.write(f"已写出{entry.label}模板：{output}")
