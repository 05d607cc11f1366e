from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.errors import DomainError
from indicators.services.measurements import copy_targets_forward
from org.models import Post


class Command(BaseCommand):
    help = "把上一年的精品岗位目标复制到新年度，作为起点 (copy last year's post targets forward)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", dest="to_year", type=int, required=True, help="目标年度 (the year to fill)")
        parser.add_argument(
            "--from",
            dest="from_year",
            type=int,
            help="源年度，默认为目标年度的上一年 (the year to copy; default: the year before)",
        )
        parser.add_argument(
            "--post",
            dest="posts",
            action="append",
            default=[],
            help="只复制这些岗位（编码，可重复）(only these post codes)",
        )

    def handle(self, *args: Any, to_year: int, from_year: int | None, posts: list[str], **options: Any) -> None:
        chosen = None
        if posts:
            chosen = list(Post.objects.filter(code__in=posts))
            missing = sorted(set(posts) - {post.code for post in chosen})
            if missing:
                raise CommandError(f"未知的岗位编码：{'、'.join(missing)} (unknown post codes)")
        source_year = from_year if from_year is not None else to_year - 1
        try:
            created = copy_targets_forward(from_year=source_year, to_year=to_year, posts=chosen)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"已从 {source_year} 年复制 {created} 个岗位目标到 {to_year} 年 (created {created} targets)")
