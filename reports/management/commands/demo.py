"""`manage.py demo [--reset] [--force] [--seed N]`: the demo organisation, systems and logins."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.errors import DomainError
from org.services.demo import DEFAULT_SEED
from reports.services.demo import DemoLogin, run_demo


def _width(text: str) -> int:
    """Columns the text takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def login_table(logins: list[DemoLogin]) -> str:
    header = ["角色 role", "用户名 username", "密码 password", "可以看到 can see"]
    rows = [[login.role, f"{login.username} {login.name}".strip(), login.password, login.sees] for login in logins]
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    lines = [rule, "| " + " | ".join(_pad(c, w) for c, w in zip(header, widths, strict=True)) + " |", rule]
    lines += ["| " + " | ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)) + " |" for row in rows]
    return "\n".join([*lines, rule])


class Command(BaseCommand):
    help = "创建演示数据：组织、党员、精品岗位、2024 和 2025 年指标体系及演示账号 (build the demo data)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="先删除演示组织再重建 (wipe the demo organisation first)"
        )
        parser.add_argument("--force", action="store_true", help="DEBUG 关闭时也运行 (run even when DEBUG is off)")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子 (random seed)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "演示数据使用公开的密码，只在 DEBUG 模式下运行；确需运行请加 --force "
                "(the demo sets well-known passwords: it runs only with DEBUG on, or with --force)"
            )
        try:
            context = run_demo(seed=options["seed"], reset=options["reset"], log=self.stdout.write)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS("演示数据已就绪 (demo ready)。演示账号 (demo logins):"))
        self.stdout.write(login_table(context.logins))
        self.stdout.write(
            "其他党员用工号登录，密码同“党员”；各级书记密码同“支部书记” "
            "(every demo member logs in with his employee number and the member password; secretaries with theirs)"
        )
