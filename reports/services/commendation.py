"""Commendation (表彰, DESIGN.md "Commendation"): propose a year's list under its rules, approve it.

Candidates are the year's official annual results: members with a total on a score card of the
current official run of the year, model posts with a score of the same run. Last year's figure is
the same from last year's current official run. The rules themselves live in `reports.commendation`;
the workbook in `reports.services.commendation_workbook`.

A proposal is replaced by proposing again; once approved the list is frozen (the models refuse any
change) and every service here refuses with a clear message before writing anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
from django.db import transaction
from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.utils import timezone

from common.errors import ApprovedListError, DomainError
from common.text import chinese
from org.models import Unit
from org.scope import is_administrator
from reports.commendation import Rules, select
from reports.models import (
    CandidateKind,
    CommendationCandidate,
    CommendationKinds,
    CommendationRound,
    RoundStatus,
    RunStatus,
    ScoreRun,
    approved_message,
)
from reports.selectors.posts import post_score_frame
from reports.selectors.scores import current_run, score_frame

MIN_YEAR, MAX_YEAR = 1900, 2999


def _no_ids(count: int) -> Any:
    return pd.array([pd.NA] * count, dtype="Int64")


def member_candidates(year: int) -> pd.DataFrame:
    """Members with a total in the year's official run; the branch is the card's (as scored)."""
    frame = score_frame(period=str(year))
    frame = frame[frame["total"].notna()]
    before = score_frame(period=str(year - 1))
    before = before[before["total"].notna()].set_index("member_id")["total"]
    return pd.DataFrame(
        {
            "kind": CandidateKind.MEMBER.value,
            "member_id": frame["member_id"].astype("Int64").array,
            "post_id": _no_ids(len(frame)),
            "code": frame["employee_no"].astype(str).array,
            "name": frame["name"].astype(str).array,
            "branch": frame["branch"].astype(str).array,
            "branch_name": frame["branch_name"].astype(str).array,
            "score": frame["total"].astype(float).array,
            "last_score": frame["member_id"].map(before).astype(float).array,
        }
    )


def _branches_of(unit_codes: Iterable[str]) -> pd.DataFrame:
    """unit code → the 党支部 it counts in (a 党小组 counts in its parent branch): branch, branch_name."""
    rows = Unit.objects.filter(code__in=set(unit_codes)).values_list(
        "code", "kind", "name", "parent__code", "parent__name"
    )
    units = pd.DataFrame(list(rows), columns=["unit", "kind", "name", "parent", "parent_name"])
    in_group = (units["kind"] == "group") & units["parent"].notna()
    return pd.DataFrame(
        {
            "branch": units["parent"].where(in_group, units["unit"]).array,
            "branch_name": units["parent_name"].where(in_group, units["name"]).array,
        },
        index=pd.Index(units["unit"], name="unit"),
    )


def post_candidates(year: int) -> pd.DataFrame:
    """Model posts with a score in the year's official run; the branch is that of the post's unit as
    scored (a post of a 党小组 counts in the group's branch)."""
    frame = post_score_frame(period=str(year))
    frame = frame[frame["score"].notna()]
    before = post_score_frame(period=str(year - 1))
    before = before[before["score"].notna()].set_index("post_id")["score"]
    branches = _branches_of(frame["unit"].astype(str))
    return pd.DataFrame(
        {
            "kind": CandidateKind.POST.value,
            "member_id": _no_ids(len(frame)),
            "post_id": frame["post_id"].astype("Int64").array,
            "code": frame["post"].astype(str).array,
            "name": frame["name"].astype(str).array,
            "branch": frame["unit"].map(branches["branch"]).fillna(frame["unit"]).astype(str).array,
            "branch_name": frame["unit"].map(branches["branch_name"]).fillna(frame["unit_name"]).astype(str).array,
            "score": frame["score"].astype(float).array,
            "last_score": frame["post_id"].map(before).astype(float).array,
        }
    )


def candidate_kinds(kinds: str) -> list[str]:
    """The candidate kinds a round's `kinds` selects, posts first."""
    if kinds == CommendationKinds.POSTS:
        return [CandidateKind.POST.value]
    if kinds == CommendationKinds.MEMBERS:
        return [CandidateKind.MEMBER.value]
    return [CandidateKind.POST.value, CandidateKind.MEMBER.value]


def _check_year(year: Any) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError(f"年度须为 {MIN_YEAR}–{MAX_YEAR} 之间的整数 (the year must be a whole number)")
    return year


def _signed_in(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def _candidate_rows(commendation: CommendationRound, frame: pd.DataFrame) -> list[CommendationCandidate]:
    def value(x: Any) -> float | None:
        return None if pd.isna(x) else float(x)

    return [
        CommendationCandidate(
            round=commendation,
            kind=row.kind,
            member_id=None if pd.isna(row.member_id) else int(row.member_id),
            post_id=None if pd.isna(row.post_id) else int(row.post_id),
            code=row.code,
            name=row.name,
            branch=row.branch,
            branch_name=row.branch_name,
            score=float(row.score),
            last_score=value(row.last_score),
            delta=value(row.delta),
            position=int(row.position),
            selected=bool(row.selected),
            reasons=list(row.reasons),
        )
        for row in frame.itertuples(index=False)
    ]


@transaction.atomic
def select_commendations(
    *,
    year: int,
    kinds: str,
    min_score: float,
    fall_tolerance: float = 0.0,
    per_branch: int | None = None,
    share: float | None = None,
    user: Any,
) -> CommendationRound:
    """Propose the year's list under these rules (share in percent). A proposal already there is
    replaced; an approved list is refused, as are bad rules and a year without an official annual run."""
    year = _check_year(year)
    rules = Rules(kinds=kinds, min_score=min_score, fall_tolerance=fall_tolerance, per_branch=per_branch, share=share)
    problems = rules.problems()
    if problems:
        raise DomainError("；".join(problems))
    existing = CommendationRound.objects.select_for_update().filter(year=year).first()
    if existing is not None and existing.is_approved:
        raise ApprovedListError(approved_message(year))
    if current_run(period=str(year)) is None:
        raise DomainError(
            f"{year} 年度还没有正式计分结果，请先计算 {year} 年度成绩 (no official annual score run for {year})"
        )

    readers = {CandidateKind.POST.value: post_candidates, CandidateKind.MEMBER.value: member_candidates}
    lists = [select(readers[kind](year), rules) for kind in candidate_kinds(rules.kinds)]
    if not any(len(frame) for frame in lists):
        raise DomainError(
            f"{year} 年度正式结果中没有可评选的{chinese(CommendationKinds(rules.kinds).label)} "
            f"(nobody of these kinds has an annual score in {year})"
        )

    if existing is not None:
        existing.delete()
    commendation = CommendationRound.objects.create(
        year=year,
        kinds=rules.kinds,
        min_score=rules.min_score,
        fall_tolerance=rules.fall_tolerance,
        per_branch=rules.per_branch,
        share=rules.share,
        proposed_by=_signed_in(user),
        proposed_at=timezone.now(),
    )
    rows = [row for frame in lists for row in _candidate_rows(commendation, frame)]
    CommendationCandidate.objects.bulk_create(rows, batch_size=500)
    return commendation


def user_label(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


@transaction.atomic
def approve_commendations(*, year: int, user: Any) -> CommendationRound:
    """Approve the year's proposal: from now on it is frozen, with who approved it and when."""
    year = _check_year(year)
    if not is_administrator(user):
        raise DomainError("只有管理员可以批准表彰名单 (only an administrator may approve the list)")
    commendation = CommendationRound.objects.select_for_update().filter(year=year).first()
    if commendation is None:
        raise DomainError(f"{year} 年尚无表彰建议名单，请先评选 (no proposed commendation list for {year})")
    if commendation.is_approved:
        raise ApprovedListError(approved_message(year))
    commendation.status = RoundStatus.APPROVED
    commendation.approved_by = user
    commendation.approved_by_name = user_label(user)
    commendation.approved_at = timezone.now()
    commendation.save()
    return commendation


def commendation_round(*, year: int) -> CommendationRound | None:
    return CommendationRound.objects.select_related("proposed_by", "approved_by").filter(year=year).first()


def candidates_of(commendation: CommendationRound) -> QuerySet[CommendationCandidate]:
    """The round's candidates in the list's order: posts then members, each best first."""
    posts_first = Case(When(kind=CandidateKind.POST, then=Value(0)), default=Value(1))
    return commendation.candidates.order_by(posts_first, "position")


def commendation_years() -> list[dict[str, Any]]:
    """Every year with an official annual run or a list, newest first: year, has_run, round, and the
    round's candidate and selected counts."""
    runs = ScoreRun.objects.filter(provisional=False, is_current=True, status=RunStatus.DONE)
    run_years = {int(period) for period in runs.values_list("period", flat=True) if period.isdigit()}
    rounds = {
        commendation.year: commendation
        for commendation in CommendationRound.objects.annotate(
            candidate_count=Count("candidates"), selected_count=Count("candidates", filter=Q(candidates__selected=True))
        )
    }
    return [
        {"year": year, "has_run": year in run_years, "round": rounds.get(year)}
        for year in sorted(run_years | set(rounds), reverse=True)
    ]
