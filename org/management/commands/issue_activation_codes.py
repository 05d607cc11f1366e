"""Print a sheet of activation codes for a unit and everything below it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from org.models import Unit
from org.services.activation import activation_sheet, issue_activation_codes


class Command(BaseCommand):
    help = "Issue one-time activation codes for a unit's members and write the printable xlsx sheet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("unit", help="unit code (its whole subtree is included)")
        parser.add_argument("-o", "--output", required=True, help="xlsx file to write")
        parser.add_argument("--include-active", action="store_true", help="also members who already have a password")
        parser.add_argument("--url", default="", help="address of the activation page, printed on the sheet")

    def handle(self, *args: Any, **options: Any) -> None:
        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"未知的组织编码“{options['unit']}” (unknown unit code)")
        codes = issue_activation_codes(unit=unit, issued_by=None, include_active=options["include_active"])
        if not codes:
            self.stdout.write(f"{unit.name}: 没有需要激活的成员 (nobody to activate)")
            return
        Path(options["output"]).write_bytes(activation_sheet(unit=unit, codes=codes, activate_url=options["url"]))
        self.stdout.write(f"{unit.name}: {len(codes)} 个激活码 → {options['output']} ({len(codes)} codes)")
