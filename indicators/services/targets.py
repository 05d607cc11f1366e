"""Post targets: a model post's floor and target for one KPI indicator and period (data, never frozen)."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from typing import Any

from django.db import transaction

from indicators.models import PostTarget
from indicators.periods import normalise_period_code
from indicators.services.editing import validated


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
