"""Benchmark: import N answers (default 1,000,000) from xlsx into PostgreSQL, in the long layout and in
the wide layout, each into a freshly created database; then the same file again (nothing changes).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/modelpower_bench \\
        .venv/bin/python -m bench.bench_import_responses --answers 1000000

The database named in DATABASE_URL is dropped and re-created for every layout, so its name must
contain "bench" (the test database is never touched). Each import runs in a child process of its
own, so that its peak memory (ru_maxrss) is the import's alone. Timings come from
`import_responses(phases=...)`: read (calamine → arrays), validate (every check, against the
database), write (responses, COPY of the answers, assignments) — wall-clock, one transaction.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/modelpower_bench"
LONG_HEAD = ["问卷 questionnaire", "答卷编号 response", "评价人 rater", "评价主体 role", "被评价人 subject"]


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if parsed.scheme not in ("postgres", "postgresql", "pgsql") or "bench" not in name:
        sys.exit(f"refusing {url}: the benchmark drops its database, whose name must contain 'bench'")
    os.environ["DATABASE_URL"] = url
    return url


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def reset_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    maintenance = urlunparse(parsed._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# --- the workbooks ---------------------------------------------------------------------------------------


def write_long(path: Path, *, members: int, total: int) -> int:
    from openpyxl import Workbook

    from bench import synthetic

    questions = synthetic.question_specs()
    forms = synthetic.forms(members=members, count=-(-total // len(questions)))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("答案")
    sheet.append([*LONG_HEAD, "题目 question", "数值 value"])
    rows = 0
    for form, question, value in synthetic.answers(forms, questions, total=total):
        role = synthetic.ROLE_LABELS[form.role]
        sheet.append([synthetic.CODE, form.form_id, form.rater, role, form.subject, question.code, value])
        rows += 1
    workbook.save(path)
    return rows


def write_wide(path: Path, *, members: int, total: int) -> int:
    from openpyxl import Workbook

    from bench import synthetic

    questions = synthetic.question_specs()
    forms = synthetic.forms(members=members, count=-(-total // len(questions)))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("答卷")
    sheet.append([*LONG_HEAD, *(q.code for q in questions)])
    row: list[Any] = []
    current = None
    written = 0
    for form, _question, value in synthetic.answers(forms, questions, total=total):
        if form is not current:
            if row:
                sheet.append(row)
            current = form
            row = [synthetic.CODE, form.form_id, form.rater, synthetic.ROLE_LABELS[form.role], form.subject]
        row.append(value)
        written += 1
    if row:
        sheet.append(row)
    workbook.save(path)
    return written


# --- child processes -------------------------------------------------------------------------------------


def _child(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_import_responses", *args],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_prepare(members: int) -> dict[str, Any]:
    """Migrate the fresh database and insert the synthetic organisation."""
    _setup_django()
    from django.core.management import call_command
    from django.db import connection

    from bench import synthetic
    from surveys.models import Assignment

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()
    synthetic.build_organisation(members=members)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0]
    return {
        "migrate": migrated - started,
        "organisation": time.perf_counter() - migrated,
        "assignments": Assignment.objects.count(),
        "postgresql": version.split(" on ")[0],
    }


def _backend_cpu(pid: int) -> float | None:
    """CPU seconds of a PostgreSQL backend on this machine (utime + stime), None if not readable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_import(path: str) -> dict[str, Any]:
    _setup_django()
    from django.db import connection

    from surveys.models import Answer, Assignment, AssignmentStatus
    from surveys.services.responses_io import import_responses

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    before = _max_rss_mib()
    phases: dict[str, float] = {}
    server_before = _backend_cpu(backend)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    result = import_responses(source=path, phases=phases)
    total = time.perf_counter() - started
    server_after = _backend_cpu(backend)
    return {
        "phases": phases,
        "total": total,
        "server_cpu": None if server_before is None or server_after is None else server_after - server_before,
        "load": (load_before + os.getloadavg()[0]) / 2,
        "rss_before_mib": before,
        "rss_peak_mib": _max_rss_mib(),
        "answers_in_db": Answer.objects.count(),
        "assignments_submitted": Assignment.objects.filter(status=AssignmentStatus.SUBMITTED).count(),
        "counts": result.as_dict()["counts"],
        "changed": result.changed,
    }


# --- the run ---------------------------------------------------------------------------------------------


def _row(label: str, answers: int, run: dict[str, Any]) -> str:
    phases = run["phases"]
    client = phases["read_cpu"] + phases["validate_cpu"] + phases["write_cpu"]
    server = run["server_cpu"]
    return (
        f"| {label} | {answers:,} | {phases['read']:.1f} | {phases['validate']:.1f} | {phases['write']:.1f} "
        f"| {run['total']:.1f} | **{answers / run['total']:,.0f}** "
        f"| {phases['read_cpu']:.1f} / {phases['validate_cpu']:.1f} / {phases['write_cpu']:.1f} "
        f"| {'?' if server is None else f'{server:.1f}'} "
        f"| {answers / (client + (server or 0.0)):,.0f} | {run['rss_peak_mib']:,.0f} | {run['load']:.1f} |"
    )


TABLE_HEAD = (
    "| import | answers | read s | validate s | write s | total s | answers/s (wall) "
    "| client CPU s read / validate / write | PostgreSQL CPU s | answers per CPU-second | peak RSS MiB | load avg |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, help="organisation size (default: answers / 500, at least 100)")
    parser.add_argument("--workdir", default="var/bench", help="where the workbooks are written")
    parser.add_argument("--layouts", default="long,wide")
    parser.add_argument("--reuse-files", action="store_true", help="keep workbooks already in --workdir")
    parser.add_argument("--child-prepare", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-import", help=argparse.SUPPRESS)
    args = parser.parse_args()

    url = _database_url()
    if args.child_prepare is not None:
        print(json.dumps(child_prepare(args.child_prepare)))
        return
    if args.child_import is not None:
        print(json.dumps(child_import(args.child_import)))
        return

    members = args.members or max(100, args.answers // 500)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    _setup_django()  # settings only (the catalogue's path); the parent never opens a connection
    writers = {"long": write_long, "wide": write_wide}
    print(f"# {args.answers:,} answers, {members:,} members, database {urlparse(url).path.lstrip('/')}")
    rows, notes = [], []
    for layout in args.layouts.split(","):
        path = workdir / f"answers-{layout}-{args.answers}-{members}.xlsx"
        started = time.perf_counter()
        if args.reuse_files and path.exists():
            written, how = args.answers, "reused"
        else:
            written = writers[layout](path, members=members, total=args.answers)
            how = f"written in {time.perf_counter() - started:.0f} s (not timed below)"
        notes.append(f"{layout}: {written:,} answers in {path} ({path.stat().st_size / 2**20:.1f} MiB), {how}")
        print(notes[-1], flush=True)
        reset_database(url)
        prepared = _child("--child-prepare", str(members))
        notes.append(
            f"{layout}: fresh database, migrate {prepared['migrate']:.0f} s, organisation and "
            f"{prepared['assignments']:,} assignments {prepared['organisation']:.0f} s ({prepared['postgresql']})"
        )
        print(notes[-1], flush=True)
        first = _child("--child-import", str(path))
        assert first["answers_in_db"] == written, first
        rows.append(_row(f"{layout}, into an empty questionnaire", written, first))
        print(rows[-1], flush=True)
        again = _child("--child-import", str(path))
        assert not again["changed"] and again["answers_in_db"] == written, again
        rows.append(_row(f"{layout}, the same file again (no change)", written, again))
        print(rows[-1], flush=True)
        notes.append(
            f"{layout}: {first['counts']['responses']['created']:,} responses, "
            f"{first['assignments_submitted']:,} assignments marked submitted; "
            f"process RSS before the import {first['rss_before_mib']:.0f} MiB"
        )

    print()
    from importlib.metadata import version

    print(
        f"Machine: {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}, "
        f"python-calamine {version('python-calamine')}, psycopg {version('psycopg')}"
    )
    print(f"Date: {time.strftime('%Y-%m-%d')}")
    print()
    print(TABLE_HEAD)
    for line in rows:
        print(line)
    print()
    for line in notes:
        print(f"- {line}")


if __name__ == "__main__":
    main()
