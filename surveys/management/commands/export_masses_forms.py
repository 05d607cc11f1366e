from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.errors import DomainError
from org.models import Unit
from surveys.models import Questionnaire
from surveys.services.exports import masses_forms_workbook


class Command(BaseCommand):
    help = "导出群众评议纸质答卷（每份一页，附录入表）(export printable masses-rating forms)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="问卷编码 (questionnaire code)")
        parser.add_argument("--unit", required=True, help="组织编码：为其下每名党员出答卷 (unit code)")
        parser.add_argument("--copies", type=int, default=1, help="每名党员的份数，默认 1 (forms per member)")
        parser.add_argument("-o", "--output", required=True, help="输出文件 .xlsx (output file)")

    def handle(self, *args: Any, code: str, unit: str, copies: int, output: str, **options: Any) -> None:
        questionnaire = Questionnaire.objects.filter(code=code).first()
        if questionnaire is None:
            raise CommandError(f"没有问卷“{code}” (no such questionnaire)")
        scope = Unit.objects.filter(code=unit).first()
        if scope is None:
            raise CommandError(f"没有组织“{unit}” (no such unit)")
        try:
            data = masses_forms_workbook(questionnaire=questionnaire, unit=scope, copies=copies)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        Path(output).write_bytes(data)
        self.stdout.write(f"已写出群众评议答卷：{output} (masses forms written)")
