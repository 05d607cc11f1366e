from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from org.models import Unit
from surveys.models import Questionnaire
from surveys.services.exports import write_answers_workbook


class Command(BaseCommand):
    help = "导出问卷的原始答案（答案长表，可原样导入）(export a questionnaire's raw answers)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="问卷编码 (questionnaire code)")
        parser.add_argument("-o", "--output", required=True, help="输出文件 .xlsx (output file)")
        parser.add_argument("--unit", help="只导出该组织及下级的被评价人 (only subjects in this unit's subtree)")

    def handle(self, *args: Any, code: str, output: str, unit: str | None, **options: Any) -> None:
        questionnaire = Questionnaire.objects.filter(code=code).first()
        if questionnaire is None:
            raise CommandError(f"没有问卷“{code}” (no such questionnaire)")
        scope = None
        if unit is not None:
            scope = Unit.objects.filter(code=unit).first()
            if scope is None:
                raise CommandError(f"没有组织“{unit}” (no such unit)")
        count = write_answers_workbook(questionnaire=questionnaire, target=output, unit=scope)
        self.stdout.write(f"已导出 {count} 条答案：{output} ({count} answers written)")
