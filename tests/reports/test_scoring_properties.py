"""Property tests: the engine agrees with the reference scorer on random valid inputs, and properties that
hold for any scorer (bounds, indifference to answer order and to answers that score nothing)."""

import random

import pandas as pd
from hypothesis import given, note
from hypothesis import strategies as st

from reports.scoring.types import ScoringInputs
from tests.reports.reference_scorer import Reference, as_reference, differences, reference_score
from tests.reports.strategies import describe, scoring_inputs

TOLERANCE = 1e-9


def assert_agree(engine: Reference, reference: Reference, inputs: ScoringInputs) -> None:
    found = differences(engine, reference, TOLERANCE)
    if found:
        note(describe(inputs))
    assert not found, f"{len(found)} disagreements:\n" + "\n".join(found[:30])


@given(inputs=scoring_inputs())
def test_the_engine_agrees_with_the_reference_on_every_figure(engine_score, inputs):
    engine = as_reference(engine_score(inputs))
    reference = reference_score(inputs)
    assert_agree(engine, reference, inputs)
    assert set(engine.cards) == set(reference.cards)


@given(inputs=scoring_inputs())
def test_scores_stay_within_0_and_100_and_coverage_within_0_and_1(scorer, inputs):
    result = scorer(inputs)
    scores = [score for score, _ in result.role_scores.values()]
    scores += list(result.indicator_scores.values())
    scores += [score for score, _ in result.dimension_scores.values()]
    scores += [card[0] for card in result.cards.values() if card[0] is not None]
    scores += [score for pair in result.self_others.values() for score in pair[:2] if score is not None]
    coverages = [coverage for _, coverage in result.dimension_scores.values()]
    coverages += [card[1] for card in result.cards.values()]
    assert all(-TOLERANCE <= score <= 100 + TOLERANCE for score in scores)
    assert all(-TOLERANCE <= coverage <= 1 + TOLERANCE for coverage in coverages)
    # A dimension is scored only where something is present, so its coverage is never 0.
    assert all(coverage > 0 for coverage in coverages[: len(result.dimension_scores)])


@given(inputs=scoring_inputs(), seed=st.integers(0, 2**32 - 1))
def test_the_order_of_the_answer_rows_changes_nothing(scorer, inputs, seed):
    before = scorer(inputs)
    shuffled = inputs.answers.sample(frac=1.0, random_state=random.Random(seed).randrange(2**32))
    inputs.answers = shuffled  # the index is shuffled too: nothing may rely on it
    assert_agree(scorer(inputs), before, inputs)


@given(inputs=scoring_inputs(), pick=st.integers(0, 10**6), value=st.sampled_from([1.0, 3.0, 5.0]))
def test_an_answer_to_a_question_without_indicator_changes_nothing(scorer, inputs, pick, value):
    before = scorer(inputs)
    member_id = int(inputs.members["member_id"].iloc[pick % len(inputs.members)])
    question_id = int(pd.to_numeric(inputs.questions["question_id"]).max()) + 1 if len(inputs.questions) else 1
    # Rebuilt from records rather than concatenated: an all-empty column would warn, and dtypes re-infer.
    inputs.questions = pd.DataFrame(
        [
            *inputs.questions.to_dict("records"),
            dict(zip(inputs.questions.columns, (question_id, None, 1.0, 5.0, False), strict=True)),
        ]
    )
    extra = [(member_id, member_id, "self", question_id, value), (member_id, -999_999, "masses", question_id, value)]
    inputs.answers = pd.DataFrame(
        [*inputs.answers.to_dict("records"), *(dict(zip(inputs.answers.columns, row, strict=True)) for row in extra)]
    )
    assert_agree(scorer(inputs), before, inputs)
