"""Score cards of a period's current run, in the reader's scope (DESIGN.md "Roles and scope").

`score_cards` is the queryset behind the scores API; `score_frame` gives the same cards as one
DataFrame for reports and exports. Both read the current official run of the period, or the current
preview run when asked for the provisional result. Cards keep the unit as it was when scored, so
scope and the `unit` filter follow the card's unit, not the member's unit today.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.db.models.functions import Collate

from common.errors import NotInScope
from common.frames import read_frame
from org.models import Unit
from org.scope import is_administrator, member_of, secretary_units, units_visible_to
from org.services.units import subtree_q
from reports.models import IndicatorScore, RunStatus, ScoreCard, ScoreRun
from reports.scoring.types import DIMENSIONS


def current_run(*, period: str, provisional: bool = False) -> ScoreRun | None:
    return (
        ScoreRun.objects.filter(period=period, provisional=provisional, is_current=True, status=RunStatus.DONE)
        .select_related("system")
        .first()
    )


def cards_visible_to(user: Any) -> QuerySet[ScoreCard]:
    """Administrator: every card. Secretary: cards scored in his units' subtrees. Member: his own."""
    if is_administrator(user):
        return ScoreCard.objects.all()
    paths = list(secretary_units(user).values_list("path", flat=True))
    query = subtree_q(paths, field="unit__path")
    member = member_of(user)
    if member is not None:
        query |= Q(member_id=member.pk)
    return ScoreCard.objects.filter(query)


def unit_in_scope(*, user: Any, code: str) -> Unit:
    """The unit named by a `unit=` filter; one outside the user's scope is reported as not found."""
    unit = units_visible_to(user).filter(code=code).first()
    if unit is None:
        raise NotInScope(f"组织 {code} 不存在 (no such unit)")
    return unit


def _branch_order() -> OrderBy:
    # Paths sort into tree order byte-wise; PostgreSQL's locale collations skip the slashes.
    if connection.vendor == "postgresql":
        return Collate(F("branch__path"), "C").asc()
    return F("branch__path").asc()


def _in_period(cards: QuerySet[ScoreCard], *, period: str, provisional: bool, unit: Unit | None) -> QuerySet[ScoreCard]:
    cards = cards.filter(
        run__period=period, run__provisional=provisional, run__is_current=True, run__status=RunStatus.DONE
    )
    if unit is not None:
        cards = cards.filter(unit__path__startswith=unit.path)
    return cards.order_by(_branch_order(), F("rank").asc(nulls_last=True), "member__employee_no")


def score_cards(*, user: Any, period: str, provisional: bool = False, unit: Unit | None = None) -> QuerySet[ScoreCard]:
    """Cards of the period's current run in the user's scope, by branch (tree order) then rank."""
    cards = _in_period(cards_visible_to(user), period=period, provisional=provisional, unit=unit)
    return cards.select_related("run", "member", "unit", "category")


def indicator_scores(*, card: ScoreCard) -> QuerySet[IndicatorScore]:
    """The indicator scores behind one card, in the system's order (drill-down)."""
    return (
        IndicatorScore.objects.filter(run_id=card.run_id, member_id=card.member_id)
        .select_related("indicator", "indicator__dimension")
        .order_by("indicator__dimension__order", "indicator__order", "indicator__code")
    )


# Column of the frame → the card field it is read from.
FRAME_FIELDS: dict[str, str] = {
    "card_id": "pk",
    "member_id": "member_id",
    "employee_no": "member__employee_no",
    "name": "member__name",
    "unit_id": "unit_id",
    "unit": "unit__code",
    "unit_name": "unit__name",
    "branch_id": "branch_id",
    "branch": "branch__code",
    "branch_name": "branch__name",
    "category_id": "category_id",
    "category": "category__code",
    "category_name": "category__name",
    "total": "total",
    "rank": "rank",
    "grade": "grade",
    "coverage": "coverage",
    **{key: key for key in DIMENSIONS},
}
FRAME_DTYPES: dict[str, str] = {
    **dict.fromkeys(("card_id", "member_id", "unit_id", "branch_id", "category_id"), "int64"),
    **dict.fromkeys(("employee_no", "name", "unit", "unit_name", "branch", "branch_name"), "object"),
    **dict.fromkeys(("category", "category_name", "grade"), "object"),
    **dict.fromkeys(("total", "coverage", *DIMENSIONS), "float64"),
    "rank": "Int64",
}


def score_frame(*, period: str, provisional: bool = False, unit: Unit | None = None, user: Any = None) -> pd.DataFrame:
    """The period's cards as one DataFrame (columns: FRAME_FIELDS, then `period` and `provisional`),
    ordered like the API. Without a user it reads every card: for commands and reports that have
    already checked who asked."""
    every = ScoreCard.objects.all() if user is None else cards_visible_to(user)
    cards = _in_period(every, period=period, provisional=provisional, unit=unit)
    sql, params = cards.values_list(*FRAME_FIELDS.values()).query.sql_with_params()
    frame = read_frame(sql, params, list(FRAME_FIELDS), FRAME_DTYPES)
    # Text read back through CSV loses the difference between '' and NULL; a card without a grade
    # has none either way.
    frame["grade"] = frame["grade"].where(frame["grade"].notna() & (frame["grade"] != ""), None)
    frame["period"] = period
    frame["provisional"] = provisional
    return frame
