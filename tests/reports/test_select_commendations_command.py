"""`manage.py select_commendations --year Y [rules] [--approve --user NAME] [-o FILE]`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from reports.management.commands.select_commendations import parse_kinds
from reports.models import CommendationCandidate, CommendationRound
from tests.reports.commendation_data import commendation_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org_tree, admin_user):
    return commendation_world(org_tree)


def run(*args: str) -> str:
    out = StringIO()
    call_command("select_commendations", *args, stdout=out)
    return out.getvalue()


def test_it_proposes_and_prints_the_list_best_first_with_reasons(world):
    output = run("--year", "2025", "--kinds", "members", "--min-score", "85", "--per-branch", "2")
    lines = output.splitlines()
    assert lines[0] == "2025 年度表彰名单 · 规则：党员；最低分 ≥ 85；下降容差 0；每支部名额 2；比例上限 不限"
    members = [line for line in lines if line[:1] in "★ " and ". " in line]
    assert [line.split(". ")[1].split(" ")[0] for line in members] == ["1001", "2001", "1002", "2002", "1003", "1004"]
    assert members[0].startswith("★   1. 1001")
    assert "较去年下降 4.0，超过容差 0" in members[2] and members[2].startswith(" ")
    assert "低于最低分 85" in members[5]
    assert "待批准 (proposed)：候选 6，入选 3" in output
    assert CommendationRound.objects.get().proposed_by is None


@pytest.mark.parametrize(
    ("text", "kinds"),
    [("posts", "posts"), ("members", "members"), ("posts,members", "both"), ("member, post", "both"), ("both", "both")],
)
def test_kinds_are_read_as_typed(text, kinds):
    assert parse_kinds(text) == kinds


def test_unknown_kinds_are_refused(world):
    with pytest.raises(CommandError, match="--kinds 只能是"):
        run("--year", "2025", "--kinds", "leaders")
    assert not CommendationRound.objects.exists()


def test_running_again_replaces_the_proposal_keeping_the_rules_not_given(world):
    run("--year", "2025", "--min-score", "85", "--per-branch", "2")
    run("--year", "2025", "--share", "50")
    commendation = CommendationRound.objects.get()
    assert (commendation.min_score, commendation.per_branch, commendation.share) == (85, 2, 50)


def test_approve_alone_approves_the_proposal_as_it_stands(world):
    run("--year", "2025", "--min-score", "85")
    ids = set(CommendationCandidate.objects.values_list("pk", flat=True))
    output = run("--year", "2025", "--approve", "--user", "admin")
    commendation = CommendationRound.objects.get()
    assert commendation.is_approved and commendation.approved_by_name == "admin"
    assert set(CommendationCandidate.objects.values_list("pk", flat=True)) == ids
    assert "已批准（admin）(approved)" in output


def test_approve_with_rules_proposes_then_approves(world):
    run("--year", "2025", "--kinds", "posts", "--min-score", "80", "--approve", "--user", "admin")
    commendation = CommendationRound.objects.get()
    assert commendation.is_approved and commendation.kinds == "posts"


def test_approve_needs_a_user_who_exists(world):
    with pytest.raises(CommandError, match="--approve needs --user"):
        run("--year", "2025", "--approve")
    with pytest.raises(CommandError, match="没有用户“nobody”"):
        run("--year", "2025", "--approve", "--user", "nobody")
    assert not CommendationRound.objects.exists()


def test_after_approval_rules_are_refused_and_the_list_is_only_shown(world):
    run("--year", "2025", "--min-score", "85", "--approve", "--user", "admin")
    before = list(CommendationCandidate.objects.order_by("pk").values_list("pk", "selected"))
    with pytest.raises(CommandError, match="2025 年表彰名单已批准，不能修改"):
        run("--year", "2025", "--min-score", "50")
    assert CommendationRound.objects.get().min_score == 85
    output = run("--year", "2025")
    assert "已批准" in output
    assert list(CommendationCandidate.objects.order_by("pk").values_list("pk", "selected")) == before


def test_it_writes_the_workbook(world, tmp_path):
    target = tmp_path / "list.xlsx"
    output = run("--year", "2025", "--min-score", "85", "-o", str(target))
    assert f"已导出 {target}" in output
    sheet = load_workbook(target)["表彰名单"]
    assert sheet.max_row == 1 + CommendationCandidate.objects.count()


def test_a_year_without_an_official_run_fails_with_the_reason(world):
    with pytest.raises(CommandError, match="2023 年度还没有正式计分结果"):
        run("--year", "2023")
