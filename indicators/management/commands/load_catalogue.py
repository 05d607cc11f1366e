"""`manage.py load_catalogue --year 2025 [--publish] [--file PATH]`: the default catalogue as a year's system."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.errors import DomainError
from indicators.services.catalogue import ALREADY_LOADED, CREATED, UNCHANGED, load_catalogue_outcome

MESSAGES = {
    CREATED: "已创建 {year} 年指标体系草稿 (created the {year} draft)",
    "updated": "已按目录文件更新 {year} 年指标体系草稿 (brought the {year} draft in line with the catalogue)",
    UNCHANGED: "{year} 年指标体系草稿与目录文件一致，未作修改 (the {year} draft already matches; nothing changed)",
    ALREADY_LOADED: "{year} 年指标体系已发布且与目录文件一致：已载入 (already loaded)",
}


class Command(BaseCommand):
    help = "载入默认的六维党员模范力指标目录为某年度的指标体系 (load the default catalogue as a year's system)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="年度 (year)")
        parser.add_argument("--publish", action="store_true", help="载入后发布 (publish after loading)")
        parser.add_argument("--file", type=Path, default=None, help="目录文件，默认 seeds/catalogue.json")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = load_catalogue_outcome(year=options["year"], publish=options["publish"], path=options["file"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        system = result.system
        self.stdout.write(MESSAGES[result.outcome].format(year=system.year))
        if result.published:
            self.stdout.write(self.style.SUCCESS(f"已发布：{system} (published)"))
        else:
            self.stdout.write(f"{system}：{system.get_status_display()}")
