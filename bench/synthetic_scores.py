"""A synthetic organisation with one period to score, written into PostgreSQL with COPY (scoring benchmark).

Shape, per member: one self form, one secretary form (the secretary himself gets a fifth peer instead),
four peer forms from his branch and four anonymous masses forms; each form answers every question of
four of the 21 questionnaire/rating indicators (5 questions each), so 10 forms x 20 answers = 200
answers as subject. A further 2 % of forms are drafts, which scoring must skip. Members sit in branches
of 20-40 (a third directly in the branch, the rest in its two groups); KPI values exist for 90 % of
member x KPI pairs; one branch in 20 has a model post with three holders, values and post targets.

Everything is generated with NumPy. The 20M-row answer table goes in as binary COPY built from a
NumPy structured array, with its secondary indexes and foreign keys dropped during the load and
re-created after, which is how a bulk import into PostgreSQL is done; smaller tables go through
`common.frames.write_frame` (CSV COPY).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection, transaction

from common.frames import write_frame
from indicators.models import Indicator, IndicatorSystem, Measurement, PostTarget, Source
from indicators.services.catalogue import load_catalogue
from org.models import Member, MemberCategory, Post, Unit, UnitKind
from org.services.units import path_for
from surveys.models import Answer, Question, Questionnaire, QuestionnaireStatus, Response, ResponseStatus

YEAR = 2025
PERIOD = "2025"
QUESTIONS_PER_INDICATOR = 5
INDICATORS_PER_FORM = 4
PEER_FORMS = 4
MASSES_FORMS = 4
DRAFT_SHARE = 0.02
BRANCH_SIZES = (20, 40)
BRANCHES_PER_GENERAL = 10
GROUPS_PER_BRANCH = 2
KPI_COVERAGE = 0.9
BRANCHES_PER_MODEL_POST = 20
HOLDERS_PER_POST = 3
ROLE_NAMES = np.array(["self", "secretary", "peer", "masses"], dtype=object)
ANSWER_BATCH_FORMS = 200_000


@dataclass
class Shape:
    members: int
    branches: int = 0
    units: int = 0
    questions: int = 0
    responses: int = 0
    submitted_responses: int = 0
    answers: int = 0
    submitted_answers: int = 0
    measurements: int = 0
    model_posts: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


@contextmanager
def _timed(shape: Shape, label: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    shape.seconds[label] = round(time.perf_counter() - start, 3)


def generate(*, members: int, seed: int = 2025) -> Shape:
    """Fill an empty, migrated database with `members` members and one period of answers."""
    rng = np.random.default_rng(seed)
    shape = Shape(members=members)
    with _timed(shape, "catalogue"):
        system = load_catalogue(year=YEAR, publish=True)
    with transaction.atomic():
        with _timed(shape, "organisation"):
            org = _organisation(rng, members, shape)
        with _timed(shape, "questionnaire"):
            questions = _questionnaire(system, shape)
        with _timed(shape, "responses_and_answers"):
            _responses_and_answers(rng, org, questions, shape)
        with _timed(shape, "kpi_and_posts"):
            _kpis_and_posts(rng, org, system, shape)
        reset_sequences([*ORGANISATION_TABLES, Response, Answer, Measurement])
    with _timed(shape, "vacuum_analyze"):
        _vacuum_analyze()
    return shape


# --- organisation ----------------------------------------------------------------------------------


@dataclass
class _Org:
    member_id: np.ndarray  # sorted by branch, secretary first in each branch
    branch_index: np.ndarray  # per member
    position: np.ndarray  # per member, 0 = the branch's secretary
    branch_start: np.ndarray  # per branch, index of its first member
    branch_size: np.ndarray
    branch_unit_id: np.ndarray
    ability: np.ndarray  # per member, drives his answers and KPI values


def _branch_sizes(rng: np.random.Generator, members: int) -> np.ndarray:
    low, high = BRANCH_SIZES
    sizes = rng.integers(low, high + 1, size=members // low + 1)
    cut = int(np.searchsorted(np.cumsum(sizes), members))
    sizes = sizes[: cut + 1].copy()
    sizes[-1] -= int(sizes.sum()) - members
    if len(sizes) > 1 and sizes[-1] < low:  # too small to have 5 peers: fold into the previous branch
        sizes[-2] += sizes[-1]
        sizes = sizes[:-1]
    return sizes


def _organisation(rng: np.random.Generator, members: int, shape: Shape) -> _Org:
    sizes = _branch_sizes(rng, members)
    n_branches = len(sizes)
    n_general = -(-n_branches // BRANCHES_PER_GENERAL)
    # Unit ids: 1 committee, then general branches, branches, groups.
    general_ids = np.arange(2, 2 + n_general)
    branch_ids = np.arange(general_ids[-1] + 1, general_ids[-1] + 1 + n_branches)
    group_ids = np.arange(branch_ids[-1] + 1, branch_ids[-1] + 1 + n_branches * GROUPS_PER_BRANCH).reshape(
        n_branches, GROUPS_PER_BRANCH
    )
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    member_ids = np.arange(1, members + 1)
    branch_index = np.repeat(np.arange(n_branches), sizes)
    position = member_ids - 1 - starts[branch_index]

    rows: list[tuple[int, str, str, str, int | None, int | None]] = [(1, "C", "党委", UnitKind.COMMITTEE, None, None)]
    for i, general_id in enumerate(general_ids):
        rows.append((int(general_id), f"G{i + 1:04d}", f"第{i + 1}党总支", UnitKind.GENERAL_BRANCH, 1, None))
    for i, branch_id in enumerate(branch_ids):
        secretary = int(member_ids[starts[i]])
        parent = int(general_ids[i // BRANCHES_PER_GENERAL])
        rows.append((int(branch_id), f"B{i + 1:05d}", f"第{i + 1}党支部", UnitKind.BRANCH, parent, secretary))
        for g in range(GROUPS_PER_BRANCH):
            rows.append(
                (
                    int(group_ids[i, g]),
                    f"B{i + 1:05d}-{g + 1}",
                    f"第{g + 1}党小组",
                    UnitKind.GROUP,
                    int(branch_id),
                    None,
                )
            )
    paths: dict[int, str] = {}
    for row in rows:  # parents come before children
        paths[row[0]] = path_for(paths[row[4]] if row[4] else None, row[0])
    units = pd.DataFrame(rows, columns=["id", "code", "name", "kind", "parent_id", "secretary_id"])
    units["path"] = units["id"].map(paths)
    units = units.astype({"parent_id": "Int64", "secretary_id": "Int64"})
    write_frame(Unit._meta.db_table, units)

    # The secretary and every third member sit in the branch itself, the others in its groups.
    in_group = (position % 3) != 0
    group_of = group_ids[branch_index, position % GROUPS_PER_BRANCH]
    unit_of = np.where(in_group, group_of, branch_ids[branch_index])
    categories = np.array(MemberCategory.objects.order_by("code").values_list("pk", flat=True))
    frame = pd.DataFrame(
        {
            "id": member_ids,
            "employee_no": [f"E{i:07d}" for i in member_ids],
            "name": [f"党员{i}" for i in member_ids],
            "status": "active",
            "category_id": rng.choice(categories, size=members, p=_category_shares(len(categories))),
            "unit_id": unit_of,
        }
    )
    write_frame(Member._meta.db_table, frame)
    shape.branches, shape.units = n_branches, len(units)
    return _Org(
        member_id=member_ids,
        branch_index=branch_index,
        position=position,
        branch_start=starts,
        branch_size=sizes,
        branch_unit_id=branch_ids,
        ability=rng.normal(0.0, 1.0, size=members),
    )


def _category_shares(n: int) -> np.ndarray:
    shares = np.array([0.2, 0.3, 0.5][:n] + [0.1] * max(n - 3, 0))
    return shares / shares.sum()


# --- questionnaire ---------------------------------------------------------------------------------


def _questionnaire(system: IndicatorSystem, shape: Shape) -> pd.DataFrame:
    """One questionnaire, 5 likert questions per questionnaire/rating indicator, every 4th reverse-keyed."""
    questionnaire = Questionnaire.objects.create(
        code=f"BENCH-{PERIOD}",
        title=f"{PERIOD} 年度党员模范力测评",
        system=system,
        period=PERIOD,
        roles=["self", "peer", "secretary", "masses"],
        status=QuestionnaireStatus.CLOSED,
    )
    indicators = list(
        Indicator.objects.filter(system=system, source__in=[Source.QUESTIONNAIRE, Source.RATING]).order_by("pk")
    )
    questions = [
        Question(
            questionnaire=questionnaire,
            code=f"{indicator.code}_{k + 1}",
            indicator=indicator,
            text=f"{indicator.name}（{k + 1}）",
            lo=1,
            hi=5,
            reverse=(i * QUESTIONS_PER_INDICATOR + k) % 4 == 3,
            order=i * QUESTIONS_PER_INDICATOR + k,
        )
        for i, indicator in enumerate(indicators)
        for k in range(QUESTIONS_PER_INDICATOR)
    ]
    Question.objects.bulk_create(questions)
    shape.questions = len(questions)
    frame = pd.DataFrame(
        {
            "question_id": [q.pk for q in questions],
            "indicator_index": [q.order // QUESTIONS_PER_INDICATOR for q in questions],
            "reverse": [q.reverse for q in questions],
        }
    )
    frame.attrs["questionnaire_id"] = questionnaire.pk
    frame.attrs["indicators"] = len(indicators)
    return frame


# --- responses and answers -------------------------------------------------------------------------


def _forms(org: _Org) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """subject index, rater index (-1 for anonymous), role code for every form, grouped by subject."""
    n = len(org.member_id)
    members = np.arange(n)
    start, size = org.branch_start[org.branch_index], org.branch_size[org.branch_index]
    is_secretary = org.position == 0
    subjects, raters, roles = [members], [members], [np.zeros(n, dtype=np.int64)]

    others = members[~is_secretary]
    subjects.append(others)
    raters.append(start[~is_secretary])
    roles.append(np.full(len(others), 1))

    # Peers: the next members of the branch, skipping the secretary (position 0) and oneself; a
    # secretary has no secretary form, so he gets a fifth peer instead.
    for j in range(1, PEER_FORMS + 2):
        pick = np.ones(n, dtype=bool) if j <= PEER_FORMS else is_secretary
        peer_position = np.where(is_secretary, j, 1 + (org.position - 1 + j) % (size - 1))
        subjects.append(members[pick])
        raters.append((start + peer_position)[pick])
        roles.append(np.full(int(pick.sum()), 2))
    for _ in range(MASSES_FORMS):
        subjects.append(members)
        raters.append(np.full(n, -1))
        roles.append(np.full(n, 3))
    subject, rater, role = (np.concatenate(parts) for parts in (subjects, raters, roles))
    order = np.argsort(subject, kind="stable")
    return subject[order], rater[order], role[order]


def _responses_and_answers(rng: np.random.Generator, org: _Org, questions: pd.DataFrame, shape: Shape) -> None:
    subject, rater, role = _forms(org)
    # Drafts come on top: anonymous forms left unsubmitted, which scoring must not count.
    drafts = rng.choice(len(org.member_id), size=int(len(subject) * DRAFT_SHARE))
    subject = np.concatenate([subject, drafts])
    rater = np.concatenate([rater, np.full(len(drafts), -1)])
    role = np.concatenate([role, np.full(len(drafts), 3)])
    submitted = np.arange(len(subject)) < len(subject) - len(drafts)
    n_forms = len(subject)
    response_id = np.arange(1, n_forms + 1)

    now = datetime(YEAR, 12, 20, 9, 0, tzinfo=UTC).isoformat()
    rater_member = pd.array(np.where(rater >= 0, org.member_id[np.maximum(rater, 0)], 0), dtype="Int64")
    rater_member[rater < 0] = pd.NA
    form_id = pd.Series([f"M{i}" for i in response_id], dtype="object").where(rater < 0, None)
    responses = pd.DataFrame(
        {
            "id": response_id,
            "questionnaire_id": questions.attrs["questionnaire_id"],
            "rater_id": rater_member,
            "subject_id": org.member_id[subject],
            "role": ROLE_NAMES[role],
            "form_id": form_id,
            "status": np.where(submitted, ResponseStatus.SUBMITTED.value, ResponseStatus.DRAFT.value),
            "submitted_at": pd.Series(now, index=range(n_forms)).where(submitted, None),
            "updated_at": now,
        }
    )
    write_frame(Response._meta.db_table, responses)
    shape.responses, shape.submitted_responses = n_forms, int(submitted.sum())

    n_indicators = int(questions.attrs["indicators"])
    question_ids = questions.sort_values(["indicator_index", "question_id"])["question_id"].to_numpy()
    reverse = questions.set_index("question_id")["reverse"].reindex(question_ids).to_numpy()
    role_leniency = np.array([0.5, 0.0, 0.2, -0.1])
    indicator_effect = rng.normal(0.0, 0.3, size=n_indicators)
    next_id = 1
    with _bulk_load(Answer._meta.db_table), _binary_copy(Answer._meta.db_table, ANSWER_LAYOUT) as write:
        for lo in range(0, n_forms, ANSWER_BATCH_FORMS):
            hi = min(lo + ANSWER_BATCH_FORMS, n_forms)
            batch = _answers(
                rng,
                response_id[lo:hi],
                org.ability[subject[lo:hi]] + role_leniency[role[lo:hi]],
                question_ids,
                reverse,
                indicator_effect,
                first_id=next_id,
            )
            write(batch)
            next_id += len(batch["id"])
            shape.submitted_answers += len(batch["id"]) // (hi - lo) * int(submitted[lo:hi].sum())
    shape.answers = next_id - 1


def _answers(
    rng: np.random.Generator,
    response_id: np.ndarray,
    level: np.ndarray,
    question_ids: np.ndarray,
    reverse: np.ndarray,
    indicator_effect: np.ndarray,
    *,
    first_id: int,
) -> dict[str, np.ndarray]:
    """Each form answers all questions of 4 distinct indicators: start + k * step (mod their count)."""
    n_indicators = len(indicator_effect)
    n = len(response_id)
    start = rng.integers(0, n_indicators, size=n)
    # A step coprime with the indicator count walks distinct indicators from any start.
    steps = np.array([s for s in range(1, n_indicators) if math.gcd(s, n_indicators) == 1])
    step = rng.choice(steps, size=n)
    chosen = (start[:, None] + np.arange(INDICATORS_PER_FORM)[None, :] * step[:, None]) % n_indicators
    question_index = (chosen[:, :, None] * QUESTIONS_PER_INDICATOR + np.arange(QUESTIONS_PER_INDICATOR)).reshape(n, -1)
    per_form = question_index.shape[1]
    mean = 3.9 + 0.6 * level[:, None] + indicator_effect[chosen].repeat(QUESTIONS_PER_INDICATOR, axis=1)
    value = np.clip(np.rint(mean + rng.normal(0.0, 0.8, size=(n, per_form))), 1, 5)
    flat_index = question_index.ravel()
    value = value.ravel()
    value = np.where(reverse[flat_index], 6.0 - value, value)  # stored raw: the reverse key undoes it
    return {
        "id": np.arange(first_id, first_id + n * per_form, dtype=np.int64),
        "response_id": np.repeat(response_id, per_form).astype(np.int64),
        "question_id": question_ids[flat_index].astype(np.int64),
        "value": value.astype(np.float64),
    }


# --- KPIs and model posts --------------------------------------------------------------------------


def _kpis_and_posts(rng: np.random.Generator, org: _Org, system: IndicatorSystem, shape: Shape) -> None:
    kpis = pd.DataFrame.from_records(
        Indicator.objects.filter(system=system, source=Source.KPI).order_by("pk").values_list("pk", "floor", "target"),
        columns=["indicator_id", "floor", "target"],
    )
    n, k = len(org.member_id), len(kpis)
    floor, target = kpis["floor"].to_numpy(), kpis["target"].to_numpy()

    # Model posts: one per 20 branches, held by three ordinary members of that branch.
    post_branches = np.arange(0, len(org.branch_size), BRANCHES_PER_MODEL_POST)
    n_posts = len(post_branches)
    post_ids = np.arange(1, 2 * n_posts + 1)
    posts = pd.DataFrame(
        {
            "id": post_ids,
            "code": [f"P{i:05d}" for i in post_ids],
            "name": [f"{'精品' if i <= n_posts else '普通'}岗位{i}" for i in post_ids],
            "is_model": post_ids <= n_posts,
            "unit_id": np.tile(org.branch_unit_id[post_branches], 2),
        }
    )
    write_frame(Post._meta.db_table, posts)
    holder_index = (org.branch_start[post_branches][:, None] + 1 + np.arange(HOLDERS_PER_POST)[None, :]).ravel()
    holders = pd.DataFrame(
        {
            "post_id": np.tile(np.repeat(post_ids[:n_posts], HOLDERS_PER_POST), 2)
            + np.repeat([0, n_posts], n_posts * HOLDERS_PER_POST),
            "member_id": np.tile(org.member_id[holder_index], 2),
        }
    )
    holders.insert(0, "id", np.arange(1, len(holders) + 1))
    write_frame(Post.holders.through._meta.db_table, holders)

    # Member values: 90 % of member x KPI pairs, fewer for post holders so their posts count.
    has_value = rng.random((n, k)) < KPI_COVERAGE
    has_value[holder_index] &= rng.random((len(holder_index), k)) < 0.5
    reach = np.clip(0.75 + 0.2 * org.ability[:, None] + rng.normal(0.0, 0.25, size=(n, k)), -0.2, 1.2)
    values = floor + (target - floor) * reach
    member_rows, kpi_cols = np.nonzero(has_value)
    post_reach = rng.uniform(0.3, 1.1, size=(n_posts, k))
    entered = datetime(YEAR, 12, 31, tzinfo=UTC).isoformat()
    measurements = pd.DataFrame(
        {
            "period": PERIOD,
            "value": np.concatenate([values[member_rows, kpi_cols], (floor + (target - floor) * post_reach).ravel()]),
            "entered_at": entered,
            "indicator_id": np.concatenate(
                [kpis["indicator_id"].to_numpy()[kpi_cols], np.tile(kpis["indicator_id"], n_posts)]
            ),
            "member_id": pd.array(
                np.concatenate([org.member_id[member_rows], np.zeros(n_posts * k, dtype=int)]), dtype="Int64"
            ),
            "post_id": pd.array(
                np.concatenate([np.zeros(len(member_rows), dtype=int), np.repeat(post_ids[:n_posts], k)]), dtype="Int64"
            ),
        }
    )
    measurements.loc[len(member_rows) :, "member_id"] = pd.NA
    measurements.loc[: len(member_rows) - 1, "post_id"] = pd.NA
    write_frame(Measurement._meta.db_table, measurements)
    shape.measurements = len(measurements)

    # Post targets for half of each model post's KPIs: a post's own floor and target.
    own = rng.random((n_posts, k)) < 0.5
    post_rows, kpi_cols = np.nonzero(own)
    scale = rng.uniform(0.8, 1.2, size=len(post_rows))
    targets = pd.DataFrame(
        {
            "period": PERIOD,
            "floor": floor[kpi_cols],
            "target": floor[kpi_cols] + (target[kpi_cols] - floor[kpi_cols]) * scale,
            "indicator_id": kpis["indicator_id"].to_numpy()[kpi_cols],
            "post_id": post_ids[post_rows],
        }
    )
    write_frame(PostTarget._meta.db_table, targets)
    shape.model_posts = n_posts


# --- PostgreSQL bulk loading -----------------------------------------------------------------------

# (column, big-endian dtype); a None dtype is an empty text written as a zero-length field.
ANSWER_LAYOUT: list[tuple[str, str | None]] = [
    ("id", ">i8"),
    ("response_id", ">i8"),
    ("question_id", ">i8"),
    ("value", ">f8"),
    ("text", None),
]


@contextmanager
def _binary_copy(table: str, layout: list[tuple[str, str | None]]) -> Iterator[Any]:
    """COPY ... FROM STDIN (FORMAT binary) fed with NumPy structured arrays: no Python per row."""
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for i, (_name, dtype) in enumerate(layout):
        fields.append((f"len{i}", ">i4"))
        if dtype is not None:
            fields.append((f"val{i}", dtype))
    record = np.dtype(fields)
    columns = ", ".join(connection.ops.quote_name(name) for name, _dtype in layout)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN WITH (FORMAT binary)"
        ) as copy,
    ):
        copy.write(b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big"))

        def write(arrays: dict[str, np.ndarray]) -> None:
            n = len(next(iter(arrays.values())))
            rows = np.empty(n, dtype=record)
            rows["count"] = len(layout)
            for i, (name, dtype) in enumerate(layout):
                if dtype is None:
                    rows[f"len{i}"] = 0
                else:
                    rows[f"len{i}"] = np.dtype(dtype).itemsize
                    rows[f"val{i}"] = arrays[name]
            copy.write(rows.tobytes())

        yield write
        copy.write((-1).to_bytes(2, "big", signed=True))


@contextmanager
def _bulk_load(table: str) -> Iterator[None]:
    """Drop a table's secondary indexes and its unique and foreign-key constraints, re-create them after.

    Deferred foreign keys would otherwise queue one trigger event per row until commit.
    """
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # checks queued so far, so the tables can be altered
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype IN ('f', 'u')",
            [table],
        )
        constraints = cursor.fetchall()
        for name, _definition in constraints:
            cursor.execute(f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN"
            " (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")


ORGANISATION_TABLES = [Unit, Member, Post, Post.holders.through]


def reset_sequences(models: list[Any]) -> None:
    """Point each table's id sequence past the ids written by COPY, so the ORM can insert after us."""
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            highest = f"(SELECT MAX(id) FROM {connection.ops.quote_name(table)})"
            cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE({highest}, 1))", [table])


def _vacuum_analyze() -> None:
    # Outside a transaction: sets hint bits and the visibility map, so the first scoring run does not.
    with connection.cursor() as cursor:
        for table in (Answer._meta.db_table, Response._meta.db_table, Measurement._meta.db_table):
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")
        cursor.execute("ANALYZE")


def existing_shape() -> dict[str, int]:
    """Row counts of a database filled earlier (for --reuse)."""
    submitted = Answer.objects.filter(response__status=ResponseStatus.SUBMITTED)
    return {
        "members": Member.objects.count(),
        "responses": Response.objects.count(),
        "answers": Answer.objects.count(),
        "submitted_answers": submitted.count(),
        "measurements": Measurement.objects.count(),
    }
