"""Scoring benchmark (issue "Scoring"): `compute_scores` on a synthetic period at 1k, 10k and 100k members.

    .venv/bin/python bench/bench_scoring.py                  # 1k, 10k and 100k members
    .venv/bin/python bench/bench_scoring.py --quick          # 1k only
    .venv/bin/python bench/bench_scoring.py --members 10000 --keep --json var/bench-scoring.json

Each size gets its own PostgreSQL database (`<database>_<members>`, created, migrated and filled here;
its name must contain "bench", so the test and working databases can never be hit). Each measurement
then runs in a fresh subprocess so that peak memory (ru_maxrss) belongs to that measurement alone:

- generate: create + migrate + fill the database (bench/synthetic_scores.py);
- bare:     the floor — COPY the same submitted answer rows to pandas and one groupby-mean;
            run before and after ours, the faster of the two is the baseline;
- ours:     `compute_scores(period=...)` end to end, with a stage breakdown (load / engine / store)
            taken by wrapping the loader, engine and store functions, and RSS sampled every 10 ms;
- naive:    at 1k members only, a per-member ORM loop computing the same totals the obvious way,
            checked against ours to 1e-6.

The result is printed as Markdown (for bench/RESULTS.md) and, with --json, saved in full.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/modelpower_bench_scoring"
SIZES = (1_000, 10_000, 100_000)
NAIVE_LIMIT = 1_000
PERIOD = "2025"
RESULT_MARK = "RESULT "
PAGE = os.sysconf("SC_PAGE_SIZE")


# --- databases -------------------------------------------------------------------------------------


def database_url_for(base: str, members: int) -> str:
    parts = urlsplit(base)
    name = parts.path.lstrip("/")
    return urlunsplit(parts._replace(path=f"/{name}_{members}"))


def _database_name(url: str) -> str:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(f"the scoring benchmark runs on PostgreSQL only, not {parts.scheme!r}")
    if "bench" not in name or name in ("modelpower", "postgres") or name.startswith(("test", "template")):
        raise SystemExit(f"refusing database {name!r}: a benchmark database's name must contain 'bench'")
    return name


def _maintenance(url: str, statements: list[str]) -> None:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]


def _database_exists(url: str) -> bool:
    import psycopg

    name = _database_name(url)
    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def _drop(url: str) -> None:
    _maintenance(url, [f'DROP DATABASE IF EXISTS "{_database_name(url)}" WITH (FORCE)'])


# --- measuring -------------------------------------------------------------------------------------


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


def _mb(value: float) -> float:
    return round(value / 2**20, 1)


class Stages:
    """Inclusive and exclusive wall time per wrapped function, and the RSS peak seen inside it.

    RSS is sampled every 10 ms from a thread, which runs only when the main thread lets go of the
    GIL (NumPy does, most of the pandas C parser does not), so stage peaks are a lower bound; the
    process peak (ru_maxrss) is exact.
    """

    def __init__(self) -> None:
        self.inclusive: dict[str, float] = defaultdict(float)
        self.exclusive: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.parent: dict[str, str] = {}
        self.peak: dict[str, int] = defaultdict(int)
        self.order: list[str] = []
        self._stack: list[list[Any]] = []  # [label, start, child seconds]
        self._restore: list[tuple[Any, str, Any]] = []
        self._running = True
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        while self._running:
            rss = _rss()
            for frame in list(self._stack):
                label = frame[0]
                self.peak[label] = max(self.peak[label], rss)
            time.sleep(0.01)

    def wrap(self, owner: Any, attribute: str, label: str) -> None:
        original = getattr(owner, attribute)

        def timed(*args: Any, **kwargs: Any) -> Any:
            if label not in self.parent:
                self.parent[label] = self._stack[-1][0] if self._stack else ""
                self.order.append(label)
            frame: list[Any] = [label, time.perf_counter(), 0.0]
            self._stack.append(frame)
            self.peak[label] = max(self.peak[label], _rss())
            try:
                return original(*args, **kwargs)
            finally:
                self._stack.pop()
                elapsed = time.perf_counter() - frame[1]
                self.inclusive[label] += elapsed
                self.exclusive[label] += elapsed - frame[2]
                self.calls[label] += 1
                self.peak[label] = max(self.peak[label], _rss())
                if self._stack:
                    self._stack[-1][2] += elapsed

        self._restore.append((owner, attribute, original))
        setattr(owner, attribute, timed)

    def close(self) -> list[dict[str, Any]]:
        self._running = False
        self._sampler.join()
        for owner, attribute, original in reversed(self._restore):
            setattr(owner, attribute, original)
        return [
            {
                "stage": label,
                "parent": self.parent[label],
                "seconds": round(self.inclusive[label], 3),
                "own_seconds": round(self.exclusive[label], 3),
                "calls": self.calls[label],
                "rss_peak_mb": _mb(self.peak[label]),
            }
            for label in self.order
        ]


# --- workers (each in its own process) -------------------------------------------------------------


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "0"  # DEBUG would keep every query of the naive loop in memory
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def work_generate(url: str, members: int) -> dict[str, Any]:
    name = _database_name(url)
    start = time.perf_counter()
    _maintenance(url, [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'])
    _setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    migrated = time.perf_counter()

    from bench.synthetic_scores import generate

    shape = generate(members=members)
    done = time.perf_counter()
    result = dict(shape.__dict__)
    result["seconds"] = {"create_and_migrate": round(migrated - start, 3), **shape.seconds}
    result["total_seconds"] = round(done - start, 3)
    result["database_mb"] = _database_mb()
    return result


def _database_mb() -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return _mb(cursor.fetchone()[0])


def work_shape(url: str, members: int) -> dict[str, Any]:
    _setup_django(url)
    from bench.synthetic_scores import existing_shape

    return {**existing_shape(), "reused": True, "database_mb": _database_mb()}


def _answer_sql(select: str) -> tuple[str, list[Any]]:
    from reports.scoring.loader import _table
    from surveys.models import Answer, Questionnaire, Response, ResponseStatus

    sql = f"""
        SELECT {select}
        FROM {_table(Answer)} a
        JOIN {_table(Response)} r ON r.id = a.response_id
        JOIN {_table(Questionnaire)} q ON q.id = r.questionnaire_id
        WHERE q.period = %s AND r.status = %s AND a.value IS NOT NULL
    """
    return sql, [PERIOD, ResponseStatus.SUBMITTED.value]


def _copy_out(sql: str, params: list[Any], *, binary: bool = False) -> io.BytesIO:
    from django.db import connection

    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        statement = raw.mogrify(sql, params)
        with raw.copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT {'binary' if binary else 'csv'})") as copy:
            for block in copy:
                buffer.write(block)
    buffer.seek(0)
    return buffer


def work_bare(url: str, members: int, *, diagnose: bool = False) -> dict[str, Any]:
    """The floor: the same submitted answer rows, COPY to pandas, one groupby-mean. Then diagnostics."""
    _setup_django(url)
    import numpy as np
    import pandas as pd

    baseline_rss = _rss()
    sql, params = _answer_sql("r.subject_id, a.question_id, a.value")
    start = time.perf_counter()
    buffer = _copy_out(sql, params)
    copied = time.perf_counter()
    frame = pd.read_csv(
        buffer,
        header=None,
        names=["subject_id", "question_id", "value"],
        dtype={"subject_id": "int64", "question_id": "int64", "value": "float64"},
    )
    parsed = time.perf_counter()
    means = frame.groupby(["subject_id", "question_id"])["value"].mean()
    done = time.perf_counter()
    result: dict[str, Any] = {
        "seconds": round(done - start, 3),
        "copy_seconds": round(copied - start, 3),
        "parse_seconds": round(parsed - copied, 3),
        "groupby_seconds": round(done - parsed, 3),
        "rows": len(frame),
        "groups": len(means),
        "csv_mb": _mb(buffer.getbuffer().nbytes),
        "baseline_rss_mb": _mb(baseline_rss),
        "peak_rss_mb": _mb(_peak_rss()),
    }
    del frame, means, buffer
    if not diagnose:
        return result

    # Diagnostics, after the peak above was taken: where the loader's own read of the answers goes.
    diagnostics: dict[str, float] = {}
    from django.db import connection

    with connection.cursor() as cursor:
        count_sql, count_params = _answer_sql("count(*)")
        start = time.perf_counter()
        cursor.execute(count_sql, count_params)
        cursor.fetchone()
        diagnostics["server_join_count_seconds"] = round(time.perf_counter() - start, 3)

    five = "r.subject_id, COALESCE(r.rater_id, -r.id), r.role, a.question_id, a.value"
    sql, params = _answer_sql(five)
    start = time.perf_counter()
    buffer = _copy_out(sql, params)
    copied = time.perf_counter()
    loaded = pd.read_csv(
        buffer,
        header=None,
        names=["subject_id", "rater_key", "role", "question_id", "value"],
        dtype={
            "subject_id": "int64",
            "rater_key": "int64",
            "role": "object",
            "question_id": "int64",
            "value": "float64",
        },
    )
    parsed = time.perf_counter()
    diagnostics |= {
        "loader_csv_copy_seconds": round(copied - start, 3),
        "loader_csv_parse_seconds": round(parsed - copied, 3),
        "loader_csv_mb": _mb(buffer.getbuffer().nbytes),
        "loader_frame_mb": _mb(loaded.memory_usage(deep=True).sum()),
    }
    del loaded, buffer

    # The same five columns as binary COPY with the role as a small code: fixed-width rows that
    # NumPy reads in place, no text parsing and no Python string per row.
    role_code = "CASE r.role WHEN 'self' THEN 0 WHEN 'peer' THEN 1 WHEN 'secretary' THEN 2 ELSE 3 END"
    sql, params = _answer_sql(f"r.subject_id, COALESCE(r.rater_id, -r.id), ({role_code})::int4, a.question_id, a.value")
    start = time.perf_counter()
    buffer = _copy_out(sql, params, binary=True)
    copied = time.perf_counter()
    record = np.dtype(
        [("n", ">i2"), ("l0", ">i4"), ("subject_id", ">i8"), ("l1", ">i4"), ("rater_key", ">i8"), ("l2", ">i4"),
         ("role", ">i4"), ("l3", ">i4"), ("question_id", ">i8"), ("l4", ">i4"), ("value", ">f8")]
    )  # fmt: skip
    body = buffer.getbuffer()[19:-2]  # 11-byte signature + flags + extension length; -1 trailer
    rows = np.frombuffer(body, dtype=record)
    binary = pd.DataFrame({name: rows[name].astype((name == "value" and "float64") or "int64") for name in
                           ("subject_id", "rater_key", "role", "question_id", "value")})  # fmt: skip
    decoded = time.perf_counter()
    diagnostics |= {
        "loader_binary_copy_seconds": round(copied - start, 3),
        "loader_binary_decode_seconds": round(decoded - copied, 3),
        "loader_binary_mb": _mb(len(body)),
        "loader_binary_rows": len(binary),
    }
    result["diagnostics"] = diagnostics
    return result


def work_ours(url: str, members: int) -> dict[str, Any]:
    _setup_django(url)
    import pandas as pd
    from django.db import connections

    from reports.scoring import engine, loader
    from reports.services import scoring as service

    stages = Stages()
    stages.wrap(service, "load_inputs", "load")
    stages.wrap(loader, "load_answers", "load.answers")
    stages.wrap(pd, "read_csv", "load.answers.parse_csv")  # only read_frame calls it in this process
    stages.wrap(loader, "load_members", "load.members")
    stages.wrap(loader, "load_measurements", "load.measurements")
    stages.wrap(service, "score", "engine")
    for name in (
        "_per_rater_scores",
        "_role_scores",
        "_combine_roles",
        "_kpi_scores",
        "_dimension_scores",
        "_cards",
        "_self_vs_others",
    ):
        stages.wrap(engine, name, f"engine.{name.lstrip('_')}")
    stages.wrap(service, "_require_category_weights", "check_weights")
    stages.wrap(service, "_store", "store")
    stages.wrap(service, "_card_frame", "store.card_frame")
    stages.wrap(service, "_json_by_member", "store.card_frame.dimension_coverage_json")
    stages.wrap(service, "_self_others_json", "store.card_frame.self_others_json")
    stages.wrap(service, "_indicator_frame", "store.indicator_frame")
    stages.wrap(service, "write_frame", "store.copy_in")
    database = connections["default"]
    database.ensure_connection()
    stages.wrap(database, "commit", "store.commit")

    marks: list[tuple[float, float, str]] = []
    baseline_rss = _rss()
    start = time.perf_counter()
    run = service.compute_scores(
        period=PERIOD, progress=lambda fraction, message: marks.append((time.perf_counter(), fraction, message))
    )
    wall = time.perf_counter() - start
    peak = _peak_rss()
    breakdown = stages.close()
    return {
        "seconds": round(wall, 3),
        "answers": run.counts["answers"],
        "answers_per_second": round(run.counts["answers"] / wall),
        "counts": run.counts,
        "run_id": run.pk,
        "baseline_rss_mb": _mb(baseline_rss),
        "peak_rss_mb": _mb(peak),
        "stages": breakdown,
        "progress": [(round(at - start, 3), fraction, message) for at, fraction, message in marks],
    }


def work_naive(url: str, members: int) -> dict[str, Any]:
    _setup_django(url)
    from reports.models import ScoreCard, ScoreRun

    start = time.perf_counter()
    totals = naive_totals(PERIOD)
    wall = time.perf_counter() - start
    run = ScoreRun.objects.get(period=PERIOD, provisional=False, is_current=True)
    ours = dict(ScoreCard.objects.filter(run=run).values_list("member_id", "total"))
    worst, mismatched = 0.0, 0
    for member in set(totals) & set(ours):
        naive, scored = totals[member], ours[member]
        if naive is None or scored is None:
            mismatched += (naive is None) != (scored is None)
        else:
            worst = max(worst, abs(naive - scored))
    return {
        "seconds": round(wall, 3),
        "members_scored": len(totals),
        "same_members": set(totals) == set(ours),
        "max_abs_difference": worst,
        "missing_total_mismatches": mismatched,
        "agrees": set(totals) == set(ours) and not mismatched and worst <= 1e-6,
        "peak_rss_mb": _mb(_peak_rss()),
    }


def naive_totals(period_code: str) -> dict[int, float | None]:
    """DESIGN.md rules 1-6 member by member with the ORM and plain Python: the obvious, slow way."""
    from statistics import mean

    from indicators.models import CategoryWeight, Indicator, IndicatorSystem, Measurement, PostTarget, RaterWeight
    from indicators.periods import Period
    from org.models import Member
    from surveys.models import Answer, ResponseStatus

    def weighted(pairs: list[tuple[float, float]]) -> float | None:
        pairs = [(value, weight) for value, weight in pairs if weight > 0]
        total = sum(weight for _value, weight in pairs)
        return sum(value * weight for value, weight in pairs) / total if pairs else None

    def kpi(value: float, floor: float | None, target: float | None) -> float:
        assert floor is not None and target is not None, "a KPI indicator has a floor and a target"
        return min(max((value - floor) / (target - floor) * 100.0, 0.0), 100.0)

    system = IndicatorSystem.objects.get(year=Period.parse(period_code).year)
    indicators = {i.pk: i for i in Indicator.objects.filter(system=system).select_related("dimension")}
    rater_weight = {w.role: w.weight for w in RaterWeight.objects.filter(system=system)}
    profile = {
        (w.category_id, w.dimension.key): w.weight
        for w in CategoryWeight.objects.filter(system=system).select_related("dimension")
    }
    totals: dict[int, float | None] = {}
    for member in Member.objects.all():
        by_rater: dict[tuple[int, str, int], list[float]] = defaultdict(list)
        answers = Answer.objects.filter(
            response__subject=member,
            response__status=ResponseStatus.SUBMITTED,
            response__questionnaire__period=period_code,
            value__isnull=False,
        ).select_related("response", "question")
        for answer in answers:
            question = answer.question
            indicator = indicators.get(question.indicator_id or 0)
            if indicator is None or indicator.source == "kpi" or answer.value is None:
                continue
            value = question.lo + question.hi - answer.value if question.reverse else answer.value
            rater = answer.response.rater_id or -answer.response.pk
            by_rater[(indicator.pk, answer.response.role, rater)].append(
                (value - question.lo) / (question.hi - question.lo) * 100.0
            )
        by_role: dict[tuple[int, str], list[float]] = defaultdict(list)
        for (indicator_id, role, _rater), scores in by_rater.items():
            by_role[(indicator_id, role)].append(mean(scores))
        role_pairs: dict[int, list[tuple[float, float]]] = defaultdict(list)
        for (indicator_id, role), scores in by_role.items():
            role_pairs[indicator_id].append((mean(scores), rater_weight.get(role, 0.0)))
        indicator_scores = {i: s for i, pairs in role_pairs.items() if (s := weighted(pairs)) is not None}

        own = {
            m.indicator_id: m.value
            for m in Measurement.objects.filter(member=member, period=period_code, indicator__system=system)
        }
        posts = list(member.posts.filter(is_model=True))
        for indicator in indicators.values():
            if indicator.source != "kpi":
                continue
            if indicator.pk in own:
                indicator_scores[indicator.pk] = kpi(own[indicator.pk], indicator.floor, indicator.target)
                continue
            post_scores = []
            for post in posts:
                measured = Measurement.objects.filter(post=post, indicator=indicator, period=period_code).first()
                if measured is None:
                    continue
                target = PostTarget.objects.filter(post=post, indicator=indicator, period=period_code).first()
                floor, goal = (target.floor, target.target) if target else (indicator.floor, indicator.target)
                post_scores.append(kpi(measured.value, floor, goal))
            if post_scores:
                indicator_scores[indicator.pk] = mean(post_scores)
        if not indicator_scores:
            continue

        dimension_pairs: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for indicator_id, score in indicator_scores.items():
            indicator = indicators[indicator_id]
            dimension_pairs[indicator.dimension.key].append((score, indicator.weight))
        dimension_scores = {d: s for d, pairs in dimension_pairs.items() if (s := weighted(pairs)) is not None}
        totals[member.pk] = weighted(
            [(score, profile.get((member.category_id, d), 0.0)) for d, score in dimension_scores.items()]
        )
    return totals


WORKERS: dict[str, Callable[[str, int], dict[str, Any]]] = {
    "generate": work_generate,
    "shape": work_shape,
    "bare": work_bare,
    "bare_diagnosed": lambda url, members: work_bare(url, members, diagnose=True),
    "ours": work_ours,
    "naive": work_naive,
}


# --- driver ----------------------------------------------------------------------------------------


def _spawn(kind: str, url: str, members: int) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--database-url", url]
    command += ["--members", str(members)]
    print(f"  {kind} …", file=sys.stderr, flush=True)
    start = time.perf_counter()
    finished = subprocess.run(command, cwd=REPO, stdout=subprocess.PIPE, text=True, check=True)
    lines = [line for line in finished.stdout.splitlines() if line.startswith(RESULT_MARK)]
    result = json.loads(lines[-1][len(RESULT_MARK) :])
    print(f"  {kind}: {time.perf_counter() - start:.1f} s (process)", file=sys.stderr, flush=True)
    return result


def measure(members: int, base_url: str, *, reuse: bool, keep: bool, naive_limit: int) -> dict[str, Any]:
    url = database_url_for(base_url, members)
    _database_name(url)
    print(f"{members} members → {urlsplit(url).path.lstrip('/')}", file=sys.stderr, flush=True)
    result: dict[str, Any] = {"members": members}
    if reuse and _database_exists(url):
        result["data"] = _spawn("shape", url, members)
    else:
        result["data"] = _spawn("generate", url, members)
    bare = [_spawn("bare", url, members)]
    result["ours"] = _spawn("ours", url, members)
    bare.append(_spawn("bare_diagnosed", url, members))
    result["bare_runs"] = bare
    # Scoring the period again replaces the run just made: its cards and indicator scores go.
    result["rescore"] = _spawn("ours", url, members)
    result["bare"] = min(bare, key=lambda run: run["seconds"])
    result["ours_over_bare"] = round(result["ours"]["seconds"] / result["bare"]["seconds"], 2)
    if members <= naive_limit:
        result["naive"] = _spawn("naive", url, members)
        result["naive_over_ours"] = round(result["naive"]["seconds"] / result["ours"]["seconds"], 1)
    if not keep:
        _drop(url)
    return result


def machine(url: str) -> dict[str, Any]:
    import psycopg

    memory = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    with psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres"))) as conn:
        server = conn.execute("SHOW server_version").fetchone()
        settings = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
            for name in ("shared_buffers", "work_mem", "max_wal_size")
        }
    import numpy
    import pandas

    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": memory.split(":", 1)[1].strip(),
        "python": platform.python_version(),
        "pandas": pandas.__version__,
        "numpy": numpy.__version__,
        "postgresql": server[0] if server else "?",
        "postgresql_settings": settings,
    }


def markdown(results: list[dict[str, Any]], about: dict[str, Any]) -> str:
    lines = [
        f"Machine: {about['cpus']} × {about['cpu']}, {about['memory']} RAM; Python {about['python']}, "
        f"pandas {about['pandas']}, NumPy {about['numpy']}; PostgreSQL {about['postgresql']} "
        f"({', '.join(f'{k} {v}' for k, v in about['postgresql_settings'].items())}). Date {about['date']}.",
        "",
        "| members | answers | ours: wall | peak RSS | answers/s | load | engine | store | bare | ours ÷ bare "
        "| rescore | naive | naive ÷ ours | generate |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        ours = result["ours"]
        stage = {row["stage"]: row["seconds"] for row in ours["stages"]}
        naive = result.get("naive")
        naive_seconds = f"{naive['seconds']:.1f} s" if naive else "—"
        naive_ratio = f"{result['naive_over_ours']:.0f}×" if naive else "—"
        lines.append(
            f"| {result['members']:,} | {ours['answers']:,} | {ours['seconds']:.2f} s | {ours['peak_rss_mb']:,.0f} MB "
            f"| {ours['answers_per_second']:,} | {stage.get('load', 0):.2f} s | {stage.get('engine', 0):.2f} s "
            f"| {stage.get('store', 0):.2f} s | {result['bare']['seconds']:.2f} s | {result['ours_over_bare']:.1f}× "
            f"| {result['rescore']['seconds']:.2f} s "
            f"| {naive_seconds} | {naive_ratio} "
            f"| {result['data'].get('total_seconds', 0):.0f} s |"
        )
    for result in results:
        lines += ["", f"Stages at {result['members']:,} members (inclusive seconds; own = minus wrapped children):", ""]
        lines += ["| stage | seconds | own | calls | RSS peak |", "|---|---:|---:|---:|---:|"]
        for row in result["ours"]["stages"]:
            depth = row["stage"].count(".")
            lines.append(
                f"| {'&nbsp;&nbsp;' * depth}{row['stage']} | {row['seconds']:.3f} | {row['own_seconds']:.3f} "
                f"| {row['calls']} | {row['rss_peak_mb']:,.0f} MB |"
            )
        bare = result["bare"]
        diagnostics: dict[str, Any] = next(
            (run["diagnostics"] for run in result["bare_runs"] if "diagnostics" in run), {}
        )
        lines += [
            "",
            f"Bare at {result['members']:,}: copy {bare['copy_seconds']:.2f} s, parse {bare['parse_seconds']:.2f} s, "
            f"groupby {bare['groupby_seconds']:.2f} s, peak RSS {bare['peak_rss_mb']:,.0f} MB; "
            f"diagnostics {json.dumps(diagnostics)}",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--members", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--quick", action="store_true", help="1,000 members only")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--reuse", action="store_true", help="score an existing benchmark database as it is")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark databases afterwards")
    parser.add_argument("--naive-limit", type=int, default=NAIVE_LIMIT, help="run the naive loop up to this size")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        result = WORKERS[args.worker](args.database_url, args.members[0])
        print(RESULT_MARK + json.dumps(result, default=str), flush=True)
        return 0

    sizes = [1_000] if args.quick else args.members
    about = machine(args.database_url)
    results = []
    for members in sizes:
        results.append(
            measure(members, args.database_url, reuse=args.reuse, keep=args.keep, naive_limit=args.naive_limit)
        )
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({"machine": about, "results": results}, indent=2, default=str))
    print(markdown(results, about))
    return 0


if __name__ == "__main__":
    sys.exit(main())
