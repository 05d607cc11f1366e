"""Fixtures for the scoring tests: the engine under test, and both scorers for hand-worked examples."""

from collections.abc import Callable

import pytest

from reports.scoring.types import ScoringInputs, ScoringResult
from tests.reports.reference_scorer import Reference, as_reference, reference_score
from tests.reports.score_data import score_two_years


@pytest.fixture(scope="session")
def engine_score() -> Callable[[ScoringInputs], ScoringResult]:
    # No skip: with the engine missing these tests must fail, not pass quietly.
    from reports.scoring.engine import score

    return score


@pytest.fixture(scope="session", params=["engine", "reference"])
def scorer(request) -> Callable[[ScoringInputs], Reference]:
    """Hand-worked examples hold the engine to the arithmetic, and the reference to the same arithmetic."""
    if request.param == "reference":
        return reference_score
    score = request.getfixturevalue("engine_score")
    return lambda inputs: as_reference(score(inputs))


@pytest.fixture
def two_years(org_tree):
    """Official 2024 and 2025 runs of the org tree (tests.reports.score_data.TWO_YEARS)."""
    return score_two_years(org_tree)
