"""The secretary's targets page: which post and period it edits, and one row per KPI indicator.

The posts offered are the model posts whose target tasks the user sets (`target_posts_for`): a
secretary's branch posts, every model post for an administrator. The periods are the year, halves
and quarters of every year that has an indicator system. Saving goes through `set_post_targets`,
the same rules as the admin, the API and the import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from common.errors import NotInScope
from indicators.models import Indicator, IndicatorSystem, PostTarget, Source
from indicators.periods import Period
from indicators.services.targets import target_posts_for
from indicators.views import localized_name
from org.models import Post
from reports.services.posts_page import default_period, post_periods


def _stages(year: int) -> list[Period]:
    return [Period(year), *Period(year, "H1").stages_of_year(), *Period(year, "Q1").stages_of_year()]


@dataclass
class TargetChoices:
    post: Post | None
    posts: list[Post]
    period: Period | None
    periods: list[Period]
    errors: list[str] = field(default_factory=list)

    def query(self) -> dict[str, str]:
        values = {"post": self.post.code if self.post else "", "period": self.period.code if self.period else ""}
        return {key: value for key, value in values.items() if value}


def read_target_choices(*, user: Any, params: Mapping[str, str]) -> TargetChoices:
    """The post and period from the page's query (or form). A post the user does not manage is
    NotInScope; an unreadable period, or one of a year without a system, falls back with a message."""
    posts = sorted(
        target_posts_for(user).filter(is_model=True).select_related("unit"), key=lambda p: (p.unit.path, p.code)
    )
    post: Post | None = posts[0] if posts else None
    if params.get("post"):
        post = next((p for p in posts if p.code == params["post"]), None)
        if post is None:
            raise NotInScope(f"岗位 {params['post']} 不存在 (no such post)")
    years = sorted(IndicatorSystem.objects.values_list("year", flat=True), reverse=True)
    periods = [stage for year in years for stage in _stages(year)]
    errors: list[str] = []
    with_data = default_period([p for p in post_periods(user) if p.year in years])
    period = with_data or (Period(years[0], "Q1") if years else None)
    if params.get("period"):
        try:
            chosen = Period.parse(params["period"])
        except ValueError as exc:
            errors.append(str(exc))
        else:
            if chosen.year in years:
                period = chosen
            else:
                errors.append(f"{chosen.year} 年没有指标体系 (no indicator system for {chosen.year})")
    return TargetChoices(post=post, posts=posts, period=period, periods=periods, errors=errors)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def target_rows(
    *, choices: TargetChoices, typed: Mapping[str, tuple[str, str]], problems: Mapping[str, str]
) -> list[dict[str, Any]]:
    """One row per KPI indicator of the period's system: the system's own floor and target, the
    post's task for the period (or what was just typed), last year's task for the same stage, and
    the problem with what was typed."""
    if choices.post is None or choices.period is None:
        return []
    period = choices.period
    indicators = Indicator.objects.filter(system__year=period.year, source=Source.KPI).order_by(
        "dimension__order", "order", "code"
    )
    current = {row.indicator_id: row for row in PostTarget.objects.filter(post=choices.post, period=period.code)}
    last_period = period.same_period_last_year().code
    last_year = {
        code: (floor, target)
        for code, floor, target in PostTarget.objects.filter(post=choices.post, period=last_period).values_list(
            "indicator__code", "floor", "target"
        )
    }
    rows = []
    for indicator in indicators:
        own = current.get(indicator.pk)
        floor, target = (_number(own.floor), _number(own.target)) if own else ("", "")
        if indicator.code in typed:
            floor, target = typed[indicator.code]
        before = last_year.get(indicator.code)
        rows.append(
            {
                "code": indicator.code,
                "name": localized_name(indicator),
                "unit": indicator.measure_unit,
                "system_floor": _number(indicator.floor),
                "system_target": _number(indicator.target),
                "lower_is_better": indicator.floor is not None
                and indicator.target is not None
                and indicator.floor > indicator.target,
                "floor": floor,
                "target": target,
                "has_task": own is not None,
                "last_year": f"{_number(before[0])} → {_number(before[1])}" if before else "",
                "problem": problems.get(indicator.code, ""),
            }
        )
    return rows
