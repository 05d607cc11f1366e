"""Entropy weights of each dimension's indicators, from a scored period, as a suggestion for a system.

The scores are the indicator scores of the period's current official run, read as one frame; the
arithmetic is `indicators.weighting.entropy_weights`. Indicators of the target system are matched to
the scored ones by code (DESIGN.md: the code is the key across years), so last year's scores can
suggest the weights of next year's draft. Applying writes one dimension's weights into a draft and
keeps an `EntropyWeighting` row saying where they came from, in one transaction, or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.db import transaction

from common.errors import DomainError
from common.frames import read_frame
from indicators.models import Dimension, EntropyWeighting, Indicator, IndicatorSystem
from indicators.periods import Period
from indicators.services.editing import require_draft
from indicators.services.systems import check_weight_sum
from indicators.weighting import entropies, entropy_weights, rounded_weights
from reports.models import IndicatorScore, RunStatus, ScoreRun
from reports.selectors.scores import current_run


@dataclass(frozen=True)
class EntropyIndicator:
    code: str
    name: str
    name_en: str
    current: float
    scored: int  # members with a score on it in the period
    entropy: float | None
    suggested: float | None  # rounded like the weights that would be written


@dataclass(frozen=True)
class EntropyDimension:
    dimension: Dimension
    indicators: list[EntropyIndicator]
    members: int  # members with a score on at least one of the dimension's indicators
    problem: str | None = None  # why nothing can be applied here

    @property
    def key(self) -> str:
        return self.dimension.key

    @property
    def applicable(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class EntropySuggestion:
    period: str
    run: ScoreRun
    system: IndicatorSystem
    dimensions: list[EntropyDimension] = field(default_factory=list)

    def dimension(self, key: str) -> EntropyDimension:
        for item in self.dimensions:
            if item.key == key:
                return item
        raise DomainError(f"未知的维度：{key} (unknown dimension)")


def scored_periods() -> list[str]:
    """Periods with a current official run: newest year first; in a year the annual one, halves, quarters."""
    codes = set(
        ScoreRun.objects.filter(provisional=False, is_current=True, status=RunStatus.DONE).values_list(
            "period", flat=True
        )
    )
    keys = {code: Period.parse(code).sort_key() for code in codes}
    return sorted(codes, key=lambda code: (-keys[code][0], *keys[code][1:]))


def _official_run(period: str) -> tuple[str, ScoreRun]:
    try:
        code = Period.parse(period).code
    except ValueError as exc:
        raise DomainError(str(exc)) from None
    run = current_run(period=code)
    if run is None:
        raise DomainError(f"{code} 期间还没有正式成绩，无法计算熵权 (the period {code} has no official scores)")
    return code, run


def _scores(run: ScoreRun, codes: list[str]) -> pd.DataFrame:
    """member_id, code, score of the run's indicator scores on these codes (scored ones only)."""
    rows = IndicatorScore.objects.filter(run=run, indicator__code__in=codes, score__isnull=False).values_list(
        "member_id", "indicator__code", "score"
    )
    sql, params = rows.query.sql_with_params()
    return read_frame(sql, params, ["member_id", "code", "score"], {"member_id": "int64", "score": "float64"})


def _dimension(dimension: Dimension, indicators: list[dict[str, Any]], table: pd.DataFrame) -> EntropyDimension:
    codes = [row["code"] for row in indicators]
    columns = table.reindex(columns=codes)
    scored = columns.notna().sum()
    members = int(columns.notna().any(axis=1).sum())

    def rows(entropy: pd.Series | None = None, weights: list[float] | None = None) -> list[EntropyIndicator]:
        return [
            EntropyIndicator(
                code=row["code"],
                name=row["name"],
                name_en=row["name_en"],
                current=row["weight"],
                scored=int(scored[row["code"]]),
                entropy=float(entropy[row["code"]]) if entropy is not None else None,
                suggested=weights[k] if weights is not None else None,
            )
            for k, row in enumerate(indicators)
        ]

    if not codes:
        return EntropyDimension(dimension, [], members, "本维度没有指标 (the dimension has no indicators)")
    if len(codes) == 1:
        return EntropyDimension(
            dimension, rows(), members, "本维度只有一项指标，权重为 1 (a single indicator weighs 1)"
        )
    unscored = [code for code in codes if scored[code] == 0]
    if unscored:
        return EntropyDimension(
            dimension,
            rows(),
            members,
            f"指标 {'、'.join(unscored)} 在该期间没有得分，不能计算熵权"
            f" (no scores for {', '.join(unscored)} in the period)",
        )
    weights = entropy_weights(columns)
    return EntropyDimension(
        dimension, rows(entropies(columns), rounded_weights([float(weights[c]) for c in codes])), members
    )


def entropy_suggestions(*, period: str, system: IndicatorSystem) -> EntropySuggestion:
    """Per dimension of `system`, the entropy weights of its indicators from the period's official scores."""
    code, run = _official_run(period)
    indicators: list[dict[str, Any]] = [
        dict(row)
        for row in Indicator.objects.filter(system=system)
        .order_by("dimension__order", "order", "code")
        .values("code", "name", "name_en", "weight", "dimension_id")
    ]
    frame = _scores(run, [row["code"] for row in indicators])
    if frame.empty:
        raise DomainError(
            f"{code} 期间的正式成绩中没有这些指标的得分 (the official scores of {code} have none for these indicators)"
        )
    table = frame.pivot_table(index="member_id", columns="code", values="score", aggfunc="first")
    dimensions = [
        _dimension(dimension, [row for row in indicators if row["dimension_id"] == dimension.pk], table)
        for dimension in Dimension.objects.order_by("order")
    ]
    return EntropySuggestion(period=code, run=run, system=system, dimensions=dimensions)


@transaction.atomic
def apply_entropy_weights(*, period: str, system: IndicatorSystem, dimension: Dimension, user: Any) -> EntropyWeighting:
    """Write one dimension's entropy weights into a draft system and record how they were derived."""
    locked = IndicatorSystem.objects.select_for_update().get(pk=system.pk)
    require_draft(system=locked)
    whole = entropy_suggestions(period=period, system=locked)
    suggestion = whole.dimension(dimension.key)
    if suggestion.problem is not None:
        raise DomainError(f"维度“{dimension.name}”：{suggestion.problem}")
    weights = [float(row.suggested or 0.0) for row in suggestion.indicators]
    check_weight_sum(weights, what=f"维度“{dimension.name}”")
    indicators = {i.code: i for i in Indicator.objects.filter(system=locked, dimension=dimension)}
    for row, weight in zip(suggestion.indicators, weights, strict=True):
        indicators[row.code].weight = weight
    Indicator.objects.bulk_update(list(indicators.values()), ["weight"])
    return EntropyWeighting.objects.create(
        system=locked,
        dimension=dimension,
        period=whole.period,
        score_run=whole.run.pk,
        members=suggestion.members,
        items=[row.code for row in suggestion.indicators],
        labels=[row.name for row in suggestion.indicators],
        entropies=[row.entropy for row in suggestion.indicators],
        previous_weights=[row.current for row in suggestion.indicators],
        weights=weights,
        created_by=user if getattr(user, "pk", None) else None,
    )


def entropy_records(*, system: IndicatorSystem) -> list[EntropyWeighting]:
    return list(
        EntropyWeighting.objects.filter(system=system)
        .select_related("dimension", "created_by")
        .order_by("-created_at", "-pk")
    )
