"""Building `ScoringInputs`: `make_inputs` for hand-worked examples, `scoring_inputs` for Hypothesis.

The strategy draws the shape with Hypothesis (branches, members, categories, indicators, scales, weights,
grades) and the bulk of the answers and measurements from a seeded `random.Random`: a few thousand draws
per example would overrun Hypothesis's buffer, while the shape is what shrinks usefully.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from hypothesis import strategies as st

from reports.scoring.types import (
    ANSWER_COLUMNS,
    CATEGORY_WEIGHT_COLUMNS,
    DIMENSIONS,
    INDICATOR_COLUMNS,
    MEASUREMENT_COLUMNS,
    MEMBER_COLUMNS,
    POST_HOLDER_COLUMNS,
    POST_TARGET_COLUMNS,
    QUESTION_COLUMNS,
    ScoringInputs,
)

NAN = float("nan")
DEFAULT_GRADES: list[tuple[str, float, float | None]] = [
    ("优秀", 90.0, None),
    ("合格", 70.0, None),
    ("基本合格", 60.0, None),
    ("不合格", 0.0, None),
]
EVEN_ROLES = {"self": 0.25, "peer": 0.25, "secretary": 0.25, "masses": 0.25}


def frame(columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> pd.DataFrame:
    rows = list(rows)
    if not rows:
        return pd.DataFrame({name: pd.Series(dtype="object") for name in columns})
    return pd.DataFrame(rows, columns=list(columns))


def make_inputs(
    *,
    answers: Iterable[tuple[int, int, str, int, float]] = (),
    questions: Iterable[tuple[int, int | None, float, float, bool]] = (),
    indicators: Iterable[tuple[int, str, str, float, str, float, float]] = (),
    members: Iterable[tuple[int, str, int, int]] = (),
    category_weights: dict[int, dict[str, float]] | None = None,
    rater_weights: dict[str, float] | None = None,
    grades: list[tuple[str, float, float | None]] | None = None,
    measurements: Iterable[tuple[str, int, int, float]] = (),
    post_targets: Iterable[tuple[int, int, float, float]] = (),
    post_holders: Iterable[tuple[int, int]] = (),
) -> ScoringInputs:
    """Tuples in the column order of `reports.scoring.types`; category weights as {category: {dimension: w}}."""
    profiles = category_weights if category_weights is not None else {1: dict.fromkeys(DIMENSIONS, 1 / 6)}
    return ScoringInputs(
        answers=frame(ANSWER_COLUMNS, answers),
        questions=frame(QUESTION_COLUMNS, questions),
        indicators=frame(INDICATOR_COLUMNS, indicators),
        members=frame(MEMBER_COLUMNS, members),
        category_weights=frame(
            CATEGORY_WEIGHT_COLUMNS,
            [
                (category, dimension, weight)
                for category, weights in profiles.items()
                for dimension, weight in weights.items()
            ],
        ),
        rater_weights=dict(rater_weights if rater_weights is not None else EVEN_ROLES),
        grades=list(grades if grades is not None else DEFAULT_GRADES),
        measurements=frame(MEASUREMENT_COLUMNS, measurements),
        post_targets=frame(POST_TARGET_COLUMNS, post_targets),
        post_holders=frame(POST_HOLDER_COLUMNS, post_holders),
    )


# ----------------------------------------------------------------------------------------------- Hypothesis

# (lo, hi, integer answers?) — likert, choice and number questions, some with non-integer bounds.
SCALES = [
    (1.0, 5.0, True),
    (1.0, 7.0, True),
    (0.0, 3.0, True),
    (1.0, 4.0, True),
    (0.0, 10.0, False),
    (0.5, 2.5, False),
    (-1.0, 1.0, False),
    (1.2, 3.7, False),
    (0.1, 0.7, False),
]
# (floor, target): higher is better, lower is better (floor > target), non-integer ones.
KPI_BOUNDS = [(0.0, 100.0), (60.0, 100.0), (100.0, 60.0), (0.0, 1.5), (10.0, 2.0), (0.3, 0.9), (5.0, 4.9)]
THRESHOLDS = [50.0, 60.0, 70.0, 75.0, 80.0, 90.0, 100.0, 100 / 3, 200 / 3, 37.5, 62.5]
SHARES = [0.0, 0.1, 0.2, 0.25, 0.29, 0.3, 1 / 3, 0.5, 0.7, 1.0]
ANSWER_STYLES = ["random", "random", "random", "mid", "max", "max", "min", "extremes"]


def _weights(parts: list[int]) -> list[float]:
    total = sum(parts)
    return [part / total for part in parts]


def _positive_parts(size: int, top: int) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(0, top), min_size=size, max_size=size).filter(lambda parts: sum(parts) > 0)


@dataclass
class _Pattern:
    """What one member received: answers by (role, rater slot, question), KPI values, posts held.

    Members drawn as copies share a pattern and a category, so their scores tie exactly.
    """

    category: int
    peers: int
    secretary: bool
    masses: int
    has_self: bool
    answers: dict[tuple[str, int, int], float] = field(default_factory=dict)
    own: dict[int, float] = field(default_factory=dict)
    posts: list[int] = field(default_factory=list)


def _answer(rng: random.Random, lo: float, hi: float, integer: bool, style: str) -> float:
    if style == "mid":
        return (lo + hi) / 2
    if style == "max":
        return hi
    if style == "min":
        return lo
    if style == "extremes":
        return rng.choice([lo, hi])
    if integer:
        return float(rng.randint(int(lo), int(hi)))
    return rng.choice([lo, hi, (lo + hi) / 2, round(rng.uniform(lo, hi), 3), rng.uniform(lo, hi)])


def _kpi_value(rng: random.Random, floor: float, target: float) -> float:
    span = target - floor
    return rng.choice(
        [
            floor,
            target,
            (floor + target) / 2,
            floor + 0.9 * span,
            floor - 0.5 * span,
            target + 0.5 * span,
            floor + rng.random() * span,
        ]
    )


@st.composite
def scoring_inputs(draw: st.DrawFn) -> ScoringInputs:
    seed = draw(st.integers(0, 2**32 - 1))
    rng = random.Random(seed)
    density = draw(st.sampled_from([0.4, 0.8, 1.0]))

    # Categories: six profile weights summing to 1, some 0; zero rows sometimes left out altogether.
    n_categories = draw(st.integers(1, 3))
    category_rows = []
    for category in range(1, n_categories + 1):
        weights = _weights(draw(_positive_parts(len(DIMENSIONS), 4)))
        drop_zeros = draw(st.booleans())
        category_rows += [
            (category, dimension, weight)
            for dimension, weight in zip(DIMENSIONS, weights, strict=True)
            if weight > 0 or not drop_zeros
        ]
    rater_weights = dict(
        zip(("self", "peer", "secretary", "masses"), _weights(draw(_positive_parts(4, 3))), strict=True)
    )

    # Indicators: 0–4 per dimension, mixed sources, weights summing to 1 inside the dimension, some 0.
    indicator_rows = []
    question_rows: list[tuple[int, int | None, float, float, bool]] = []
    next_indicator = 11
    next_question = 501
    kpis: list[tuple[int, float, float]] = []
    scales: dict[int, tuple[float, float, bool]] = {}
    for dimension in DIMENSIONS:
        count = draw(st.integers(0, 4))
        if count == 0:
            continue
        weights = _weights(draw(_positive_parts(count, 3)))
        for weight in weights:
            source = draw(st.sampled_from(["questionnaire", "questionnaire", "rating", "kpi"]))
            indicator_id = next_indicator
            next_indicator += 1
            if source == "kpi":
                floor, target = draw(st.sampled_from(KPI_BOUNDS))
                kpis.append((indicator_id, floor, target))
            else:
                floor, target = NAN, NAN
                for _ in range(draw(st.integers(1, 4))):
                    lo, hi, integer = draw(st.sampled_from(SCALES))
                    question_rows.append((next_question, indicator_id, lo, hi, draw(st.booleans())))
                    scales[next_question] = (lo, hi, integer)
                    next_question += 1
            indicator_rows.append((indicator_id, f"I{indicator_id}", dimension, weight, source, floor, target))
    for _ in range(draw(st.integers(0, 3))):  # questions that score nothing
        lo, hi, integer = draw(st.sampled_from(SCALES))
        question_rows.append((next_question, None, lo, hi, draw(st.booleans())))
        scales[next_question] = (lo, hi, integer)
        next_question += 1

    # Model posts with their own measurements and, for some indicators, their own targets.
    post_ids = list(range(701, 701 + draw(st.integers(0, 4))))
    measurement_rows = []
    post_target_rows = []
    for post_id in post_ids:
        for indicator_id, floor, target in kpis:
            if rng.random() < 0.7:
                measurement_rows.append(("post", post_id, indicator_id, _kpi_value(rng, floor, target)))
            if rng.random() < 0.5:
                post_floor, post_target = rng.choice(KPI_BOUNDS)
                post_target_rows.append((post_id, indicator_id, post_floor, post_target))

    # Members: employee numbers whose code-point order differs from numeric order ("10" < "9").
    n_branches = draw(st.integers(1, 4))
    n_members = draw(st.integers(1, 15))
    numbers = draw(st.lists(st.integers(1, 15), min_size=n_members, max_size=n_members, unique=True))
    member_ids = [101 + index for index in range(n_members)]
    patterns: list[_Pattern] = []
    member_rows: list[tuple[int, str, int, int]] = []
    for index, member_id in enumerate(member_ids):
        copy = index > 0 and draw(st.booleans())
        branch_id = draw(st.integers(1, n_branches))
        if copy:
            original = draw(st.integers(0, index - 1))
            pattern = patterns[original]
            if draw(st.integers(0, 3)) > 0:  # mostly in the same branch, where the tie decides rank and cap
                branch_id = member_rows[original][2]
        else:
            pattern = _Pattern(
                category=draw(st.integers(1, n_categories)),
                peers=draw(st.integers(0, 3)),
                secretary=draw(st.booleans()),
                masses=draw(st.integers(0, 3)),
                has_self=draw(st.integers(0, 5)) > 0,
            )
            style = draw(st.sampled_from(ANSWER_STYLES))
            slots = [("self", 0)] if pattern.has_self else []
            slots += [("peer", k) for k in range(pattern.peers)]
            slots += [("secretary", 0)] if pattern.secretary else []
            slots += [("masses", k) for k in range(pattern.masses)]
            for role, slot in slots:
                for question_id, (lo, hi, integer) in scales.items():
                    if rng.random() < density:
                        pattern.answers[(role, slot, question_id)] = _answer(rng, lo, hi, integer, style)
            for indicator_id, floor, target in kpis:
                if rng.random() < 0.4:
                    pattern.own[indicator_id] = _kpi_value(rng, floor, target)
            pattern.posts = [post_id for post_id in post_ids if rng.random() < 0.4]
        patterns.append(pattern)
        member_rows.append((member_id, str(numbers[index]), branch_id, pattern.category))

    # Raters: self is the member; peers are other members (or outsiders when the branch is small); the
    # secretary is the first member of the branch (or an outsider), so he may also be a peer; every
    # anonymous form has its own negative key.
    first_of_branch: dict[int, int] = {}
    for member_id, _, branch_id, _ in member_rows:
        first_of_branch.setdefault(branch_id, member_id)
    answer_rows = []
    holder_rows = []
    next_form = 1
    for index, (member_id, _, branch_id, _) in enumerate(member_rows):
        pattern = patterns[index]
        others = member_ids[index + 1 :] + member_ids[:index]
        secretary = first_of_branch[branch_id] if first_of_branch[branch_id] != member_id else 9000 + branch_id
        forms = {}
        for slot in range(pattern.masses):
            forms[slot] = -next_form
            next_form += 1
        for (role, slot, question_id), value in pattern.answers.items():
            if role == "self":
                rater = member_id
            elif role == "peer":
                rater = others[slot] if slot < len(others) else 5000 + slot
            elif role == "secretary":
                rater = secretary
            else:
                rater = forms[slot]
            answer_rows.append((member_id, rater, role, question_id, value))
        for indicator_id, value in pattern.own.items():
            measurement_rows.append(("member", member_id, indicator_id, value))
        holder_rows += [(post_id, member_id) for post_id in pattern.posts]

    # Grades: distinct thresholds (a catch-all 0 always), any order; the top one may cap its share.
    thresholds = draw(st.lists(st.sampled_from(THRESHOLDS), min_size=1, max_size=3, unique=True))
    thresholds = [0.0, *thresholds]
    grades: list[tuple[str, float, float | None]] = [
        (f"G{index}", value, None) for index, value in enumerate(thresholds)
    ]
    grades.sort(key=lambda grade: grade[1], reverse=True)
    if len(grades) > 1 and draw(st.integers(0, 2)) > 0:
        label, value, _ = grades[0]
        grades[0] = (label, value, draw(st.sampled_from(SHARES)))
    grades = draw(st.permutations(grades))

    return ScoringInputs(
        answers=frame(ANSWER_COLUMNS, answer_rows),
        questions=frame(QUESTION_COLUMNS, question_rows),
        indicators=frame(INDICATOR_COLUMNS, indicator_rows),
        members=frame(MEMBER_COLUMNS, member_rows),
        category_weights=frame(CATEGORY_WEIGHT_COLUMNS, category_rows),
        rater_weights=rater_weights,
        grades=list(grades),
        measurements=frame(MEASUREMENT_COLUMNS, measurement_rows),
        post_targets=frame(POST_TARGET_COLUMNS, post_target_rows),
        post_holders=frame(POST_HOLDER_COLUMNS, holder_rows),
    )


def describe(inputs: ScoringInputs) -> str:
    """The whole input as text, for a failing example's report."""
    parts = []
    for name in ("answers", "questions", "indicators", "members", "category_weights", "measurements"):
        parts.append(f"{name}:\n{getattr(inputs, name).to_string()}")
    parts.append(f"post_targets:\n{inputs.post_targets.to_string()}")
    parts.append(f"post_holders:\n{inputs.post_holders.to_string()}")
    parts.append(f"rater_weights: {inputs.rater_weights}")
    parts.append(f"grades: {inputs.grades}")
    return "\n".join(parts)
