"""Scoring a period and keeping the result (issue "Scoring"; DESIGN.md "Scoring").

One call reads the period into DataFrames, runs the engine, and writes a new run with its score
cards and indicator scores — and the model posts' scores of the same period (DESIGN.md "Model
posts") — in one transaction that also makes it the current run, so readers see the previous run
until the new one is complete, and never half of either.

A period is scored when it has submitted answers or measurements, and at least one member gets an
indicator score or at least one model post has a row: a quarter whose only data are the posts' stage
values still gets a run, with post scores and (for the posts' holders, rule 2) member cards. Target
tasks alone, set ahead of their stage, score nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone

from common.errors import DomainError
from common.frames import write_frame
from indicators.models import IndicatorSystem, SystemStatus
from indicators.periods import Period
from org.models import MemberCategory, Post
from reports.models import IndicatorScore, PostIndicatorScore, PostScore, RunStatus, ScoreCard, ScoreRun
from reports.scoring.engine import score
from reports.scoring.loader import load_inputs, system_for
from reports.scoring.posts import PostScoring, score_posts
from reports.scoring.types import DIMENSIONS, ScoringInputs, ScoringResult

Progress = Callable[[float, str], None]


def _no_progress(fraction: float, message: str) -> None:
    return None


def compute_scores(
    *, period: str, preview: bool = False, user: Any = None, progress: Progress = _no_progress
) -> ScoreRun:
    """Score every member for `period` and make it the current (official or preview) run."""
    parsed = Period.parse(period)
    system = system_for(period=parsed, preview=preview)
    progress(0.05, "读取数据 (reading answers and measurements)")
    inputs = load_inputs(period=parsed, system=system)
    if inputs.answers.empty and inputs.measurements.empty:
        raise DomainError(f"期间 {parsed.code} 没有已提交的答卷或实绩数据 (nothing to score for {parsed.code})")
    progress(0.35, "计算得分 (computing scores)")
    result = score(inputs)
    posts = _score_posts(inputs)
    if result.cards.empty and posts.posts.empty:
        raise DomainError(
            f"期间 {parsed.code} 没有任何党员得到指标得分，也没有精品岗位的实绩 "
            f"(no member has an indicator score and no model post has data)"
        )
    _require_category_weights(inputs, result, system)
    progress(0.65, "写入结果 (writing score cards)")
    run = _store(period=parsed, system=system, preview=preview, user=user, inputs=inputs, result=result, posts=posts)
    progress(1.0, "完成 (done)")
    return run


def _score_posts(inputs: ScoringInputs) -> PostScoring:
    model_posts = pd.DataFrame.from_records(
        Post.objects.filter(is_model=True).values_list("pk", "unit_id"), columns=["post_id", "unit_id"]
    )
    return score_posts(
        posts=model_posts,
        indicators=inputs.indicators,
        measurements=inputs.measurements,
        post_targets=inputs.post_targets,
    )


def _require_category_weights(inputs: ScoringInputs, result: ScoringResult, system: IndicatorSystem) -> None:
    weighted = set(inputs.category_weights["category_id"].unique())
    scored = inputs.members[inputs.members["member_id"].isin(result.cards["member_id"])]
    missing = scored[~scored["category_id"].isin(weighted)]
    if not missing.empty:
        names = dict(MemberCategory.objects.filter(pk__in=missing["category_id"].unique()).values_list("pk", "name"))
        counts = missing.groupby("category_id").size()
        listed = "、".join(f"“{names.get(pk, pk)}”（{n} 人）" for pk, n in counts.items())
        raise DomainError(
            f"{system.year} 年指标体系没有以下人员类别的维度权重：{listed} "
            f"(the system has no dimension weights for these member categories)"
        )


@transaction.atomic
def _store(
    *,
    period: Period,
    system: IndicatorSystem,
    preview: bool,
    user: Any,
    inputs: ScoringInputs,
    result: ScoringResult,
    posts: PostScoring,
) -> ScoreRun:
    run = ScoreRun.objects.create(
        period=period.code,
        system=system,
        provisional=preview or system.status == SystemStatus.DRAFT,
        parameters={"system_status": system.status},
        started_by=user if getattr(user, "pk", None) else None,
    )
    cards = _card_frame(run, inputs, result) if not result.cards.empty else pd.DataFrame()
    write_frame(ScoreCard._meta.db_table, cards)
    indicator_rows = _indicator_frame(run, result) if not result.indicator_scores.empty else pd.DataFrame()
    write_frame(IndicatorScore._meta.db_table, indicator_rows)
    write_frame(PostScore._meta.db_table, posts.posts.assign(run_id=run.pk))
    write_frame(PostIndicatorScore._meta.db_table, posts.indicators.assign(run_id=run.pk))

    # Swap: the previous current run of the same kind stops being current, then goes.
    previous = ScoreRun.objects.filter(period=run.period, provisional=run.provisional, is_current=True)
    previous_ids = list(previous.values_list("pk", flat=True))
    previous.update(is_current=False)
    run.is_current = True
    run.status = RunStatus.DONE
    run.finished_at = timezone.now()
    run.counts = {
        "answers": len(inputs.answers),
        "measurements": len(inputs.measurements),
        "cards": len(cards),
        "with_total": int(result.cards["total"].notna().sum()),
        "indicator_scores": len(indicator_rows),
        "posts": len(posts.posts),
        "posts_scored": int(posts.posts["score"].notna().sum()),
        "post_indicator_scores": len(posts.indicators),
    }
    run.save()
    IndicatorScore.objects.filter(run_id__in=previous_ids).delete()
    PostIndicatorScore.objects.filter(run_id__in=previous_ids).delete()
    PostScore.objects.filter(run_id__in=previous_ids).delete()
    ScoreCard.objects.filter(run_id__in=previous_ids).delete()
    ScoreRun.objects.filter(pk__in=previous_ids).delete()
    return run


def _card_frame(run: ScoreRun, inputs: ScoringInputs, result: ScoringResult) -> pd.DataFrame:
    cards = result.cards.merge(inputs.members[["member_id", "unit_id", "branch_id", "category_id"]], on="member_id")
    dimensions = result.dimension_scores.pivot(index="member_id", columns="dimension", values="score")
    coverage = result.dimension_scores.pivot(index="member_id", columns="dimension", values="coverage")
    frame = pd.DataFrame(
        {
            "run_id": run.pk,
            "member_id": cards["member_id"].to_numpy(),
            "unit_id": cards["unit_id"].to_numpy(),
            "branch_id": cards["branch_id"].to_numpy(),
            "category_id": cards["category_id"].to_numpy(),
            "total": cards["total"].to_numpy(),
            "coverage": cards["coverage"].to_numpy(),
            "rank": cards["rank"].astype("Int64").to_numpy(),
            "grade": cards["grade"].fillna("").to_numpy(),
        }
    )
    for dimension in DIMENSIONS:
        column = dimensions[dimension] if dimension in dimensions else pd.Series(dtype="float64")
        frame[dimension] = frame["member_id"].map(column).astype("float64").to_numpy()
    frame["dimension_coverage"] = frame["member_id"].map(_json_by_member(coverage)).fillna("{}")
    frame["self_others"] = frame["member_id"].map(_self_others_json(result.self_others)).fillna("{}")
    return frame


def _json_by_member(pivot: pd.DataFrame) -> dict[int, str]:
    return {
        int(member): json.dumps({k: float(v) for k, v in row.items() if pd.notna(v)})
        for member, row in pivot.iterrows()
    }


def _self_others_json(frame: pd.DataFrame) -> dict[int, str]:
    out: dict[int, dict[str, Any]] = {}
    for row in frame.itertuples(index=False):
        out.setdefault(int(row.member_id), {})[str(row.dimension)] = {
            "self": None if pd.isna(row.self_score) else float(row.self_score),
            "others": None if pd.isna(row.others_score) else float(row.others_score),
            "raters": int(row.others_raters),
        }
    return {member: json.dumps(value, ensure_ascii=False) for member, value in out.items()}


def _indicator_frame(run: ScoreRun, result: ScoringResult) -> pd.DataFrame:
    roles = result.role_scores.pivot_table(
        index=["member_id", "indicator_id"], columns="role", values="score", aggfunc="first"
    )
    raters = result.role_scores.groupby(["member_id", "indicator_id"])["raters"].sum()
    frame = result.indicator_scores.set_index(["member_id", "indicator_id"])[["score"]]
    frame = frame.join(roles, how="outer").join(raters, how="left").reset_index()
    out = pd.DataFrame(
        {
            "run_id": run.pk,
            "member_id": frame["member_id"].astype("int64"),
            "indicator_id": frame["indicator_id"].astype("int64"),
            "score": frame["score"].astype("float64"),
        }
    )
    for role in ("self", "peer", "secretary", "masses"):
        out[f"{role}_score"] = frame[role].astype("float64") if role in frame else np.nan
    out["raters"] = frame["raters"].fillna(0).astype("int64")
    return out
