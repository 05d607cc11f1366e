"""A deliberately simple scorer, read straight from DESIGN.md "Scoring" rules 1–8 and "Self vs others".

It exists only to hold the real engine to the text: plain loops, dicts, `statistics.mean` and
`math.floor`, no vectorisation and no cleverness. It takes the same `ScoringInputs` as the engine and
returns plain dicts (see `Reference`). `as_reference` turns the engine's `ScoringResult` into the same
shape, and `differences` lists where two of them disagree.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from statistics import mean
from typing import Any

import pandas as pd

from reports.scoring.types import ScoringInputs, ScoringResult, decision_round

ROLES = ("self", "peer", "secretary", "masses")
OTHER_ROLES = ("peer", "secretary", "masses")
RATED_SOURCES = ("questionnaire", "rating")

RoleKey = tuple[int, int, str]  # member, indicator, role
Card = tuple[float | None, float, int | None, str | None]  # total, coverage, rank, grade
SelfOthers = tuple[float | None, float | None, int]  # self score, others' score, others' raters


@dataclass
class Reference:
    role_scores: dict[RoleKey, tuple[float, int]]  # (member, indicator, role) → (score, raters)
    indicator_scores: dict[tuple[int, int], float]  # (member, indicator) → score
    dimension_scores: dict[tuple[int, str], tuple[float, float]]  # (member, dimension) → (score, coverage)
    cards: dict[int, Card]  # member → (total, coverage, rank, grade)
    self_others: dict[tuple[int, str], SelfOthers]  # (member, dimension) → (self, others, others' raters)


# ---------------------------------------------------------------------------------------------- helpers


def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [row._asdict() for row in frame.itertuples(index=False)]


def decide(value: float) -> float:
    # Rule 8: "ranks, grades, trends and thresholds compare values rounded to 9 decimals" — with the
    # project's one rounding function, so that a half-way value decides the same everywhere.
    return decision_round(value)


def weighted(pairs: list[tuple[float, float]]) -> float | None:
    """Scores combined with weights, renormalised over the ones present.

    Rule 6: "Something with weight 0 is never 'present'" — so a pair of weight 0 is dropped, and with
    nothing left there is no score at all.
    """
    present = [(score, weight) for score, weight in pairs if weight > 0]
    if not present:
        return None
    return sum(score * weight for score, weight in present) / sum(weight for _, weight in present)


def kpi_score(value: float, floor: float, target: float) -> float:
    # Rule 2: "s = clamp((a − f) / (t − f) × 100, 0, 100) (a lower-is-better KPI simply has f > t)".
    return min(100.0, max(0.0, (value - floor) / (target - floor) * 100))


# ----------------------------------------------------------------------------------------------- scorer


@dataclass(frozen=True)
class _Indicator:
    dimension: str
    weight: float
    source: str
    floor: float | None
    target: float | None


@dataclass(frozen=True)
class _Question:
    indicator: int | None
    lo: float
    hi: float
    reverse: bool


@dataclass(frozen=True)
class _Member:
    employee_no: str
    branch: int
    category: int


def reference_score(inputs: ScoringInputs) -> Reference:
    indicators = {
        int(row["indicator_id"]): _Indicator(
            dimension=str(row["dimension"]),
            weight=float(row["weight"]),
            source=str(row["source"]),
            floor=None if _missing(row["floor"]) else float(row["floor"]),
            target=None if _missing(row["target"]) else float(row["target"]),
        )
        for row in _rows(inputs.indicators)
    }
    questions = {
        int(row["question_id"]): _Question(
            indicator=None if _missing(row["indicator_id"]) else int(row["indicator_id"]),
            lo=float(row["lo"]),
            hi=float(row["hi"]),
            reverse=bool(row["reverse"]),
        )
        for row in _rows(inputs.questions)
    }
    members = {
        int(row["member_id"]): _Member(
            employee_no=str(row["employee_no"]), branch=int(row["branch_id"]), category=int(row["category_id"])
        )
        for row in _rows(inputs.members)
    }
    profile: dict[tuple[int, str], float] = {}
    for row in _rows(inputs.category_weights):
        profile[(int(row["category_id"]), str(row["dimension"]))] = float(row["weight"])
    role_weight = {role: float(inputs.rater_weights.get(role, 0.0)) for role in ROLES}

    # Rule 1 and rule 3, first half: every rater's normalised values, per member, indicator and role.
    values: dict[tuple[int, int, str, int], list[float]] = defaultdict(list)
    for row in _rows(inputs.answers):
        question = questions[int(row["question_id"])]
        # "questions linked to no indicator carry no score"
        if question.indicator is None:
            continue
        indicator_id = question.indicator
        # Rule 3 is about rated indicators; a KPI's score comes from measurements only (rule 2).
        if indicators[indicator_id].source not in RATED_SOURCES:
            continue
        subject = int(row["subject_id"])
        if subject not in members:
            continue
        lo, hi, v = question.lo, question.hi, float(row["value"])
        # "reverse-keyed: v' = lo + hi − v"
        if question.reverse:
            v = lo + hi - v
        # "s = (v' − lo) / (hi − lo) × 100"
        s = (v - lo) / (hi - lo) * 100
        # "Each anonymous response (no rater) is a rater of its own": its key is −response id, so the key
        # alone tells raters apart.
        values[(subject, indicator_id, str(row["role"]), int(row["rater_key"]))].append(s)

    # Rule 3: "for each rater, the mean of s over the indicator's questions that rater answered; then the
    # mean over that role's raters. Missing answers are skipped, never counted as zero."
    rater_means: dict[RoleKey, list[float]] = defaultdict(list)
    raters_of: dict[RoleKey, set[int]] = defaultdict(set)
    for (subject, indicator_id, role, rater), scores in values.items():
        rater_means[(subject, indicator_id, role)].append(mean(scores))
        raters_of[(subject, indicator_id, role)].add(rater)
    role_scores = {key: (mean(means), len(raters_of[key])) for key, means in rater_means.items()}

    # Rule 4: "rater roles combined with their weights, renormalised over the roles present".
    def combine_roles(member_id: int, indicator_id: int, roles: tuple[str, ...]) -> float | None:
        pairs = [
            (role_scores[(member_id, indicator_id, role)][0], role_weight[role])
            for role in roles
            if (member_id, indicator_id, role) in role_scores
        ]
        return weighted(pairs)

    indicator_scores: dict[tuple[int, int], float] = {}
    for member_id in members:
        for indicator_id, indicator in indicators.items():
            if indicator.source not in RATED_SOURCES:
                continue
            score = combine_roles(member_id, indicator_id, ROLES)
            if score is not None:
                indicator_scores[(member_id, indicator_id)] = score

    # Rule 2, KPIs.
    own: dict[tuple[int, int], float] = {}
    post_value: dict[tuple[int, int], float] = {}
    for row in _rows(inputs.measurements):
        key = (int(row["subject_id"]), int(row["indicator_id"]))
        if row["subject_kind"] == "member":
            own[key] = float(row["value"])
        else:
            post_value[key] = float(row["value"])
    post_target = {
        (int(row["post_id"]), int(row["indicator_id"])): (float(row["floor"]), float(row["target"]))
        for row in _rows(inputs.post_targets)
    }
    posts_of: dict[int, set[int]] = defaultdict(set)
    for row in _rows(inputs.post_holders):
        posts_of[int(row["member_id"])].add(int(row["post_id"]))

    for member_id in members:
        for indicator_id, indicator in indicators.items():
            if indicator.source != "kpi":
                continue
            floor, target = indicator.floor, indicator.target
            assert floor is not None and target is not None, "a KPI indicator has a floor and a target"
            # "A member's own measurement uses the indicator's floor and target."
            if (member_id, indicator_id) in own:
                indicator_scores[(member_id, indicator_id)] = kpi_score(own[(member_id, indicator_id)], floor, target)
                continue
            # "A member with no own measurement takes the model posts he holds: each post's value scored with
            # that post's floor and target for the period where set (else the indicator's), and the mean of
            # those scores."
            post_scores = []
            for post_id in sorted(posts_of[member_id]):
                if (post_id, indicator_id) not in post_value:
                    continue
                post_floor, post_goal = post_target.get((post_id, indicator_id), (floor, target))
                post_scores.append(kpi_score(post_value[(post_id, indicator_id)], post_floor, post_goal))
            if post_scores:
                indicator_scores[(member_id, indicator_id)] = mean(post_scores)

    # Rule 5: "indicator scores combined with their weights, renormalised over indicators present; the share
    # of the dimension's weight present is its coverage".
    dimensions = sorted({indicator.dimension for indicator in indicators.values()})
    in_dimension = {
        dimension: [i for i, indicator in indicators.items() if indicator.dimension == dimension]
        for dimension in dimensions
    }
    dimension_scores: dict[tuple[int, str], tuple[float, float]] = {}
    for member_id in members:
        for dimension in dimensions:
            pairs = [
                (indicator_scores[(member_id, i)], indicators[i].weight)
                for i in in_dimension[dimension]
                if (member_id, i) in indicator_scores
            ]
            score = weighted(pairs)
            if score is None:
                continue
            present = sum(weight for _, weight in pairs if weight > 0)
            whole = sum(indicators[i].weight for i in in_dimension[dimension])
            dimension_scores[(member_id, dimension)] = (score, present / whole)

    # Rule 6: "A member gets a score card for a period when at least one of his indicators has a score in
    # it"; the total is the dimension scores combined with the category's profile, renormalised over the
    # dimensions present, "the total's coverage is the sum of the profile weights of the dimensions present".
    carded = sorted({member_id for member_id, _ in indicator_scores})
    totals: dict[int, tuple[float | None, float]] = {}
    for member_id in carded:
        category = members[member_id].category
        pairs = [
            (dimension_scores[(member_id, dimension)][0], profile.get((category, dimension), 0.0))
            for dimension in dimensions
            if (member_id, dimension) in dimension_scores
        ]
        totals[member_id] = (weighted(pairs), sum(weight for _, weight in pairs if weight > 0))

    # Rule 7: "Rank inside the branch by total, ties share the best rank (1, 2, 2, 4)", on totals rounded
    # to 9 decimals (rule 8).
    rounded: dict[int, float] = {}
    ranked_in: dict[int, list[int]] = defaultdict(list)
    for member_id, (total, _) in totals.items():
        if total is not None:
            rounded[member_id] = decide(total)
            ranked_in[members[member_id].branch].append(member_id)
    rank: dict[int, int] = {}
    for branch_members in ranked_in.values():
        for member_id in branch_members:
            better = [other for other in branch_members if rounded[other] > rounded[member_id]]
            rank[member_id] = 1 + len(better)

    # Rule 7: "Grade by the system's thresholds", best grade first, thresholds compared rounded (rule 8).
    grades = sorted(inputs.grades, key=lambda grade: decide(grade[1]), reverse=True)
    grade: dict[int, str | None] = {}
    for member_id in rank:
        grade[member_id] = None
        for label, min_score, _ in grades:
            if decide(min_score) <= rounded[member_id]:
                grade[member_id] = label
                break
    # "with an optional cap on the share of the top grade per branch: at most ⌊max_share × n + 1e-9⌋ of the n
    # ranked members keep it, taken in rank order then employee_no (code-point order); the rest take the
    # next grade."
    max_share = grades[0][2] if grades else None
    if max_share is not None:
        top_label = grades[0][0]
        next_label = grades[1][0] if len(grades) > 1 else None
        for branch_members in ranked_in.values():
            keep = math.floor(float(max_share) * len(branch_members) + 1e-9)
            at_top = [member_id for member_id in branch_members if grade[member_id] == top_label]
            at_top.sort(key=lambda member_id: (rank[member_id], members[member_id].employee_no))
            for member_id in at_top[keep:]:
                grade[member_id] = next_label

    cards: dict[int, Card] = {
        member_id: (total, coverage, rank.get(member_id), grade.get(member_id))
        for member_id, (total, coverage) in totals.items()
    }

    # Self vs others: "the self score is rules 3–5 over questionnaire and rating indicators with the self role
    # only; the others' score is rules 3–5 over the same indicators with the other roles (renormalised)."
    self_others: dict[tuple[int, str], SelfOthers] = {}
    for member_id in members:
        for dimension in dimensions:
            rated = [i for i in in_dimension[dimension] if indicators[i].source in RATED_SOURCES]
            self_pairs = []
            others_pairs = []
            raters: set[int] = set()
            for i in rated:
                weight = indicators[i].weight
                by_self = combine_roles(member_id, i, ("self",))
                if by_self is not None:
                    self_pairs.append((by_self, weight))
                by_others = combine_roles(member_id, i, OTHER_ROLES)
                if by_others is None:
                    continue
                others_pairs.append((by_others, weight))
                # "distinct raters other than himself who contributed to it": an indicator or a role of weight 0
                # contributes nothing.
                if weight <= 0:
                    continue
                for (subject, indicator_id, role, rater), _ in values.items():
                    if (
                        subject == member_id
                        and indicator_id == i
                        and role in OTHER_ROLES
                        and role_weight[role] > 0
                        and rater != member_id
                    ):
                        raters.add(rater)
            self_score = weighted(self_pairs)
            others_score = weighted(others_pairs)
            if self_score is None and others_score is None:
                continue
            self_others[(member_id, dimension)] = (
                self_score,
                others_score,
                len(raters) if others_score is not None else 0,
            )

    return Reference(
        role_scores=role_scores,
        indicator_scores=indicator_scores,
        dimension_scores=dimension_scores,
        cards=cards,
        self_others=self_others,
    )


# ------------------------------------------------------------------------- the engine's result, same shape


def _number(value: Any) -> float | None:
    return None if _missing(value) else float(value)


def as_reference(result: ScoringResult) -> Reference:
    """The engine's DataFrames as the reference's dicts, so that both are checked the same way."""
    return Reference(
        role_scores={
            (int(r["member_id"]), int(r["indicator_id"]), str(r["role"])): (float(r["score"]), int(r["raters"]))
            for r in _rows(result.role_scores)
        },
        indicator_scores={
            (int(r["member_id"]), int(r["indicator_id"])): float(r["score"]) for r in _rows(result.indicator_scores)
        },
        dimension_scores={
            (int(r["member_id"]), str(r["dimension"])): (float(r["score"]), float(r["coverage"]))
            for r in _rows(result.dimension_scores)
        },
        cards={
            int(r["member_id"]): (
                _number(r["total"]),
                float(r["coverage"]),
                None if _missing(r["rank"]) else int(r["rank"]),
                None if _missing(r["grade"]) else str(r["grade"]),
            )
            for r in _rows(result.cards)
        },
        self_others={
            (int(r["member_id"]), str(r["dimension"])): (
                _number(r["self_score"]),
                _number(r["others_score"]),
                0 if _missing(r["others_raters"]) else int(r["others_raters"]),
            )
            for r in _rows(result.self_others)
        },
    )


def _close(a: Any, b: Any, tolerance: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return abs(float(a) - float(b)) <= tolerance
    return bool(a == b)


def _same(a: tuple[Any, ...], b: tuple[Any, ...], tolerance: float) -> bool:
    return len(a) == len(b) and all(_close(x, y, tolerance) for x, y in zip(a, b, strict=True))


def differences(engine: Reference, reference: Reference, tolerance: float = 1e-9) -> list[str]:
    """Every place where the engine and the reference disagree, as readable lines (empty when they agree).

    A (member, dimension) pair missing from self_others counts as (None, None, 0): whether a row with
    neither score exists is not part of the rules.
    """
    found: list[str] = []

    def compare(name: str, mine: dict[Any, Any], theirs: dict[Any, Any], default: Any = None) -> None:
        for key in sorted(set(mine) | set(theirs), key=repr):
            a = mine.get(key, default)
            b = theirs.get(key, default)
            a_tuple = a if isinstance(a, tuple) or a is None else (a,)
            b_tuple = b if isinstance(b, tuple) or b is None else (b,)
            if a_tuple is None or b_tuple is None:
                if a_tuple is not b_tuple:
                    found.append(f"{name}[{key!r}]: engine {a!r} ≠ reference {b!r}")
            elif not _same(a_tuple, b_tuple, tolerance):
                found.append(f"{name}[{key!r}]: engine {a!r} ≠ reference {b!r}")

    compare("role_scores", engine.role_scores, reference.role_scores)
    compare("indicator_scores", engine.indicator_scores, reference.indicator_scores)
    compare("dimension_scores", engine.dimension_scores, reference.dimension_scores)
    compare("cards", engine.cards, reference.cards)
    compare("self_others", engine.self_others, reference.self_others, default=(None, None, 0))
    return found
