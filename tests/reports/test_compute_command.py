"""`manage.py compute_scores --period P [--preview] [--background]`."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reports.management.commands.compute_scores import Command
from reports.management.progress import progress_line
from reports.models import Job, JobStatus, ScoreRun
from tests.factories import make_system
from tests.reports.score_data import build_answers

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("compute_scores", *args, stdout=out)
    return out.getvalue()


def test_the_progress_bar_shows_the_share_done_and_the_step():
    assert progress_line(0.5, "计算得分") == "[##########----------]  50% 计算得分"
    assert progress_line(1.0, "完成") == "[####################] 100% 完成"
    assert progress_line(0.0, "开始") == "[--------------------]   0% 开始"


def test_the_command_prints_its_progress_and_a_summary(org_tree):
    build_answers(org_tree)
    output = run("--period", "2025")
    run_ = ScoreRun.objects.get(period="2025", is_current=True)
    lines = output.splitlines()
    assert "[#######-------------]  35% 计算得分 (computing scores)" in lines
    assert "[####################] 100% 完成 (done)" in lines
    assert f"已完成 2025 期间的计分（正式结果，批次 #{run_.pk}）。" in output
    assert "成绩卡：5 张；有总分的党员：5 人" in output
    assert not run_.provisional


def test_a_preview_is_reported_as_one(org_tree):
    build_answers(org_tree, publish=False)
    output = run("--period", "2025", "--preview")
    assert "预览结果" in output
    assert ScoreRun.objects.get(is_current=True).provisional


def test_a_period_without_a_published_system_fails_with_the_reason(org_tree):
    make_system(2025)  # a draft
    with pytest.raises(CommandError, match="--preview"):
        run("--period", "2025")
    assert not ScoreRun.objects.exists()


def test_the_failure_exits_non_zero_with_the_message_on_stderr(org_tree, capsys):
    with pytest.raises(SystemExit) as exit_:
        Command().run_from_argv(["manage.py", "compute_scores", "--period", "2030"])
    assert exit_.value.code != 0
    assert "2030 年没有指标体系" in capsys.readouterr().err


def test_a_malformed_period_is_refused(db):
    with pytest.raises(CommandError, match="2025-Q5"):
        run("--period", "2025-Q5")


def test_in_the_background_it_starts_a_job_and_prints_its_id(org_tree):
    build_answers(org_tree)
    output = run("--period", "2025", "--background")
    job = Job.objects.get()
    assert f"后台任务 #{job.pk}" in output
    assert job.status == JobStatus.SUCCEEDED  # the immediate backend ran it before the command returned
    assert job.parameters == {"period": "2025", "preview": False}


def test_in_the_background_a_failed_job_fails_the_command(org_tree):
    make_system(2025)
    with pytest.raises(CommandError, match="--preview"):
        run("--period", "2025", "--background")
    assert Job.objects.get().status == JobStatus.FAILED
