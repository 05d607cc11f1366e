"""Report benchmark (issue 6, "Performance"): the comparison and the Excel workbook at 1k, 10k and 100k members.

    .venv/bin/python bench/bench_report.py                   # 1k, 10k and 100k members
    .venv/bin/python bench/bench_report.py --quick           # 1k only
    .venv/bin/python bench/bench_report.py --members 100000 --keep --json var/bench-report.json

Each size gets its own PostgreSQL database (`<database>_<members>`, created, migrated and filled by
bench/synthetic_report.py; its name must contain "bench"). Every measurement runs in a fresh
subprocess, so its peak memory (ru_maxrss) is its own:

- comparison: `member_comparisons` and `branch_comparisons` (the API's services) as an administrator,
              and `reports.report.data.gather` (what the workbook reads), for the whole organisation;
- export:     `export_report` of the whole organisation, with the detail sheet and without, with a
              stage breakdown (reads, frame preparation, the row loop, saving);
- bare:       the yardstick — the same cells (same sheets, rows, columns and values) written by a bare
              openpyxl write-only loop, `ws.append(plain values)` row by row, no styles, no charts;
              bare and export alternate (`--repeat`), the faster of each counts;
- branch:     a one-branch report in the same organisation, from the command and as its secretary;
- verify:     both files have the same sheets and the same number of rows and cells in each
              (and, up to --verify-values members, the same values cell by cell);
- profile:    at the largest size (or --profile N), where the export's time goes, by sampling the
              main thread's stack every 5 ms; --cprofile N adds cProfile's call counts at size N.

The result is printed as Markdown (for bench/RESULTS.md) and, with --json, saved in full.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import re
import resource
import subprocess
import sys
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.bench_scoring import (  # noqa: E402
    Stages,
    _database_exists,
    _database_mb,
    _database_name,
    _drop,
    _maintenance,
    _mb,
    _peak_rss,
    _rss,
    _setup_django,
    database_url_for,
)
from bench.bench_scoring import machine as scoring_machine  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/modelpower_bench_report"
SIZES = (1_000, 10_000, 100_000)
PERIOD = "2025"
RESULT_MARK = "RESULT "
BARE_CHUNK_ROWS = 100_000
VERIFY_VALUES_LIMIT = 1_000


# --- measuring -------------------------------------------------------------------------------------


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _GcClock:
    """Time spent in the cyclic garbage collector (gc.callbacks), and collections per generation."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections: Counter[int] = Counter()
        self._start = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._start
            self.collections[info["generation"]] += 1

    def close(self) -> dict[str, Any]:
        gc.callbacks.remove(self._callback)
        return {"gc_seconds": round(self.seconds, 3), "gc_collections": dict(sorted(self.collections.items()))}


@contextmanager
def _measured(result: dict[str, Any]) -> Iterator[None]:
    """Wall and CPU time, the machine's load, the GC's share and the process peak of the block."""
    clock = _GcClock()
    result["load"] = round(os.getloadavg()[0], 2)
    result["baseline_rss_mb"] = _mb(_rss())
    cpu, start = _cpu(), time.perf_counter()
    try:
        yield
    finally:
        result["seconds"] = round(time.perf_counter() - start, 3)
        result["cpu_seconds"] = round(_cpu() - cpu, 3)
        result["peak_rss_mb"] = _mb(_peak_rss())
        result.update(clock.close())


def _workdir(members: int) -> Path:
    folder = REPO / "var" / "bench-report" / str(members)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _file_name(kind: str, detail: bool) -> str:
    return f"{kind}{'' if detail else '-nodetail'}.xlsx"


# --- workers (each in its own process) -------------------------------------------------------------


def work_generate(url: str, members: int) -> dict[str, Any]:
    name = _database_name(url)
    start = time.perf_counter()
    _maintenance(url, [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'])
    _setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    migrated = time.perf_counter()
    from bench.synthetic_report import generate

    shape = generate(members=members)
    result = dict(shape.__dict__)
    result["seconds"] = {"create_and_migrate": round(migrated - start, 3), **shape.seconds}
    result["total_seconds"] = round(time.perf_counter() - start, 3)
    result["database_mb"] = _database_mb()
    return result


def work_shape(url: str, members: int) -> dict[str, Any]:
    _setup_django(url)
    from bench.synthetic_report import existing_shape

    return {**existing_shape(), "reused": True, "database_mb": _database_mb()}


def _admin() -> Any:
    from django.contrib.auth import get_user_model

    from bench.synthetic_report import ADMIN_USERNAME

    return get_user_model().objects.get(username=ADMIN_USERNAME)


def work_api_members(url: str, members: int) -> dict[str, Any]:
    _setup_django(url)
    from reports.services.comparisons import member_comparisons

    user = _admin()
    result: dict[str, Any] = {}
    with _measured(result):
        rows = member_comparisons(user=user, period=PERIOD)
    result["rows"] = len(rows)
    result["statuses"] = dict(Counter(row["status"] for row in rows))
    return result


def work_api_branches(url: str, members: int) -> dict[str, Any]:
    _setup_django(url)
    from reports.services.comparisons import branch_comparisons

    user = _admin()
    result: dict[str, Any] = {}
    with _measured(result):
        rows = branch_comparisons(user=user, period=PERIOD)
    result["rows"] = len(rows)
    return result


def _gather_stages(stages: Stages) -> None:
    from reports.report import data as report_data

    stages.wrap(report_data, "score_frame", "gather.score_frame")
    stages.wrap(report_data, "_listed_units", "gather.listed_units")
    stages.wrap(report_data, "unit_comparison", "gather.unit_comparison")
    stages.wrap(report_data, "_members", "gather.members")
    stages.wrap(report_data, "_detail", "gather.detail")
    stages.wrap(report_data, "run_indicator_scores", "gather.detail.read_indicator_scores")
    stages.wrap(report_data, "_changes", "gather.changes")
    stages.wrap(report_data, "_posts", "gather.posts")


def work_gather(url: str, members: int) -> dict[str, Any]:
    _setup_django(url)
    from reports.report import data as report_data

    stages = Stages()
    _gather_stages(stages)
    result: dict[str, Any] = {}
    with _measured(result):
        data = report_data.gather(period=PERIOD)
        # The detail is read while it is written, a slice of members at a time; read it here all at
        # once, as the bare loop's plan does.
        detail_rows = len(data.detail)
    result["stages"] = stages.close()
    result |= {"members": len(data.members), "units": len(data.units), "detail_rows": detail_rows}
    result["posts"] = len(data.posts)
    return result


def _export_stages(stages: Stages) -> None:
    from openpyxl.workbook.workbook import Workbook

    from common.xlsx import stream
    from reports.report import members as member_sheets
    from reports.report import workbook as report_workbook
    from reports.services import report_export

    stages.wrap(report_export, "gather", "gather")
    _gather_stages(stages)
    stages.wrap(report_export, "write_workbook", "write")
    for name in ("notes", "summary", "members", "detail", "posts"):
        stages.wrap(report_workbook, f"write_{name}", f"write.{name}")
    stages.wrap(member_sheets, "member_table", "write.members.table")
    stages.wrap(member_sheets, "detail_table", "write.detail.table")
    stages.wrap(Workbook, "save", "write.save")
    # Shared by every sheet: the row loop and the columns turned into Python values.
    stages.wrap(stream.RowWriter, "fit_widths", "write.rows.fit_widths")
    stages.wrap(stream.RowWriter, "append_frame", "write.rows.append_frame")
    stages.wrap(stream, "text_values", "write.rows.append_frame.text_values")
    stages.wrap(stream, "number_values", "write.rows.append_frame.number_values")


def _shared_parents(breakdown: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Stages takes a label's parent from its first call; the row helpers serve every sheet.
    for row in breakdown:
        if row["stage"].startswith("write.rows."):
            row["parent"] = row["stage"].rsplit(".", 1)[0]
    return breakdown


def work_export(url: str, members: int, *, detail: bool = True, kind: str = "ours") -> dict[str, Any]:
    _setup_django(url)
    from reports.services import report_export

    stages = Stages()
    _export_stages(stages)
    target = _workdir(members) / _file_name(kind, detail)
    result: dict[str, Any] = {"detail": detail}
    with _measured(result):
        data = report_export.export_report(target=target, period=PERIOD, detail=detail)
    result["stages"] = _shared_parents(stages.close())
    result |= {"members": len(data.members), "units": len(data.units), "detail_rows": data.detail_rows or 0}
    result["file_mb"] = _mb(target.stat().st_size)
    return result


# --- the yardstick ---------------------------------------------------------------------------------


def _recorded(writer: Callable[[Any, Any], Any], data: Any) -> list[tuple[str, list[list[Any]]]]:
    """The rows one of our sheet writers appends, as plain values, without writing anything."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell

    workbook = Workbook(write_only=True)
    recorded: list[tuple[str, list[list[Any]]]] = []
    create = workbook.create_sheet

    def create_sheet(title: str | None = None, index: int | None = None) -> Any:
        sheet = create(title, index)
        rows: list[list[Any]] = []
        recorded.append((sheet.title, rows))
        sheet.append = lambda row: rows.append([c.value if isinstance(c, Cell) else c for c in row])
        return sheet

    workbook.create_sheet = create_sheet  # type: ignore[method-assign,assignment]
    writer(workbook, data)
    return recorded


def _bare_plan(data: Any) -> list[tuple[str, list[list[Any]], Any]]:
    """(sheet title, rows above the table, table frame or None) for every sheet, in the workbook's order.

    The small sheets (notes, summary, posts) are recorded from our own writers; the members and
    detail tables are the frames our writers start from, with the same title, subtitle and header rows.
    """
    from django.utils import translation

    from reports.report import members as sheets
    from reports.report.notes import write_notes
    from reports.report.posts import write_posts
    from reports.report.summary import write_summary

    def recorded(writer: Callable[[Any, Any], Any]) -> list[tuple[str, list[list[Any]], Any]]:
        return [(title, rows, None) for title, rows in _recorded(writer, data)]

    def top(title: str, headers: list[str]) -> list[list[Any]]:
        return [[f"{data.title} · {title}"], [data.subtitle], headers]

    plan: list[tuple[str, list[list[Any]], Any]] = []
    with translation.override("zh-hans"):
        plan += recorded(write_notes)
        plan += recorded(write_summary)
        members = sheets.member_table(data.members)
        headers = [header.column.header for _key, header in sheets.member_columns()]
        plan.append((sheets.MEMBERS_SHEET, top(sheets.MEMBERS_SHEET, headers), members))
        whole = data.detail
        if whole.empty:
            plan += recorded(sheets.write_detail)
        else:
            detail = sheets.detail_table(whole, threshold=data.threshold)
            headers = [header.column.header for header in sheets.DETAIL_HEADERS]
            for part, start in enumerate(range(0, len(detail), sheets.ROWS_PER_SHEET), start=1):
                title = sheets.DETAIL_SHEET if part == 1 else f"{sheets.DETAIL_SHEET} ({part})"
                chunk = detail.iloc[start : start + sheets.ROWS_PER_SHEET]
                plan.append((title, top(sheets.DETAIL_SHEET, headers), chunk))
        plan += recorded(write_posts)
    return plan


def _plain(column: Any) -> list[Any]:
    """A column as Python values, None where empty: what a bare loop hands to openpyxl."""
    return column.astype(object).where(column.notna(), None).tolist()  # type: ignore[no-any-return]


def work_bare(url: str, members: int, *, detail: bool = True) -> dict[str, Any]:
    _setup_django(url)
    from openpyxl import Workbook

    from reports.report.data import gather

    result: dict[str, Any] = {"detail": detail}
    start = time.perf_counter()
    data = gather(period=PERIOD, with_detail=detail)
    gathered = time.perf_counter()
    plan = _bare_plan(data)
    result["gather_seconds"] = round(gathered - start, 3)
    result["plan_seconds"] = round(time.perf_counter() - gathered, 3)
    target = _workdir(members) / _file_name("bare", detail)
    stages = Stages()  # its RSS sampler runs in the export too: the same overhead on both sides
    convert = append = 0.0
    rows = cells = 0
    with _measured(result):
        workbook = Workbook(write_only=True)
        for title, top, frame in plan:
            sheet = workbook.create_sheet(title)
            mark = time.perf_counter()
            for row in top:
                sheet.append(row)
            append += time.perf_counter() - mark
            if frame is None:
                continue
            for lo in range(0, len(frame), BARE_CHUNK_ROWS):
                mark = time.perf_counter()
                part = frame.iloc[lo : lo + BARE_CHUNK_ROWS]
                columns = [_plain(part.iloc[:, i]) for i in range(part.shape[1])]
                switched = time.perf_counter()
                for values in zip(*columns, strict=True):
                    sheet.append(values)
                append += time.perf_counter() - switched
                convert += switched - mark
            rows += len(frame)
            cells += len(frame) * frame.shape[1]
        mark = time.perf_counter()
        workbook.save(target)
        save = time.perf_counter() - mark
    stages.close()
    result |= {
        "convert_seconds": round(convert, 3),
        "append_seconds": round(append, 3),
        "save_seconds": round(save, 3),
        "sheets": [title for title, _top, _frame in plan],
        "table_rows": rows,
        "table_cells": cells,
        "file_mb": _mb(target.stat().st_size),
    }
    return result


# --- one branch ------------------------------------------------------------------------------------


def work_branch(url: str, members: int, *, repeat: int = 3) -> dict[str, Any]:
    _setup_django(url)
    from django.contrib.auth import get_user_model

    from bench.synthetic_report import SECRETARY_USERNAME, report_branch
    from reports.services.comparisons import branch_comparisons, member_comparisons
    from reports.services.report_export import export_report

    code, size = report_branch()
    secretary = get_user_model().objects.get(username=SECRETARY_USERNAME)
    result: dict[str, Any] = {"branch": code, "branch_members": size, "load": round(os.getloadavg()[0], 2)}

    def timed(call: Callable[[], Any]) -> list[float]:
        seconds = []
        for _ in range(repeat):
            start = time.perf_counter()
            call()
            seconds.append(round(time.perf_counter() - start, 4))
        return seconds

    result["export"] = timed(lambda: export_report(target=io.BytesIO(), period=PERIOD, unit_code=code))
    result["export_as_secretary"] = timed(
        lambda: export_report(target=io.BytesIO(), period=PERIOD, unit_code=code, user=secretary)
    )
    result["dashboard_members_as_secretary"] = timed(
        lambda: member_comparisons(user=secretary, period=PERIOD, unit_code=code)
    )
    result["dashboard_branches_as_secretary"] = timed(
        lambda: branch_comparisons(user=secretary, period=PERIOD, unit_code=code)
    )
    buffer = io.BytesIO()
    data = export_report(target=buffer, period=PERIOD, unit_code=code)
    result |= {
        "members": len(data.members),
        "detail_rows": data.detail_rows or 0,
        "file_kb": len(buffer.getvalue()) // 1024,
    }
    result["peak_rss_mb"] = _mb(_peak_rss())
    return result


# --- checks ----------------------------------------------------------------------------------------


def _sheet_counts(path: Path) -> list[dict[str, Any]]:
    """Per sheet in order: its title, and the rows and cells its XML holds (counted in the stream)."""
    from openpyxl import load_workbook

    titles = load_workbook(path, read_only=True).sheetnames
    counts = []
    with zipfile.ZipFile(path) as archive:
        for position, title in enumerate(titles, start=1):
            # A token may straddle two blocks: each block is searched with the token's length − 1
            # bytes of the one before, which can hold the start of a token but never a whole one.
            found = dict.fromkeys((b"<row ", b"<c "), 0)
            tails = dict.fromkeys(found, b"")
            with archive.open(f"xl/worksheets/sheet{position}.xml") as part:
                while block := part.read(1 << 22):
                    for token in found:
                        text = tails[token] + block
                        found[token] += text.count(token)
                        tails[token] = text[-(len(token) - 1) :]
            rows, cells = found[b"<row "], found[b"<c "]
            counts.append({"sheet": title, "rows": rows, "cells": cells})
    return counts


def _same_value(left: Any, right: Any) -> bool:
    if isinstance(left, int | float) and isinstance(right, int | float):
        return abs(float(left) - float(right)) <= 1e-9 * max(1.0, abs(float(left)))
    return bool(left == right)


def _value_differences(ours: Path, bare: Path) -> tuple[int, list[str]]:
    from openpyxl import load_workbook

    left, right = load_workbook(ours, read_only=True), load_workbook(bare, read_only=True)
    compared, differences = 0, list[str]()
    for title in left.sheetnames:
        for r, (a, b) in enumerate(
            zip(left[title].iter_rows(values_only=True), right[title].iter_rows(values_only=True), strict=False),
            start=1,
        ):
            a, b = tuple(a), tuple(b)
            width = max(len(a), len(b))
            a, b = a + (None,) * (width - len(a)), b + (None,) * (width - len(b))
            for c, (x, y) in enumerate(zip(a, b, strict=True), start=1):
                compared += 1
                if not _same_value(x, y) and len(differences) < 10:
                    differences.append(f"{title}!R{r}C{c}: {x!r} != {y!r}")
    return compared, differences


def work_verify(url: str, members: int, *, values_limit: int = VERIFY_VALUES_LIMIT) -> dict[str, Any]:
    result: dict[str, Any] = {}
    folder = _workdir(members)
    for kind, detail in (("ours", True), ("ours", False)):
        ours, bare = folder / _file_name(kind, detail), folder / _file_name("bare", detail)
        if not (ours.exists() and bare.exists()):
            continue
        left, right = _sheet_counts(ours), _sheet_counts(bare)
        check: dict[str, Any] = {"ours": left, "same_sheets_rows_and_cells": left == right}
        if members <= values_limit:
            compared, differences = _value_differences(ours, bare)
            check |= {"cells_compared": compared, "differences": differences}
        result[f"{kind}{'' if detail else '_nodetail'}"] = check
    return result


# --- where the time goes ---------------------------------------------------------------------------

CATEGORIES = (
    ("openpyxl", ("/openpyxl/", "/et_xmlfile/", "/xml/etree/", "/xml/sax/")),
    ("zip", ("/zipfile", "/shutil.py", "/tempfile.py")),
    ("ours", ("/reports/", "/common/")),
    ("pandas/numpy/scipy", ("/pandas/", "/numpy/", "/scipy/")),
    ("database", ("/psycopg/", "/django/db/")),
    ("django", ("/django/",)),
)


def _category(filename: str) -> str:
    for name, markers in CATEGORIES:
        if any(marker in filename for marker in markers):
            return name
    return "other"


def _label(code: Any) -> str:
    path = code.co_filename
    for root in (str(REPO) + "/", "site-packages/", "python3.11/"):
        if root in path:
            path = path.split(root, 1)[1]
    return f"{path.removesuffix('.py')}:{code.co_qualname}"


def work_profile(url: str, members: int, *, interval: float = 0.005) -> dict[str, Any]:
    """The export under a sampling profiler: a timer signal every `interval` seconds runs a handler in
    the main thread, which charges the wall time since the previous sample to the stack it finds.

    The handler runs between bytecodes, so the time of a long C call (zlib, the CSV parser, a wait
    for PostgreSQL) falls on the Python function that made it. A sampler *thread* would be biased:
    it gets the GIL at once while the main thread is inside such a call, and only every few
    switch intervals while it runs Python code.
    """
    import signal

    _setup_django(url)
    from reports.services.report_export import export_report

    inclusive: defaultdict[str, float] = defaultdict(float)
    own: defaultdict[str, float] = defaultdict(float)
    categories: defaultdict[str, float] = defaultdict(float)
    labels: dict[Any, str] = {}
    samples = 0
    last = time.perf_counter()

    def label(code: Any) -> str:
        if code not in labels:
            labels[code] = _label(code)
        return labels[code]

    def sample(_signum: int, frame: Any) -> None:
        nonlocal samples, last
        now = time.perf_counter()
        elapsed, last = now - last, now
        if frame is None:
            return
        samples += 1
        own[label(frame.f_code)] += elapsed
        categories[_category(frame.f_code.co_filename)] += elapsed
        seen = set()
        while frame is not None:
            seen.add(label(frame.f_code))
            frame = frame.f_back
        for name in seen:
            inclusive[name] += elapsed

    target = _workdir(members) / "profile.xlsx"
    result: dict[str, Any] = {}
    signal.signal(signal.SIGALRM, sample)
    with _measured(result):
        last = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, interval, interval)
        try:
            export_report(target=target, period=PERIOD)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    target.unlink(missing_ok=True)
    total = sum(own.values()) or 1.0

    def shares(seconds: dict[str, float], top: int) -> list[tuple[str, float, float]]:
        ranked = sorted(seconds.items(), key=lambda item: -item[1])[:top]
        return [(name, round(100.0 * value / total, 1), round(value, 1)) for name, value in ranked]

    result |= {
        "samples": samples,
        "sampled_seconds": round(total, 1),
        "inclusive_percent": shares(inclusive, 60),
        "self_percent": shares(own, 40),
        "leaf_category_percent": shares(categories, 10),
    }
    return result


def work_cprofile(url: str, members: int) -> dict[str, Any]:
    """cProfile of the export: exact call counts (its own overhead inflates the small calls)."""
    import cProfile
    import pstats

    _setup_django(url)
    from reports.services.report_export import export_report

    target = _workdir(members) / "cprofile.xlsx"
    profiler = cProfile.Profile()
    result: dict[str, Any] = {}
    with _measured(result):
        profiler.runcall(export_report, target=target, period=PERIOD)
    target.unlink(missing_ok=True)
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, name), (_cc, calls, own, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append((own, cumulative, calls, f"{_shorten(filename)}:{line}({name})"))
    rows.sort(reverse=True)
    result["by_own_time"] = [
        {"function": where, "calls": calls, "own_s": round(own, 2), "cumulative_s": round(cumulative, 2)}
        for own, cumulative, calls, where in rows[:40]
    ]
    return result


def _shorten(filename: str) -> str:
    return re.sub(r"^.*?(site-packages/|python3\.11/|" + re.escape(str(REPO)) + "/)", "", filename)


WORKERS: dict[str, Callable[[str, int], dict[str, Any]]] = {
    "generate": work_generate,
    "shape": work_shape,
    "api_members": work_api_members,
    "api_branches": work_api_branches,
    "gather": work_gather,
    "export": work_export,
    "export_nodetail": lambda url, members: work_export(url, members, detail=False),
    "bare": work_bare,
    "bare_nodetail": lambda url, members: work_bare(url, members, detail=False),
    "branch": work_branch,
    "verify": work_verify,
    "profile": work_profile,
    "cprofile": work_cprofile,
}


# --- driver ----------------------------------------------------------------------------------------


def _spawn(kind: str, url: str, members: int) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--database-url", url]
    command += ["--members", str(members)]
    print(f"  {kind} … (load {os.getloadavg()[0]:.1f})", file=sys.stderr, flush=True)
    start = time.perf_counter()
    finished = subprocess.run(command, cwd=REPO, stdout=subprocess.PIPE, text=True, check=True)
    lines = [line for line in finished.stdout.splitlines() if line.startswith(RESULT_MARK)]
    result: dict[str, Any] = json.loads(lines[-1][len(RESULT_MARK) :])
    print(f"  {kind}: {time.perf_counter() - start:.1f} s (process)", file=sys.stderr, flush=True)
    return result


def measure(members: int, base_url: str, args: argparse.Namespace) -> dict[str, Any]:
    url = database_url_for(base_url, members)
    _database_name(url)
    print(f"{members} members → {urlsplit(url).path.lstrip('/')}", file=sys.stderr, flush=True)
    result: dict[str, Any] = {"members": members}
    if args.reuse and _database_exists(url):
        result["data"] = _spawn("shape", url, members)
    else:
        result["data"] = _spawn("generate", url, members)
    for kind in ("api_members", "api_branches", "gather"):
        result[kind] = _spawn(kind, url, members)
    # Bare and ours alternate, so that a change in the machine's load falls on both.
    for suffix in ("", "_nodetail"):
        bare_runs, ours_runs = [], []
        for _ in range(args.repeat if not suffix else 1):
            bare_runs.append(_spawn(f"bare{suffix}", url, members))
            ours_runs.append(_spawn(f"export{suffix}", url, members))
        result[f"bare{suffix}_runs"], result[f"export{suffix}_runs"] = bare_runs, ours_runs
        result[f"bare{suffix}"] = min(bare_runs, key=lambda run: run["seconds"])
        result[f"export{suffix}"] = min(ours_runs, key=lambda run: run["seconds"])
        result[f"ratio{suffix}"] = round(result[f"export{suffix}"]["seconds"] / result[f"bare{suffix}"]["seconds"], 2)
    result["branch"] = _spawn("branch", url, members)
    result["verify"] = _spawn("verify", url, members)
    if members in args.profile:
        result["profile"] = _spawn("profile", url, members)
    if members in args.cprofile:
        result["cprofile"] = _spawn("cprofile", url, members)
    if not args.keep_files:
        for path in _workdir(members).glob("*.xlsx"):
            path.unlink()
    if not args.keep:
        _drop(url)
    return result


def machine(url: str) -> dict[str, Any]:
    import openpyxl

    about = scoring_machine(url)
    about["openpyxl"] = openpyxl.__version__
    about["lxml"] = openpyxl.LXML  # False: openpyxl writes its XML through et_xmlfile, in Python
    return about


# --- Markdown --------------------------------------------------------------------------------------


def _s(run: dict[str, Any]) -> str:
    return f"{run['seconds']:.2f} s"


def _stage(run: dict[str, Any], label: str) -> float:
    return next((row["seconds"] for row in run.get("stages", []) if row["stage"] == label), 0.0)


def markdown(results: list[dict[str, Any]], about: dict[str, Any]) -> str:
    lines = [
        f"Machine: {about['cpus']} × {about['cpu']}, {about['memory']} RAM; Python {about['python']}, "
        f"pandas {about['pandas']}, NumPy {about['numpy']}, openpyxl {about['openpyxl']} (lxml: {about['lxml']}); "
        f"PostgreSQL {about['postgresql']}. Date {about['date']}.",
        "",
        "Comparison of the whole organisation, period 2025 against 2024 (wall / peak RSS of the process):",
        "",
        "| members | compared | units | member_comparisons | branch_comparisons | gather (with detail) | detail rows "
        "| load |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        api_m, api_b, gathered = r["api_members"], r["api_branches"], r["gather"]
        lines.append(
            f"| {r['members']:,} | {api_m['rows']:,} | {api_b['rows']:,} "
            f"| {_s(api_m)} / {api_m['peak_rss_mb']:,.0f} MB | {_s(api_b)} / {api_b['peak_rss_mb']:,.0f} MB "
            f"| {_s(gathered)} / {gathered['peak_rss_mb']:,.0f} MB | {gathered['detail_rows']:,} "
            f"| {api_m['load']:.1f}–{gathered['load']:.1f} |"
        )
    lines += [
        "",
        "Export of the whole organisation's workbook against the bare openpyxl loop writing the same cells:",
        "",
        "| members | detail | sheets | cells | ours: wall | CPU | peak RSS | file | gather | write | bare: wall "
        "| peak RSS | file | ours ÷ bare | write ÷ bare | load |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for suffix, label in (("", "with"), ("_nodetail", "without")):
            ours, bare = r[f"export{suffix}"], r[f"bare{suffix}"]
            write = _stage(ours, "write")
            lines.append(
                f"| {r['members']:,} | {label} | {len(bare['sheets'])} | {bare['table_cells']:,} | {_s(ours)} "
                f"| {ours['cpu_seconds']:.1f} s | {ours['peak_rss_mb']:,.0f} MB | {ours['file_mb']:,.1f} MB "
                f"| {_stage(ours, 'gather'):.2f} s | {write:.2f} s | {_s(bare)} | {bare['peak_rss_mb']:,.0f} MB "
                f"| {bare['file_mb']:,.1f} MB | **{r[f'ratio{suffix}']:.2f}×** | {write / bare['seconds']:.2f}× "
                f"| {ours['load']:.1f} / {bare['load']:.1f} |"
            )
    lines += [
        "",
        "One branch in the same organisation (seconds, first call then the repeats, in one process):",
        "",
        "| members | branch | its members | export | export as its secretary | dashboard members | dashboard "
        "branches | detail rows | file |",
        "|---:|---|---:|---|---|---|---|---:|---:|",
    ]
    for r in results:
        b = r["branch"]

        def calls(seconds: list[float]) -> str:
            return " / ".join(f"{value:.3f}" for value in seconds)

        lines.append(
            f"| {r['members']:,} | {b['branch']} | {b['members']} | {calls(b['export'])} "
            f"| {calls(b['export_as_secretary'])} | {calls(b['dashboard_members_as_secretary'])} "
            f"| {calls(b['dashboard_branches_as_secretary'])} | {b['detail_rows']:,} | {b['file_kb']:,} KB |"
        )
    for r in results:
        ours, bare = r["export"], r["bare"]
        lines += [
            "",
            f"Stages of the export at {r['members']:,} members with detail (inclusive seconds; own = minus wrapped "
            f"children; GC {ours['gc_seconds']:.2f} s):",
            "",
            "| stage | seconds | own | calls | RSS peak |",
            "|---|---:|---:|---:|---:|",
        ]
        for row in ours["stages"]:
            depth = row["stage"].count(".")
            lines.append(
                f"| {'&nbsp;&nbsp;' * depth}{row['stage']} | {row['seconds']:.3f} | {row['own_seconds']:.3f} "
                f"| {row['calls']} | {row['rss_peak_mb']:,.0f} MB |"
            )
        same = {key: check["same_sheets_rows_and_cells"] for key, check in r["verify"].items()}
        lines += [
            "",
            f"Bare at {r['members']:,}: convert {bare['convert_seconds']:.2f} s, "
            f"append {bare['append_seconds']:.2f} s, save {bare['save_seconds']:.2f} s, "
            f"GC {bare['gc_seconds']:.2f} s (not timed: gather {bare['gather_seconds']:.2f} s, "
            f"plan {bare['plan_seconds']:.2f} s). Runs: bare {', '.join(_s(run) for run in r['bare_runs'])}; "
            f"ours {', '.join(_s(run) for run in r['export_runs'])}.",
            f"Same sheets, rows and cells: {json.dumps(same)}"
            + "".join(
                f"; {k}: {v['cells_compared']:,} cells compared, differences {v['differences']}"
                for k, v in r["verify"].items()
                if "cells_compared" in v
            ),
        ]
        if "profile" in r:
            profile = r["profile"]
            lines += [
                "",
                f"Sampled profile of the export at {r['members']:,} ({profile['samples']:,} samples, "
                f"{profile['seconds']:.1f} s); own time by the library of the Python function that spent it: "
                + ", ".join(f"{name} {share:.1f} %" for name, share, _s in profile["leaf_category_percent"]),
                "",
                "| inclusive % | seconds | function |",
                "|---:|---:|---|",
                *(f"| {share:.1f} | {sec:.1f} | `{name}` |" for name, share, sec in profile["inclusive_percent"][:45]),
                "",
                "| own % | seconds | function |",
                "|---:|---:|---|",
                *(f"| {share:.1f} | {sec:.1f} | `{name}` |" for name, share, sec in profile["self_percent"][:25]),
            ]
        if "cprofile" in r:
            lines += [
                "",
                f"cProfile of the export at {r['members']:,} ({r['cprofile']['seconds']:.1f} s under the profiler):",
                "",
                "| own s | cumulative s | calls | function |",
                "|---:|---:|---:|---|",
                *(
                    f"| {row['own_s']:.2f} | {row['cumulative_s']:.2f} | {row['calls']:,} | `{row['function']}` |"
                    for row in r["cprofile"]["by_own_time"][:30]
                ),
            ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--members", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--quick", action="store_true", help="1,000 members only")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--reuse", action="store_true", help="measure an existing benchmark database as it is")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark databases afterwards")
    parser.add_argument("--keep-files", action="store_true", help="keep the workbooks in var/bench-report/")
    parser.add_argument("--repeat", type=int, default=2, help="bare and export runs with the detail sheet")
    parser.add_argument("--profile", type=int, nargs="*", help="sizes to profile (default: the largest)")
    parser.add_argument("--cprofile", type=int, nargs="*", default=[], help="sizes to run under cProfile")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        result = WORKERS[args.worker](args.database_url, args.members[0])
        print(RESULT_MARK + json.dumps(result, default=str), flush=True)
        return 0

    sizes = [1_000] if args.quick else args.members
    args.profile = [max(sizes)] if args.profile is None else args.profile
    about = machine(args.database_url)
    results = []
    for members in sizes:
        results.append(measure(members, args.database_url, args))
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({"machine": about, "results": results}, indent=2, default=str))
    print(markdown(results, about))
    return 0


if __name__ == "__main__":
    sys.exit(main())
