"""Everything one comparison workbook shows, gathered as DataFrames before a cell is written.

The figures come from the same rules and reads as the API (`reports.comparison` over
`score_frame`), so the workbook's cells equal the API's values. Scope: with a user, only what he may
see; without one (the command), the whole organisation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from django.utils import timezone

from common.errors import DomainError
from indicators.periods import Period
from org.models import Unit, UnitKind
from org.scope import is_administrator, secretary_units
from org.services.units import subtree_q
from reports.comparison import (
    DEFAULT_TREND_THRESHOLD,
    MEASURES,
    SystemChanges,
    member_comparison,
    system_changes,
    unit_comparison,
)
from reports.models import ScoreRun
from reports.selectors.report import run_indicator_scores, system_indicators
from reports.selectors.scores import current_run, score_frame, unit_in_scope
from reports.services.comparisons import periods
from reports.services.post_comparisons import post_comparisons

Progress = Any
# Members whose indicator scores are read and written together: about 300,000 rows at a time.
DETAIL_CHUNK_MEMBERS = 10_000


@dataclass
class ReportData:
    period: Period
    baseline: Period
    threshold: float
    unit: Unit | None  # None: everything in the reader's scope
    generated_at: datetime
    generated_by: str
    now_run: ScoreRun | None
    before_run: ScoreRun | None
    units: pd.DataFrame  # one row per unit: unit_comparison columns + code, name, kind, depth
    members: pd.DataFrame  # one row per member: member_comparison columns + descriptions
    changes: SystemChanges = field(default_factory=SystemChanges)
    with_detail: bool = True
    posts: list[dict[str, Any]] = field(default_factory=list)
    user: Any = None
    detail_rows: int | None = None  # known once the detail has been written

    def detail_chunks(self, *, members_per_chunk: int | None = None) -> Iterator[pd.DataFrame]:
        """The detail — one row per member and indicator of the current run, in the members' order —
        read a slice of members at a time, so a whole organisation's millions of rows never sit in
        memory at once. Nothing without the detail or a current run."""
        if not self.with_detail or self.now_run is None or self.members.empty:
            return
        scored = self.members[self.members["status"] != "left"]
        size = members_per_chunk or DETAIL_CHUNK_MEMBERS
        for start in range(0, len(scored), size):
            chunk = scored.iloc[start : start + size]
            yield _detail(
                now_run=self.now_run, before_run=self.before_run, unit=self.unit, user=self.user, members=chunk
            )

    @property
    def detail(self) -> pd.DataFrame:
        """The whole detail at once (for small reports and the tests)."""
        chunks = list(self.detail_chunks())
        return pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame()

    @property
    def expected_detail_rows(self) -> int:
        """An estimate for progress: members scored now × indicators of the system."""
        if not self.with_detail or self.now_run is None:
            return 0
        return int((self.members["status"] != "left").sum()) * max(len(system_indicators(self.now_run.system)), 1)

    @property
    def unit_label(self) -> str:
        return f"{self.unit.name}（{self.unit.code}）" if self.unit is not None else "全部组织（权限范围内）"

    @property
    def title(self) -> str:
        return f"党员模范力对比报告：{self.unit.name if self.unit is not None else '全部组织'}"

    @property
    def subtitle(self) -> str:
        return (
            f"本期 {self.period.label}　基期 {self.baseline.label}　持平阈值 {self.threshold:g} 分　"
            f"生成于 {self.generated_at:%Y-%m-%d %H:%M}"
        )

    @property
    def main_unit(self) -> pd.Series | None:
        """The summary row the charts draw: the chosen unit, else the first (top) unit listed."""
        if self.units.empty:
            return None
        if self.unit is not None:
            rows = self.units[self.units["code"] == self.unit.code]
            if not rows.empty:
                return rows.iloc[0]
        return self.units.iloc[0]


def _listed_units(*, user: Any, unit: Unit | None) -> pd.DataFrame:
    units = Unit.objects.exclude(kind=UnitKind.GROUP)
    if user is not None and not is_administrator(user):
        units = units.filter(subtree_q(secretary_units(user).values_list("path", flat=True)))
    if unit is not None:
        units = units.filter(path__startswith=unit.path)
    frame = pd.DataFrame.from_records(
        list(units.values_list("pk", "code", "name", "kind", "path")),
        columns=["unit_id", "code", "name", "kind", "path"],
    )
    frame["depth"] = frame["path"].str.count("/") - 1
    if not frame.empty:
        frame["depth"] -= frame["depth"].min()
    return frame.sort_values("path", kind="stable").reset_index(drop=True)


def _with_paths(frame: pd.DataFrame, paths: dict[int, str]) -> pd.DataFrame:
    frame["unit_path"] = frame["unit_id"].map(paths)
    frame["branch_path"] = frame["branch_id"].map(paths)
    return frame


def _members(now_cards: pd.DataFrame, before_cards: pd.DataFrame, threshold: float) -> pd.DataFrame:
    compared = member_comparison(now_cards, before_cards, threshold=threshold)
    described = pd.concat([now_cards, before_cards], ignore_index=True).drop_duplicates("member_id")
    columns = ["member_id", "employee_no", "name", "unit", "unit_name", "unit_path", "branch_path", "category_name"]
    compared = compared.merge(described[columns], on="member_id", how="left")
    current = now_cards.set_index("member_id")
    for column in ("rank", "grade", "coverage"):
        compared[column] = compared["member_id"].map(current[column]) if not current.empty else None
    compared["rank_order"] = pd.to_numeric(compared["rank"], errors="coerce").astype("float64").fillna(np.inf)
    # Branch by branch in tree order, each in rank order (a group's members rank in their branch);
    # those who left, without a rank, close their branch.
    compared = compared.sort_values(["branch_path", "rank_order", "employee_no"], kind="stable")
    return compared.drop(columns=["rank_order"]).reset_index(drop=True)


def _changes(*, now_run: ScoreRun, before_run: ScoreRun | None) -> SystemChanges:
    if before_run is None or before_run.system_id == now_run.system_id:
        return SystemChanges()
    return system_changes(system_indicators(now_run.system), system_indicators(before_run.system))


def _detail(
    *, now_run: ScoreRun, before_run: ScoreRun | None, unit: Unit | None, user: Any, members: pd.DataFrame
) -> pd.DataFrame:
    """One row per member of `members` and indicator of the current run, with the baseline's score
    of the indicator of the same code (DESIGN.md "Comparisons": indicators are matched by code). The
    baseline's scores are those of the members scored in the unit then, like the members' totals."""
    member_ids = members["member_id"].astype("int64").tolist()
    indicators = system_indicators(now_run.system).rename(columns={"name": "indicator_name"})
    scores = run_indicator_scores(run=now_run, unit=unit, user=user, member_ids=member_ids)
    scores = scores.merge(indicators, on="indicator_id", how="left")
    scores["before"] = np.nan
    if before_run is not None:
        before = run_indicator_scores(run=before_run, unit=unit, user=user, member_ids=member_ids)
        before = before.merge(system_indicators(before_run.system)[["indicator_id", "code"]], on="indicator_id")
        keyed = before.set_index(["member_id", "code"])["score"]
        scores["before"] = pd.Series(
            keyed.reindex(pd.MultiIndex.from_frame(scores[["member_id", "code"]])).to_numpy(), index=scores.index
        )
    scores["delta"] = scores["score"] - scores["before"]
    order = (
        members[["member_id", "employee_no", "name"]]
        .rename(columns={"name": "member_name"})
        .reset_index()
        .rename(columns={"index": "member_order"})
    )
    scores = scores.merge(order, on="member_id", how="inner")
    scores = scores.sort_values(["member_order", "dimension_order", "order", "code"], kind="stable")
    return scores.reset_index(drop=True)


def gather(
    *,
    period: str,
    baseline: str | None = None,
    unit_code: str | None = None,
    threshold: float = DEFAULT_TREND_THRESHOLD,
    user: Any = None,
    with_posts: bool = True,
    with_detail: bool = True,
) -> ReportData:
    now, before = periods(period=period, baseline=baseline)
    if threshold < 0:
        raise DomainError("持平阈值不能为负 (the trend threshold must not be negative)")
    if user is None:
        unit = Unit.objects.filter(code=unit_code).first() if unit_code else None
        if unit_code and unit is None:
            raise DomainError(f"组织 {unit_code} 不存在 (no such unit)")
    else:
        unit = unit_in_scope(user=user, code=unit_code) if unit_code else None
    now_run = current_run(period=now.code)
    before_run = current_run(period=before.code)
    if now_run is None:
        raise DomainError(f"期间 {now.code} 还没有正式计分结果 (no official scores for {now.code} yet)")
    paths = dict(Unit.objects.values_list("pk", "path"))
    now_cards = _with_paths(score_frame(period=now.code, unit=unit, user=user), paths)
    before_cards = _with_paths(score_frame(period=before.code, unit=unit, user=user), paths)
    units = _listed_units(user=user, unit=unit)
    if not units.empty:
        compared = unit_comparison(now_cards, before_cards, units=units[["unit_id"]], threshold=threshold)
        units = units.merge(compared, on="unit_id", how="left")
    members = _members(now_cards, before_cards, threshold)
    who = "" if user is None else (getattr(getattr(user, "member", None), "name", "") or user.get_username())
    data = ReportData(
        period=now,
        baseline=before,
        threshold=threshold,
        unit=unit,
        generated_at=timezone.localtime(),
        generated_by=who,
        now_run=now_run,
        before_run=before_run,
        units=units,
        members=members,
        user=user,
        changes=_changes(now_run=now_run, before_run=before_run),
        with_detail=with_detail,
    )
    if with_posts:
        data.posts = _posts(period=now, unit=unit, user=user, threshold=threshold)
    return data


def _posts(*, period: Period, unit: Unit | None, user: Any, threshold: float) -> list[dict[str, Any]]:
    return post_comparisons(
        user=user, period=period.code, unit_code=unit.code if unit is not None else None, threshold=threshold
    )


__all__ = ["MEASURES", "ReportData", "gather"]
