"""Two scored years of a synthetic organisation, written straight into the score tables (report benchmark).

No answers: the comparison and the workbook read only what scoring leaves behind. The default
catalogue is published for 2024 and 2025 and each year gets one official run (`ScoreRun`, done and
current) with

- a `ScoreCard` for 97 % of the members (3 % joined in 2025, another 3 % left after 2024 and are
  marked as left), total, six dimensions, coverage, rank in the branch and grade; 0.3 % of cards have
  no total (no dimension with a weight), and 1 % of the 2024 cards sit in another branch (members
  who moved since), so the cards' units differ from the members' units as they do in life;
- an `IndicatorScore` for every scored member and questionnaire/rating indicator (with the four role
  scores and the number of raters) and for 90 % of member x KPI pairs (score only);
- one model post per 20 branches with a `PostScore` and a `PostIndicatorScore` per KPI each year.

The organisation is bench/synthetic_scores.py's (branches of 20-40 members with two 党小组 each).
Indicator scores go in as binary COPY from NumPy structured arrays (a NULL is a field of length
-1, so KPI rows, whose role scores are NULL, have a record layout of their own in the same COPY);
cards and posts through `common.frames.write_frame`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from bench.synthetic_scores import ORGANISATION_TABLES, _bulk_load, _organisation, reset_sequences
from bench.synthetic_scores import Shape as OrgShape
from common.frames import write_frame
from indicators.models import Grade, Indicator, IndicatorSystem, Source
from indicators.services.catalogue import load_catalogue
from org.models import Member, MemberStatus, Post, Unit, UnitKind
from reports.models import IndicatorScore, PostIndicatorScore, PostScore, RunStatus, ScoreCard, ScoreRun
from reports.scoring.types import DIMENSIONS

YEARS = (2024, 2025)
SCORED_SHARE = 0.97
MOVED_SHARE = 0.01
NO_TOTAL_SHARE = 0.003
KPI_COVERAGE = 0.9
BRANCHES_PER_MODEL_POST = 20
HOLDERS_PER_POST = 3
ADMIN_USERNAME = "bench-admin"
SECRETARY_USERNAME = "bench-secretary"
ROLE_COLUMNS = ("self_score", "peer_score", "secretary_score", "masses_score")


@dataclass
class Shape:
    members: int
    branches: int = 0
    units: int = 0
    cards: dict[str, int] = field(default_factory=dict)
    indicator_scores: dict[str, int] = field(default_factory=dict)
    model_posts: int = 0
    post_indicator_scores: int = 0
    branch: str = ""  # the branch of the one-branch report
    branch_members: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


@contextmanager
def _timed(shape: Shape, label: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    shape.seconds[label] = round(time.perf_counter() - start, 3)


def generate(*, members: int, seed: int = 2025) -> Shape:
    """Fill an empty, migrated database with `members` members and two scored years."""
    rng = np.random.default_rng(seed)
    shape = Shape(members=members)
    with _timed(shape, "catalogue"):
        systems = {year: load_catalogue(year=year, publish=True) for year in YEARS}
    with transaction.atomic():
        with _timed(shape, "organisation"):
            org_shape = OrgShape(members=members)
            org = _organisation(rng, members, org_shape)
            shape.branches, shape.units = org_shape.branches, org_shape.units
            people = _people(org)
        with _timed(shape, "score_cards"):
            runs, cards = _runs_and_cards(rng, people, systems, shape)
        with _timed(shape, "indicator_scores"):
            _indicator_scores(rng, runs, cards, systems, shape)
        with _timed(shape, "posts"):
            _posts(rng, org, runs, systems, shape)
        _users(org, shape)
        reset_sequences([*ORGANISATION_TABLES, ScoreCard, IndicatorScore, PostScore, PostIndicatorScore])
    with _timed(shape, "vacuum_analyze"):
        _vacuum_analyze()
    return shape


# --- who is where ----------------------------------------------------------------------------------


def _people(org: Any) -> pd.DataFrame:
    """One row per member: member_id, unit_id, branch_id, category_id, ability (org order)."""
    units = pd.DataFrame.from_records(
        Unit.objects.values_list("pk", "kind", "parent_id"), columns=["unit_id", "kind", "parent_id"]
    ).set_index("unit_id")
    branch_of = pd.Series(
        np.where(units["kind"] == UnitKind.GROUP, units["parent_id"].fillna(-1), units.index), index=units.index
    ).astype("int64")
    stored = pd.DataFrame.from_records(
        Member.objects.values_list("pk", "unit_id", "category_id"), columns=["member_id", "unit_id", "category_id"]
    ).set_index("member_id")
    people = pd.DataFrame({"member_id": org.member_id})
    people["unit_id"] = people["member_id"].map(stored["unit_id"])
    people["category_id"] = people["member_id"].map(stored["category_id"])
    people["branch_id"] = people["unit_id"].map(branch_of)
    people["ability"] = org.ability
    return people


# --- runs and cards --------------------------------------------------------------------------------


def _grades(system: IndicatorSystem) -> list[tuple[str, float]]:
    rows = Grade.objects.filter(system=system).values_list("label", "min_score")
    return sorted(((label, float(low)) for label, low in rows), key=lambda pair: -pair[1])


def _runs_and_cards(
    rng: np.random.Generator, people: pd.DataFrame, systems: dict[int, IndicatorSystem], shape: Shape
) -> tuple[dict[int, ScoreRun], dict[int, pd.DataFrame]]:
    n = len(people)
    order = rng.permutation(n)
    cut = round(n * (1 - SCORED_SHARE))
    joined, left = order[:cut], order[cut : 2 * cut]  # no card in 2024 / no card in 2025
    # Everyone drifts a little from one year to the next, so some rise, some fall, some stay.
    drift = rng.normal(0.8, 3.0, size=(n, 1))
    moved = rng.random(n) < MOVED_SHARE
    branch_ids = people["branch_id"].unique()
    runs: dict[int, ScoreRun] = {}
    cards: dict[int, pd.DataFrame] = {}
    next_id = 1
    for year in YEARS:
        finished = datetime(year + 1, 1, 15, 9, 0, tzinfo=UTC)
        run = ScoreRun.objects.create(
            period=str(year),
            system=systems[year],
            status=RunStatus.DONE,
            is_current=True,
            finished_at=finished,
            parameters={"synthetic": True},
        )
        runs[year] = run
        scored = np.ones(n, dtype=bool)
        scored[joined if year == YEARS[0] else left] = False
        frame = people[scored].copy()
        if year == YEARS[0]:
            # Members who moved since sat directly in another branch the year before.
            elsewhere = moved[scored]
            frame.loc[elsewhere, "branch_id"] = rng.choice(branch_ids, size=int(elsewhere.sum()))
            frame.loc[elsewhere, "unit_id"] = frame.loc[elsewhere, "branch_id"]
        ability = frame["ability"].to_numpy()[:, None]
        shift = drift[scored] if year == YEARS[1] else 0.0
        dimensions = np.clip(74 + 8 * ability + shift + rng.normal(0, 6, size=(len(frame), 6)), 0, 100)
        for position, key in enumerate(DIMENSIONS):
            frame[key] = dimensions[:, position]
        total = dimensions.mean(axis=1) + rng.normal(0, 1, size=len(frame))
        total[rng.random(len(frame)) < NO_TOTAL_SHARE] = np.nan
        frame["total"] = total
        frame["coverage"] = rng.uniform(0.8, 1.0, size=len(frame)).round(3)
        frame["rank"] = frame.groupby("branch_id")["total"].rank(method="min", ascending=False).astype("Int64")
        frame["grade"] = ""
        for label, low in reversed(_grades(systems[year])):  # lowest first, the best overwrites
            frame.loc[frame["total"] >= low, "grade"] = label
        frame.insert(0, "id", np.arange(next_id, next_id + len(frame)))
        next_id += len(frame)
        frame["run_id"] = run.pk
        frame["dimension_coverage"] = "{}"
        frame["self_others"] = "{}"
        columns = ["id", "run_id", "member_id", "unit_id", "branch_id", "category_id", "total", "coverage"]
        columns += ["rank", "grade", *DIMENSIONS, "dimension_coverage", "self_others"]
        with _bulk_load(ScoreCard._meta.db_table):
            _write_cards(frame[columns])
        cards[year] = frame
        shape.cards[str(year)] = len(frame)
    Member.objects.filter(pk__in=people["member_id"].to_numpy()[left].tolist()).update(status=MemberStatus.LEFT)
    return runs, cards


def _write_cards(frame: pd.DataFrame) -> None:
    """COPY the cards, keeping an empty grade empty: `write_frame`'s CSV turns "" into NULL, which the
    NOT NULL grade column refuses (a card without a total has no grade)."""
    table = connection.ops.quote_name(ScoreCard._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name in frame.columns)
    text = frame.to_csv(header=False, index=False, na_rep="")
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (grade))") as copy,
    ):
        copy.write(text)


# --- indicator scores ------------------------------------------------------------------------------

# (column, big-endian dtype); None is a NULL (length -1, no bytes).
SCORE_LAYOUT: list[tuple[str, str | None]] = [
    ("id", ">i8"),
    ("run_id", ">i8"),
    ("member_id", ">i8"),
    ("indicator_id", ">i8"),
    ("score", ">f8"),
    *((name, ">f8") for name in ROLE_COLUMNS),
    ("raters", ">i4"),
]
KPI_LAYOUT: list[tuple[str, str | None]] = [
    (name, None if name in ROLE_COLUMNS else dtype) for name, dtype in SCORE_LAYOUT
]
POSTGRES_TYPES = {">i8": "bigint", ">i4": "integer", ">f8": "double precision"}


def _check_layout(table: str) -> None:
    """Binary COPY takes the table's exact column types: fail here rather than corrupt the data."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s", [table])
        types = dict(cursor.fetchall())
    wrong = {name: types.get(name) for name, dtype in SCORE_LAYOUT if types.get(name) != POSTGRES_TYPES[dtype or ""]}
    if wrong or len(types) != len(SCORE_LAYOUT):
        raise RuntimeError(f"{table} does not match the benchmark's binary layout: {wrong or sorted(types)}")


def _records(layout: list[tuple[str, str | None]], arrays: dict[str, np.ndarray]) -> bytes:
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for i, (_name, dtype) in enumerate(layout):
        fields.append((f"len{i}", ">i4"))
        if dtype is not None:
            fields.append((f"val{i}", dtype))
    rows = np.empty(len(arrays["id"]), dtype=np.dtype(fields))
    rows["count"] = len(layout)
    for i, (name, dtype) in enumerate(layout):
        if dtype is None:
            rows[f"len{i}"] = -1
        else:
            rows[f"len{i}"] = np.dtype(dtype).itemsize
            rows[f"val{i}"] = arrays[name]
    return rows.tobytes()


def _indicator_scores(
    rng: np.random.Generator,
    runs: dict[int, ScoreRun],
    cards: dict[int, pd.DataFrame],
    systems: dict[int, IndicatorSystem],
    shape: Shape,
) -> None:
    table = IndicatorScore._meta.db_table
    _check_layout(table)
    columns = ", ".join(connection.ops.quote_name(name) for name, _dtype in SCORE_LAYOUT)
    # Read before the COPY starts: the connection takes no other query until it ends.
    indicators_of = {
        year: pd.DataFrame.from_records(
            Indicator.objects.filter(system=systems[year]).order_by("pk").values_list("pk", "source", "dimension__key"),
            columns=["indicator_id", "source", "dimension"],
        )
        for year in YEARS
    }
    next_id = 1
    with (
        _bulk_load(table),
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN (FORMAT binary)") as copy,
    ):
        copy.write(b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big"))
        for year in YEARS:
            frame, indicators = cards[year], indicators_of[year]
            dimension_of = indicators["dimension"].map({key: i for i, key in enumerate(DIMENSIONS)}).to_numpy()
            is_kpi = (indicators["source"] == Source.KPI).to_numpy()
            dimensions = frame[list(DIMENSIONS)].to_numpy()
            n, k = len(frame), len(indicators)
            present = ~is_kpi[None, :] | (rng.random((n, k)) < KPI_COVERAGE)
            rows, cols = np.nonzero(present)
            score = np.clip(dimensions[rows, dimension_of[cols]] + rng.normal(0, 8, size=len(rows)), 0, 100)
            arrays: dict[str, np.ndarray] = {
                "id": np.arange(next_id, next_id + len(rows), dtype=np.int64),
                "run_id": np.full(len(rows), runs[year].pk, dtype=np.int64),
                "member_id": frame["member_id"].to_numpy()[rows],
                "indicator_id": indicators["indicator_id"].to_numpy()[cols],
                "score": score,
                "raters": rng.integers(6, 11, size=len(rows)),
            }
            for name, lean in zip(ROLE_COLUMNS, (3.0, 0.0, -1.0, -2.0), strict=True):
                arrays[name] = np.clip(score + lean + rng.normal(0, 5, size=len(rows)), 0, 100)
            kpi_row = is_kpi[cols]
            for layout, pick in ((SCORE_LAYOUT, ~kpi_row), (KPI_LAYOUT, kpi_row)):
                copy.write(_records(layout, {name: values[pick] for name, values in arrays.items()}))
            next_id += len(rows)
            shape.indicator_scores[str(year)] = len(rows)
        copy.write((-1).to_bytes(2, "big", signed=True))


# --- model posts -----------------------------------------------------------------------------------


def _posts(
    rng: np.random.Generator, org: Any, runs: dict[int, ScoreRun], systems: dict[int, IndicatorSystem], shape: Shape
) -> None:
    post_branches = np.arange(0, len(org.branch_size), BRANCHES_PER_MODEL_POST)
    n_posts = len(post_branches)
    post_ids = np.arange(1, n_posts + 1)
    unit_ids = org.branch_unit_id[post_branches]
    posts = pd.DataFrame(
        {
            "id": post_ids,
            "code": [f"P{i:05d}" for i in post_ids],
            "name": [f"精品岗位{i}" for i in post_ids],
            "is_model": True,
            "unit_id": unit_ids,
        }
    )
    write_frame(Post._meta.db_table, posts)
    holder_index = (org.branch_start[post_branches][:, None] + 1 + np.arange(HOLDERS_PER_POST)[None, :]).ravel()
    holders = pd.DataFrame(
        {
            "id": np.arange(1, len(holder_index) + 1),
            "post_id": np.repeat(post_ids, HOLDERS_PER_POST),
            "member_id": org.member_id[holder_index],
        }
    )
    write_frame(Post.holders.through._meta.db_table, holders)
    next_score_id = next_indicator_id = 1
    level = rng.uniform(0.4, 1.0, size=n_posts)
    for year in YEARS:
        kpis = pd.DataFrame.from_records(
            Indicator.objects.filter(system=systems[year], source=Source.KPI)
            .order_by("pk")
            .values_list("pk", "floor", "target", "weight"),
            columns=["indicator_id", "floor", "target", "weight"],
        )
        k = len(kpis)
        reach = np.clip(level[:, None] + rng.normal(0.05 * (year - YEARS[0]), 0.15, size=(n_posts, k)), 0, 1.3)
        floor, target = kpis["floor"].to_numpy(), kpis["target"].to_numpy()
        value = floor + (target - floor) * reach
        indicator_rows = pd.DataFrame(
            {
                "id": np.arange(next_indicator_id, next_indicator_id + n_posts * k),
                "run_id": runs[year].pk,
                "post_id": np.repeat(post_ids, k),
                "indicator_id": np.tile(kpis["indicator_id"].to_numpy(), n_posts),
                "value": value.ravel(),
                "floor": np.tile(floor, n_posts),
                "target": np.tile(target, n_posts),
                "completion": (value / np.where(target == 0, np.nan, target)).ravel(),
                "score": (np.clip(reach, 0, 1) * 100).ravel(),
                "weight": np.tile(kpis["weight"].to_numpy(), n_posts),
            }
        )
        write_frame(PostIndicatorScore._meta.db_table, indicator_rows)
        scores = pd.DataFrame(
            {
                "id": np.arange(next_score_id, next_score_id + n_posts),
                "run_id": runs[year].pk,
                "post_id": post_ids,
                "unit_id": unit_ids,
                "score": indicator_rows.groupby("post_id")["score"].mean().to_numpy(),
            }
        )
        write_frame(PostScore._meta.db_table, scores)
        next_indicator_id += len(indicator_rows)
        next_score_id += n_posts
        shape.post_indicator_scores += len(indicator_rows)
    shape.model_posts = n_posts


# --- users, sequences ------------------------------------------------------------------------------


def report_branch() -> tuple[str, int]:
    """The branch of the one-branch report: the one in the middle of the organisation."""
    branches = Unit.objects.filter(kind=UnitKind.BRANCH).order_by("code").values_list("code", "path")
    code, path = list(branches)[branches.count() // 2]
    members = ScoreCard.objects.filter(run__period=str(YEARS[-1]), unit__path__startswith=path).count()
    return code, members


def _users(org: Any, shape: Shape) -> None:
    users = get_user_model()
    users.objects.create_superuser(username=ADMIN_USERNAME, email="", password=None)
    secretary = users.objects.create_user(username=SECRETARY_USERNAME, password=None)
    shape.branch, shape.branch_members = report_branch()
    branch = Unit.objects.get(code=shape.branch)
    Member.objects.filter(pk=branch.secretary_id or 0).update(user=secretary)


def _vacuum_analyze() -> None:
    with connection.cursor() as cursor:
        for model in (ScoreCard, IndicatorScore, Member, Unit):
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")
        cursor.execute("ANALYZE")


def existing_shape() -> dict[str, Any]:
    """Row counts of a database filled earlier (for --reuse)."""
    branch, branch_members = report_branch()
    return {
        "members": Member.objects.count(),
        "branches": Unit.objects.filter(kind=UnitKind.BRANCH).count(),
        "units": Unit.objects.count(),
        "cards": {str(y): ScoreCard.objects.filter(run__period=str(y)).count() for y in YEARS},
        "indicator_scores": {str(y): IndicatorScore.objects.filter(run__period=str(y)).count() for y in YEARS},
        "model_posts": PostScore.objects.filter(run__period=str(YEARS[-1])).count(),
        "branch": branch,
        "branch_members": branch_members,
    }
