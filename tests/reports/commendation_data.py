"""Shared set-up of the commendation tests: official annual runs with member cards and post scores."""

from __future__ import annotations

from typing import Any, cast

from indicators.models import IndicatorSystem
from org.models import Member, Post
from org.services.units import branch_of
from reports.models import PostScore, RunStatus, ScoreCard, ScoreRun
from tests.factories import MemberFactory, PostFactory, make_system


def official_run(year: int) -> ScoreRun:
    system = IndicatorSystem.objects.filter(year=year).first() or make_system(year)
    return ScoreRun.objects.create(period=str(year), system=system, status=RunStatus.DONE, is_current=True)


def card(run: ScoreRun, member: Member, total: float | None) -> ScoreCard:
    return ScoreCard.objects.create(
        run=run, member=member, unit=member.unit, branch=branch_of(member.unit), category=member.category, total=total
    )


def post_score(run: ScoreRun, post: Post, score: float | None) -> PostScore:
    return PostScore.objects.create(run=run, post=post, unit=post.unit, score=score)


def commendation_world(org_tree: dict[str, Any]) -> dict[str, Any]:
    """2024 and 2025 official runs. Members (employee_no: 2025 total / 2024 total):
    branch A — 1001: 95 / 90, 1002: 92 / 96 (fell 4), 1003 (in group G1): 88 / none, 1004: 80 / 70;
    branch B — 2001: 93 / 93, 2002: 91 / 91.5 (fell 0.5).
    Model posts: PA (branch A) 90 / 85, PG (group G1, counts in branch A) 86 / none, PB (branch B) 70 / 60."""
    extra = cast(Member, MemberFactory(employee_no="1004", unit=org_tree["branch_a"]))
    runs = {year: official_run(year) for year in (2024, 2025)}
    members = {
        "1001": (95, 90),
        "1002": (92, 96),
        "1003": (88, None),
        "1004": (80, 70),
        "2001": (93, 93),
        "2002": (91, 91.5),
    }
    for employee_no, (now, before) in members.items():
        member = Member.objects.get(employee_no=employee_no)
        card(runs[2025], member, now)
        if before is not None:
            card(runs[2024], member, before)
    posts = {
        "PA": (org_tree["branch_a"], 90, 85),
        "PG": (org_tree["group_a"], 86, None),
        "PB": (org_tree["branch_b"], 70, 60),
    }
    made: dict[str, Post] = {}
    for code, (unit, now, before) in posts.items():
        post = cast(Post, PostFactory(code=code, name=f"岗位{code}", unit=unit, is_model=True))
        made[code] = post
        post_score(runs[2025], post, now)
        if before is not None:
            post_score(runs[2024], post, before)
    return {**org_tree, "extra": extra, "runs": runs, "posts": made}
