"""`manage.py select_commendations --year Y [rules] [--approve --user NAME] [-o FILE]`: the year's 表彰 list.

- Proposes the list (replacing a proposal, never an approved list). Rules not given are taken from
  the year's proposal, else the defaults (both kinds, minimum 0, tolerance 0, no caps), so running
  it again without options selects again under the same rules (after the scores were recomputed).
- `--approve` without rule options approves the proposal as it stands (as reviewed on the page);
  with rule options it proposes first, then approves.
- An approved list is only shown (and exported); any rule option is refused for it.
Prints the rules and the list best first with each candidate's reasons; `-o` writes the workbook.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.errors import DomainError
from reports.commendation import number_text
from reports.models import CandidateKind, CommendationKinds, CommendationRound
from reports.services.commendation import (
    approve_commendations,
    candidates_of,
    commendation_round,
    select_commendations,
)
from reports.services.commendation_workbook import commendation_workbook

KIND_WORDS = {"posts": "posts", "post": "posts", "members": "members", "member": "members"}
RULE_OPTIONS = ("kinds", "min_score", "fall_tolerance", "per_branch", "share")
DEFAULT_RULES: dict[str, Any] = {
    "kinds": CommendationKinds.BOTH.value,
    "min_score": 0.0,
    "fall_tolerance": 0.0,
    "per_branch": None,
    "share": None,
}


def parse_kinds(text: str) -> str:
    """`posts`, `members`, or both as `posts,members` (or `both`)."""
    words = {word.strip().lower() for word in text.replace("，", ",").split(",") if word.strip()}
    if words == {"both"}:
        return CommendationKinds.BOTH.value
    unknown = words - set(KIND_WORDS)
    if unknown or not words:
        raise CommandError(
            f"--kinds 只能是 posts、members、posts,members 或 both，而不是“{text}” (posts, members or both)"
        )
    kinds = {KIND_WORDS[word] for word in words}
    return CommendationKinds.BOTH.value if len(kinds) == 2 else kinds.pop()


def rules_line(commendation: CommendationRound) -> str:
    per_branch = "不限" if commendation.per_branch is None else str(commendation.per_branch)
    share = "不限" if commendation.share is None else f"{number_text(commendation.share)}%"
    return (
        f"规则：{commendation.get_kinds_display()}；最低分 ≥ {number_text(commendation.min_score)}；"
        f"下降容差 {number_text(commendation.fall_tolerance)}；每支部名额 {per_branch}；比例上限 {share}"
    )


class Command(BaseCommand):
    help = "按规则评选某年度的表彰名单，可批准并导出 (propose, approve and export a year's commendation list)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="年度 (the year)")
        parser.add_argument(
            "--kinds", default=None, help="posts、members 或 posts,members（both）；默认两者 (which kinds)"
        )
        parser.add_argument("--min-score", type=float, default=None, help="最低年度总分（≥），默认 0 (minimum score)")
        parser.add_argument("--fall-tolerance", type=float, default=None, help="下降容差，默认 0 (fall tolerance)")
        parser.add_argument("--per-branch", type=int, default=None, help="每支部名额 N (at most N per branch)")
        parser.add_argument("--share", type=float, default=None, help="比例上限，百分数，如 20 (at most X %%)")
        parser.add_argument("--approve", action="store_true", help="批准名单，须同时给出 --user (approve the list)")
        parser.add_argument("--user", default=None, help="提出/批准人的用户名 (who proposes or approves)")
        parser.add_argument("-o", "--output", default=None, help="导出名单到此 .xlsx 文件 (write the workbook here)")

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"]
        user = self._user(options["user"])
        if options["approve"] and user is None:
            raise CommandError("批准须用 --user 注明批准人 (--approve needs --user)")
        given = {name: options[name] for name in RULE_OPTIONS if options[name] is not None}
        if "kinds" in given:
            given["kinds"] = parse_kinds(given["kinds"])
        try:
            commendation = commendation_round(year=year)
            if given or commendation is None or (not options["approve"] and not commendation.is_approved):
                commendation = select_commendations(year=year, **self._rules(commendation, given), user=user)
            if options["approve"]:
                commendation = approve_commendations(year=year, user=user)
            if options["output"]:
                Path(options["output"]).write_bytes(commendation_workbook(year=year))
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self._print(commendation)
        if options["output"]:
            self.stdout.write(f"已导出 {options['output']} (workbook written)")

    def _user(self, username: str | None) -> Any:
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户“{username}” (no such user)")
        return user

    @staticmethod
    def _rules(commendation: CommendationRound | None, given: dict[str, Any]) -> dict[str, Any]:
        stored = {name: getattr(commendation, name) for name in RULE_OPTIONS} if commendation else {}
        return {**DEFAULT_RULES, **stored, **given}

    def _print(self, commendation: CommendationRound) -> None:
        candidates = list(candidates_of(commendation))
        self.stdout.write(f"{commendation.year} 年度表彰名单 · {rules_line(commendation)}")
        kinds = {CandidateKind.POST.value: "精品岗位 (model posts)", CandidateKind.MEMBER.value: "党员 (members)"}
        current = None
        for candidate in candidates:
            if candidate.kind != current:
                current = candidate.kind
                self.stdout.write(f"— {kinds.get(candidate.kind, candidate.kind)} —")
            mark = "★" if candidate.selected else " "
            self.stdout.write(
                f"{mark} {candidate.position:>3}. {candidate.code} {candidate.name} [{candidate.branch_name}] "
                f"{candidate.score:.1f} — {'；'.join(candidate.reasons)}"
            )
        chosen = sum(1 for c in candidates if c.selected)
        if commendation.is_approved:
            state = f"已批准（{commendation.approved_by_name}）(approved)"
        else:
            state = "待批准 (proposed)"
        self.stdout.write(
            self.style.SUCCESS(
                f"{commendation.year} 年度表彰名单{state}：候选 {len(candidates)}，入选 {chosen} "
                f"({chosen} selected of {len(candidates)})"
            )
        )
