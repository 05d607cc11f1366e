"""Model posts' scores of the current official runs, in the reader's scope (DESIGN.md "Model posts").

Scope follows the score cards: an administrator sees every post; a secretary the posts whose unit
(as it was when scored) lies in his units' subtrees; anybody who holds a model post also sees that
post. A `unit` filter takes the unit's subtree. Without a user, everything: for commands and reports
that have already checked who asked.

`post_score_frame` and `post_indicator_frame` give one period; the `*_frames` functions read several
periods in one query each (the comparisons' stage series), with a `period` column.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
from django.db.models import Exists, OuterRef, Q, QuerySet

from org.models import Unit
from org.scope import is_administrator, member_of, secretary_units
from org.services.units import subtree_q
from reports.models import PostIndicatorScore, PostScore, RunStatus

POST_FRAME_COLUMNS = ["post_id", "post", "name", "unit", "unit_name", "period", "score"]
INDICATOR_FRAME_COLUMNS = [
    "post_id",
    "post",
    "indicator_id",
    "code",
    "indicator_name",
    "dimension",
    "value",
    "floor",
    "target",
    "completion",
    "score",
    "weight",
]

_POST_FIELDS: dict[str, str] = {
    "post_id": "post_id",
    "post": "post__code",
    "name": "post__name",
    "unit_id": "unit_id",
    "unit": "unit__code",
    "unit_name": "unit__name",
    "unit_path": "unit__path",
    "period": "run__period",
    "score": "score",
}
_INDICATOR_FIELDS: dict[str, str] = {
    "post_id": "post_id",
    "post": "post__code",
    "period": "run__period",
    "indicator_id": "indicator_id",
    "code": "indicator__code",
    "indicator_name": "indicator__name",
    "indicator_name_en": "indicator__name_en",
    "measure_unit": "indicator__measure_unit",
    "dimension": "indicator__dimension__key",
    "dimension_order": "indicator__dimension__order",
    "indicator_order": "indicator__order",
    "value": "value",
    "floor": "floor",
    "target": "target",
    "completion": "completion",
    "score": "score",
    "weight": "weight",
}
_FLOATS = ("value", "floor", "target", "completion", "score", "weight")


def _scope_q(user: Any, *, unit_field: str, post_field: str) -> Q | None:
    """None for everything (an administrator, or no user at all)."""
    if user is None or is_administrator(user):
        return None
    paths = list(secretary_units(user).values_list("path", flat=True))
    query = subtree_q(paths, field=f"{unit_field}__path")
    member = member_of(user)
    if member is not None:
        query |= Q(**{f"{post_field}__holders": member.pk})
    return query


def post_scores_visible_to(user: Any) -> QuerySet[PostScore]:
    query = _scope_q(user, unit_field="unit", post_field="post")
    return PostScore.objects.all() if query is None else PostScore.objects.filter(query).distinct()


def _current(periods: Iterable[str]) -> Q:
    return Q(run__period__in=list(periods), run__provisional=False, run__is_current=True, run__status=RunStatus.DONE)


def post_score_frames(*, periods: Iterable[str], unit: Unit | None = None, user: Any = None) -> pd.DataFrame:
    """The posts' scores of several periods' current official runs: _POST_FIELDS columns, by post code
    then period."""
    rows = post_scores_visible_to(user).filter(_current(periods))
    if unit is not None:
        rows = rows.filter(unit__path__startswith=unit.path)
    frame = pd.DataFrame.from_records(rows.values_list(*_POST_FIELDS.values()), columns=list(_POST_FIELDS))
    frame = frame.astype({"post_id": "int64", "unit_id": "int64", "score": "float64"})
    # Code-point order in Python: the same on SQLite and on PostgreSQL whatever its collation.
    return frame.sort_values(["post", "period"], kind="stable").reset_index(drop=True)


def post_indicator_frames(*, periods: Iterable[str], unit: Unit | None = None, user: Any = None) -> pd.DataFrame:
    """The posts' indicator rows of several periods' current official runs: _INDICATOR_FIELDS columns,
    by post code, period, then the system's indicator order."""
    rows = PostIndicatorScore.objects.filter(_current(periods))
    if user is not None or unit is not None:
        # The post's unit as scored lives on its PostScore row of the same run.
        scored = post_scores_visible_to(user).filter(run_id=OuterRef("run_id"), post_id=OuterRef("post_id"))
        if unit is not None:
            scored = scored.filter(unit__path__startswith=unit.path)
        rows = rows.filter(Exists(scored))
    frame = pd.DataFrame.from_records(rows.values_list(*_INDICATOR_FIELDS.values()), columns=list(_INDICATOR_FIELDS))
    frame = frame.astype({"post_id": "int64", "indicator_id": "int64", **dict.fromkeys(_FLOATS, "float64")})
    order = ["post", "period", "dimension_order", "indicator_order", "code"]
    return frame.sort_values(order, kind="stable").reset_index(drop=True)


def post_score_frame(*, period: str, unit: Unit | None = None, user: Any = None) -> pd.DataFrame:
    """One row per model post scored in the period's current official run, in scope: post_id, post
    (code), name, unit (code, as scored), unit_name, period, score (NaN where nothing was scored)."""
    return post_score_frames(periods=[period], unit=unit, user=user)[POST_FRAME_COLUMNS]


def post_indicator_frame(*, period: str, unit: Unit | None = None, user: Any = None) -> pd.DataFrame:
    """One row per post and KPI indicator of the period's current official run, in scope: post_id,
    post, indicator_id, code, indicator_name, dimension (key), value, floor, target (those scored
    against), completion (ratio), score, weight (share of the post score; 0 where not scored)."""
    return post_indicator_frames(periods=[period], unit=unit, user=user)[INDICATOR_FRAME_COLUMNS]
