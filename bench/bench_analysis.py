"""Questionnaire analysis benchmark (issue 8): `analyze_questionnaire` on the scoring benchmark's data.

    .venv/bin/python bench/bench_analysis.py                     # 10k and 100k members (2M, 20M answers)
    .venv/bin/python bench/bench_analysis.py --members 10000 --keep

Each size gets its own PostgreSQL database (`<database>_<members>`, its name must contain "bench"),
filled by bench/synthetic_scores.py exactly as for the scoring benchmark (one questionnaire of 105
questions, ten forms per member, each form answering the 20 questions of 4 indicators). The analysis
then runs in a fresh subprocess, so the peak memory reported is its own, with a stage breakdown:
reading the responses and the answers (COPY), the statistics, the response rates, the JSON the API
and the page use, and the workbook.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_scoring import (
    RESULT_MARK,
    Stages,
    _database_exists,
    _database_name,
    _drop,
    _mb,
    _peak_rss,
    _setup_django,
    database_url_for,
    work_generate,
    work_shape,
)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/modelpower_bench_analysis"
SIZES = (10_000, 100_000)
QUESTIONNAIRE = "BENCH-2025"


def work_analyse(url: str, members: int) -> dict[str, Any]:
    _setup_django(url)
    from surveys import analysis as statistics
    from surveys.services import analysis as service
    from surveys.services import analysis_workbook as workbook

    stages = Stages()
    stages.wrap(service, "analyze_questionnaire", "analyze_questionnaire")
    stages.wrap(service, "submitted_responses", "read responses")
    stages.wrap(service, "submitted_answers", "read answers (COPY)")
    stages.wrap(service, "analyze", "statistics")
    stages.wrap(statistics, "_positions", "keyed answers")
    stages.wrap(statistics, "_item_statistics", "item statistics")
    stages.wrap(statistics, "_dense_matrix", "dimension matrices")
    stages.wrap(statistics, "_distribution", "distributions")
    stages.wrap(statistics, "dimension_scores", "dimension scores")
    stages.wrap(service, "response_rates", "response rates")
    start = time.perf_counter()
    result = service.analyze_questionnaire(code=QUESTIONNAIRE, period="2025")
    analysed = time.perf_counter()
    payload = service.result_as_json(result)
    as_json = time.perf_counter()
    data = workbook.analysis_workbook(result)
    written = time.perf_counter()
    return {
        "respondents": result.respondents,
        "answers": int(result.items["n"].sum()),
        "items": len(result.items),
        "seconds": round(analysed - start, 3),
        "json_seconds": round(as_json - analysed, 3),
        "json_kb": round(len(json.dumps(payload)) / 1024, 1),
        "workbook_seconds": round(written - as_json, 3),
        "workbook_kb": round(len(data) / 1024, 1),
        "peak_rss_mb": _mb(_peak_rss()),
        "stages": stages.close(),
    }


WORKERS = {"generate": work_generate, "shape": work_shape, "analyse": work_analyse}


def _spawn(kind: str, url: str, members: int) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--database-url", url]
    command += ["--members", str(members)]
    print(f"  {kind} …", file=sys.stderr, flush=True)
    finished = subprocess.run(command, cwd=REPO, stdout=subprocess.PIPE, text=True, check=True)
    lines = [line for line in finished.stdout.splitlines() if line.startswith(RESULT_MARK)]
    return dict(json.loads(lines[-1][len(RESULT_MARK) :]))


def markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "| members | responses | answers | analyse | peak RSS | read answers | statistics | rates | JSON | workbook |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        ours = result["analyse"]
        stage = {row["stage"]: row for row in ours["stages"]}
        lines.append(
            f"| {result['members']:,} | {ours['respondents']:,} | {ours['answers']:,} | {ours['seconds']:.2f} s "
            f"| {ours['peak_rss_mb']:,.0f} MB | {stage['read answers (COPY)']['seconds']:.2f} s "
            f"| {stage['statistics']['seconds']:.2f} s | {stage['response rates']['seconds']:.2f} s "
            f"| {ours['json_seconds']:.2f} s | {ours['workbook_seconds']:.2f} s |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--reuse", action="store_true", help="analyse a kept database without regenerating it")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        result = WORKERS[options.worker](options.database_url, options.members[0])
        print(RESULT_MARK + json.dumps(result))
        return 0
    results = []
    for members in options.members:
        url = database_url_for(options.database_url, members)
        _database_name(url)  # refuses a name without "bench"
        print(f"{members} members → {urlsplit(url).path.lstrip('/')}", file=sys.stderr, flush=True)
        kind = "shape" if options.reuse and _database_exists(url) else "generate"
        result = {"members": members, "data": _spawn(kind, url, members), "analyse": _spawn("analyse", url, members)}
        results.append(result)
        print(json.dumps(result, indent=1), file=sys.stderr, flush=True)  # before the drop, which may wait
        print(markdown([result]), flush=True)
        if not options.keep:
            _drop(url)
    if len(results) > 1:
        print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
