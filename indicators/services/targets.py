"""Post targets: a model post's floor and target for one KPI indicator and period (data, never frozen)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from common.errors import DomainError, NotInScope
from indicators.models import Indicator, IndicatorSystem, PostTarget
from indicators.periods import normalise_period_code
from indicators.services.editing import validated
from indicators.services.measurements import (
    equal_target_message,
    kpi_indicator,
    no_system_message,
    not_model_post_message,
    parse_period,
)
from org.models import Post
from org.scope import is_administrator, secretary_units
from org.services.units import subtree_q


@transaction.atomic
def save_post_target(*, target: PostTarget | None = None, changes: Mapping[str, Any]) -> PostTarget:
    """Create or change a target under the model's rules: model posts and KPI indicators only,
    target ≠ floor, and the period inside the indicator's system year."""
    target = target or PostTarget()
    changes = dict(changes)
    if "period" in changes:
        # A code that does not parse is left as typed: the model's own check names what is wrong.
        with suppress(ValueError):
            changes["period"] = normalise_period_code(changes["period"])
    for name, value in changes.items():
        setattr(target, name, value)
    validated(target)
    target.save()
    return target


def delete_post_target(*, target: PostTarget) -> None:
    target.delete()


# --- a branch's target tasks, entered period by period (the secretary's targets page) ----------------


def target_posts_for(user: Any) -> QuerySet[Post]:
    """The posts whose target tasks the user sets: every post for an administrator; for a secretary
    the posts of his units' subtrees (holding a post does not make its holder its assessor)."""
    if is_administrator(user):
        return Post.objects.all()
    return Post.objects.filter(subtree_q(secretary_units(user).values_list("path", flat=True), field="unit__path"))


class TargetProblems(DomainError):
    """A page of targets refused as a whole: each indicator's problem, by indicator code."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("；".join(f"{code}: {message}" for code, message in self.problems.items()))

    @property
    def messages(self) -> list[str]:
        return [f"{code}: {message}" for code, message in self.problems.items()]


@dataclass(frozen=True)
class TargetChanges:
    created: int = 0
    changed: int = 0
    removed: int = 0


def _number(value: object, label: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(str(value).strip().replace("，", "").replace(",", ""))
    except ValueError:
        raise ValueError(f"{label}“{value}”不是数字 ({label} is not a number)") from None
    if not math.isfinite(number):
        raise ValueError(f"{label}“{value}”不是数字 ({label} is not a number)")
    return number


def _entry(floor: object, target: object) -> tuple[float, float] | None:
    """(floor, target), or None for "no target task"; ValueError with the reason otherwise."""
    low, high = _number(floor, "底线值"), _number(target, "目标值")
    if low is None and high is None:
        return None
    if low is None or high is None:
        raise ValueError("底线值和目标值须同时填写，或同时留空 (give both the floor and the target, or neither)")
    if low == high:
        raise ValueError(equal_target_message(low))
    return low, high


@transaction.atomic
def set_post_targets(
    *, user: Any, post: Post, period: str, entries: Mapping[str, tuple[object, object]]
) -> TargetChanges:
    """Set a post's target tasks for one period: `entries` maps a KPI code of the period's system to
    (floor, target) as typed; both empty removes the post's target for that indicator. Refused as a
    whole (TargetProblems, nothing written) when any entry breaks the rules; a post outside the
    user's posts is not found."""
    if not target_posts_for(user).filter(pk=post.pk).exists():
        raise NotInScope(f"岗位 {post.code} 不存在 (no such post)")
    if not post.is_model:
        raise DomainError(not_model_post_message(post.code))
    parsed = parse_period(period)
    code = parsed.code
    if not IndicatorSystem.objects.filter(year=parsed.year).exists():
        raise DomainError(no_system_message(parsed.year))
    problems: dict[str, str] = {}
    wanted: dict[Indicator, tuple[float, float] | None] = {}
    for indicator_code, (floor, target) in entries.items():
        try:
            wanted[kpi_indicator(code=indicator_code, period=parsed)] = _entry(floor, target)
        except DomainError as exc:
            problems[indicator_code] = exc.message
        except ValueError as exc:
            problems[indicator_code] = str(exc)
    if problems:
        raise TargetProblems(problems)

    existing = {row.indicator_id: row for row in PostTarget.objects.select_for_update().filter(post=post, period=code)}
    created = changed = removed = 0
    for indicator, values in wanted.items():
        row = existing.get(indicator.pk)
        if values is None:
            if row is not None:
                row.delete()
                removed += 1
            continue
        if row is not None and (row.floor, row.target) == values:
            continue
        try:
            save_post_target(
                target=row,
                changes={"post": post, "indicator": indicator, "period": code, "floor": values[0], "target": values[1]},
            )
        except DomainError as exc:
            problems[indicator.code] = exc.message
            continue
        created, changed = (created + 1, changed) if row is None else (created, changed + 1)
    if problems:
        # Raising inside the atomic block undoes the rows already saved: all or nothing.
        raise TargetProblems(problems)
    return TargetChanges(created=created, changed=changed, removed=removed)
