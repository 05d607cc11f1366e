"""Reads behind the comparison workbook: the indicator scores of a run for the members in a report,
and a system's indicators, as DataFrames (one SQL read each, whatever the size of the report)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from common.frames import read_frame
from indicators.models import Indicator, IndicatorSystem
from org.models import Unit
from reports.models import IndicatorScore, ScoreCard, ScoreRun
from reports.selectors.scores import cards_visible_to

INDICATOR_FIELDS = {
    "indicator_id": "pk",
    "code": "code",
    "name": "name",
    "dimension": "dimension__key",
    "dimension_name": "dimension__name",
    "dimension_order": "dimension__order",
    "weight": "weight",
    "source": "source",
    "order": "order",
}

SCORE_FIELDS = {
    "member_id": "member_id",
    "indicator_id": "indicator_id",
    "self_score": "self_score",
    "peer_score": "peer_score",
    "secretary_score": "secretary_score",
    "masses_score": "masses_score",
    "raters": "raters",
    "score": "score",
}
SCORE_DTYPES = {
    "member_id": "int64",
    "indicator_id": "int64",
    "raters": "int64",
    **dict.fromkeys(("self_score", "peer_score", "secretary_score", "masses_score", "score"), "float64"),
}


def system_indicators(system: IndicatorSystem) -> pd.DataFrame:
    """The system's indicators in its order: dimension, then indicator order, then code."""
    rows = (
        Indicator.objects.filter(system=system)
        .order_by("dimension__order", "order", "code")
        .values_list(*INDICATOR_FIELDS.values())
    )
    return pd.DataFrame.from_records(list(rows), columns=list(INDICATOR_FIELDS))


def run_indicator_scores(
    *, run: ScoreRun, unit: Unit | None, user: Any = None, member_ids: Sequence[int] | None = None
) -> pd.DataFrame:
    """Indicator scores of `run` for the members whose card in that run lies in the unit's subtree
    and in the user's scope (every card when user is None), and among `member_ids` where given."""
    scores = IndicatorScore.objects.filter(run=run).order_by()
    if member_ids is not None:
        scores = scores.filter(member_id__in=list(member_ids))
    if user is not None or unit is not None:
        cards = (ScoreCard.objects.all() if user is None else cards_visible_to(user)).filter(run=run)
        if unit is not None:
            cards = cards.filter(unit__path__startswith=unit.path)
        scores = scores.filter(member_id__in=cards.values("member_id"))
    sql, params = scores.values_list(*SCORE_FIELDS.values()).query.sql_with_params()
    return read_frame(sql, params, list(SCORE_FIELDS), SCORE_DTYPES)
