"""Proposing, approving and exporting the year's commendation list on official annual results."""

from __future__ import annotations

import io

import pytest
from django.db import IntegrityError
from openpyxl import load_workbook

from common.errors import ApprovedListError, DomainError
from reports.models import CommendationCandidate, CommendationRound, RunStatus, ScoreRun
from reports.services.commendation import approve_commendations, candidates_of, select_commendations
from reports.services.commendation_workbook import HEADERS, LIST_TITLE, NOTES_TITLE, commendation_workbook
from tests.factories import make_admin
from tests.reports.commendation_data import card, commendation_world, official_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org_tree):
    return commendation_world(org_tree)


def propose(user, **rules):
    return select_commendations(**{"year": 2025, "kinds": "both", "min_score": 0, "user": user, **rules})


def selected(commendation, kind):
    return [c.code for c in candidates_of(commendation) if c.kind == kind and c.selected]


def listed(commendation, kind):
    return [c.code for c in candidates_of(commendation) if c.kind == kind]


def test_the_proposal_lists_posts_then_members_best_first_with_scores_and_last_year(world, admin_user):
    commendation = propose(admin_user)
    assert listed(commendation, "post") == ["PA", "PG", "PB"]
    assert listed(commendation, "member") == ["1001", "2001", "1002", "2002", "1003", "1004"]
    assert [c.kind for c in candidates_of(commendation)][:3] == ["post"] * 3
    one = commendation.candidates.get(code="1002")
    assert (one.score, one.last_score, one.delta, one.position) == (92.0, 96.0, -4.0, 3)
    assert not one.selected
    assert "较去年下降 4.0，超过容差 0" in "".join(one.reasons)
    assert commendation.proposed_by == admin_user and commendation.status == "proposed"


def test_members_of_a_group_count_in_their_branch_for_the_branch_cap(world, admin_user):
    commendation = propose(admin_user, kinds="members", per_branch=2)
    # Branch A: 1001 (95), 1003 of its group (88) take the two places; 1004 (80) is over the cap.
    assert selected(commendation, "member") == ["1001", "2001", "1003"]
    group_member = commendation.candidates.get(code="1003")
    assert (group_member.branch, group_member.branch_name) == ("B1", "第一党支部")
    assert "超出本支部名额 2" in "".join(commendation.candidates.get(code="1004").reasons)


def test_a_post_of_a_group_counts_in_its_branch(world, admin_user):
    commendation = propose(admin_user, kinds="posts", per_branch=1)
    assert selected(commendation, "post") == ["PA", "PB"]
    assert commendation.candidates.get(code="PG").branch == "B1"
    assert not commendation.candidates.filter(kind="member").exists()


def test_the_minimum_tolerance_and_share_apply_to_each_kind_on_its_own(world, admin_user):
    commendation = propose(admin_user, min_score=85, fall_tolerance=0.5, share=50)
    # Posts eligible: PA, PG → 1 place. Members eligible: 1001, 2001, 2002 (fell exactly 0.5), 1003 → 2.
    assert selected(commendation, "post") == ["PA"]
    assert selected(commendation, "member") == ["1001", "2001"]
    assert "未超过容差 0.5" in "".join(commendation.candidates.get(code="2002").reasons)


def test_proposing_again_before_approval_replaces_the_proposal(world, admin_user):
    first = propose(admin_user, per_branch=1)
    first_ids = set(CommendationCandidate.objects.values_list("pk", flat=True))
    again = propose(admin_user, kinds="posts", min_score=80)
    assert CommendationRound.objects.count() == 1
    assert not CommendationRound.objects.filter(pk=first.pk).exists()
    assert (again.kinds, again.min_score, again.per_branch) == ("posts", 80, None)
    assert not first_ids & set(CommendationCandidate.objects.values_list("pk", flat=True))
    assert listed(again, "post") == ["PA", "PG", "PB"] and listed(again, "member") == []


def test_approval_records_who_and_when(world, admin_user):
    propose(admin_user)
    commendation = approve_commendations(year=2025, user=admin_user)
    commendation.refresh_from_db()
    assert commendation.is_approved
    assert commendation.approved_by == admin_user
    assert commendation.approved_by_name == "admin"
    assert commendation.approved_at is not None


def test_an_approved_list_refuses_every_change(world, admin_user):
    propose(admin_user)
    commendation = approve_commendations(year=2025, user=admin_user)
    candidate = commendation.candidates.first()
    assert candidate is not None
    with pytest.raises(ApprovedListError, match="已批准"):
        commendation.save()
    with pytest.raises(ApprovedListError):
        commendation.delete()
    with pytest.raises(ApprovedListError):
        CommendationRound.objects.filter(year=2025).update(min_score=0)
    with pytest.raises(ApprovedListError):
        CommendationRound.objects.all().delete()
    candidate.selected = not candidate.selected
    with pytest.raises(ApprovedListError):
        candidate.save()
    with pytest.raises(ApprovedListError):
        candidate.delete()
    with pytest.raises(ApprovedListError):
        CommendationCandidate.objects.filter(round=commendation).update(selected=True)
    with pytest.raises(ApprovedListError):
        CommendationCandidate.objects.all().delete()
    extra = CommendationCandidate(
        round=commendation, kind="member", code="9999", name="x", branch="B1", branch_name="x", score=1, position=99
    )
    with pytest.raises(ApprovedListError):
        CommendationCandidate.objects.bulk_create([extra])
    with pytest.raises(ApprovedListError):
        extra.save()


def test_proposing_after_approval_is_refused_and_writes_nothing(world, admin_user):
    propose(admin_user, per_branch=1)
    approve_commendations(year=2025, user=admin_user)
    before = list(CommendationCandidate.objects.order_by("pk").values_list("pk", "code", "selected", "reasons"))
    with pytest.raises(ApprovedListError, match="2025 年表彰名单已批准，不能修改"):
        propose(admin_user, min_score=95)
    after = list(CommendationCandidate.objects.order_by("pk").values_list("pk", "code", "selected", "reasons"))
    assert after == before
    assert CommendationRound.objects.get().per_branch == 1


def test_approving_twice_or_without_a_proposal_is_refused(world, admin_user):
    with pytest.raises(DomainError, match="尚无表彰建议名单"):
        approve_commendations(year=2025, user=admin_user)
    propose(admin_user)
    approve_commendations(year=2025, user=admin_user)
    with pytest.raises(ApprovedListError):
        approve_commendations(year=2025, user=admin_user)


def test_only_an_administrator_approves(world, admin_user):
    propose(admin_user)
    secretary = world["secretary_a"].user
    with pytest.raises(DomainError, match="只有管理员"):
        approve_commendations(year=2025, user=secretary)
    assert not CommendationRound.objects.get().is_approved


def test_a_year_without_an_official_annual_run_is_refused(world, admin_user):
    with pytest.raises(DomainError, match="2023 年度还没有正式计分结果"):
        select_commendations(year=2023, kinds="both", min_score=0, user=admin_user)
    # A preview run is not official.
    run = official_run(2023)
    run.provisional = True
    run.save()
    card(run, world["member_a"], 90)
    with pytest.raises(DomainError, match="还没有正式计分结果"):
        select_commendations(year=2023, kinds="both", min_score=0, user=admin_user)
    assert not CommendationRound.objects.exists()


def test_an_official_run_where_nobody_of_the_kind_is_scored_is_refused(org_tree, admin_user):
    run = official_run(2025)
    card(run, org_tree["member_a"], 90)
    with pytest.raises(DomainError, match="没有可评选的精品岗位"):
        select_commendations(year=2025, kinds="posts", min_score=0, user=admin_user)
    assert not CommendationRound.objects.exists()


def test_a_run_still_computing_is_not_official(org_tree, admin_user):
    ScoreRun.objects.filter(pk=official_run(2025).pk).update(status=RunStatus.RUNNING)
    with pytest.raises(DomainError, match="还没有正式计分结果"):
        select_commendations(year=2025, kinds="members", min_score=0, user=admin_user)


@pytest.mark.parametrize(
    ("rules", "fragment"),
    [
        ({"fall_tolerance": -1}, "下降容差不能为负数"),
        ({"share": 0}, "比例上限"),
        ({"share": 120}, "比例上限"),
        ({"per_branch": 0}, "每支部名额至少为 1"),
        ({"kinds": "all"}, "表彰对象"),
        ({"year": 20250}, "年度须为"),
    ],
)
def test_bad_rules_are_refused_and_leave_the_proposal_alone(world, admin_user, rules, fragment):
    first = propose(admin_user, per_branch=1)
    with pytest.raises(DomainError, match=fragment):
        propose(admin_user, **rules)
    assert CommendationRound.objects.get().pk == first.pk
    assert CommendationRound.objects.get().per_branch == 1


def test_one_round_per_year(world, admin_user):
    propose(admin_user)
    with pytest.raises(IntegrityError):
        CommendationRound.objects.create(
            year=2025, kinds="both", min_score=0, proposed_at=CommendationRound.objects.get().proposed_at
        )


# ── the workbook ────────────────────────────────────────────────────────────────────────────────


def read(content: bytes):
    return load_workbook(io.BytesIO(content))


def test_the_workbook_holds_the_list_best_first_with_numbers_as_numbers(world, admin_user):
    commendation = propose(admin_user, min_score=85, per_branch=2)
    book = read(commendation_workbook(year=2025))
    assert book.sheetnames == [NOTES_TITLE, LIST_TITLE]
    sheet = book[LIST_TITLE]
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    expected = [
        (
            c.position,
            "精品岗位" if c.kind == "post" else "党员",
            c.code,
            c.name,
            c.branch_name,
            c.score,
            c.last_score,
            c.delta,
            "入选" if c.selected else "未入选",
            "；".join(reason.rpartition(" (")[0] for reason in c.reasons),  # the Chinese of each reason
        )
        for c in candidates_of(commendation)
    ]
    assert rows == expected
    first = sheet["F2"]
    assert first.data_type == "n" and first.number_format == "0.0"
    assert sheet["A2"].data_type == "n"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.column_dimensions["D"].width >= 8


def test_the_notes_sheet_gives_the_rules_and_the_approval(world, admin_user):
    propose(admin_user, min_score=85, per_branch=2, share=50)
    approve_commendations(year=2025, user=admin_user)
    sheet = read(commendation_workbook(year=2025))[NOTES_TITLE]
    notes = dict(sheet.iter_rows(min_row=4, max_col=2, values_only=True))
    assert notes["状态"] == "已批准"
    assert notes["最低年度总分（≥）"] == 85
    assert notes["比例上限（%）"] == 50
    assert notes["批准人"] == "admin"
    assert notes["批准时间"]
    assert notes["每支部名额"] == 2
    assert "党小组" in notes["规则：每支部名额"]


def test_a_hostile_name_stays_text_in_the_workbook(world, admin_user):
    hostile = '=HYPERLINK("http://evil.example","点我")'
    member = world["member_b"]
    member.name = hostile
    member.save()
    propose(admin_user)
    sheet = read(commendation_workbook(year=2025))[LIST_TITLE]
    cell = next(row[3] for row in sheet.iter_rows(min_row=2) if row[2].value == "2002")
    assert cell.value == hostile
    assert cell.data_type == "s"
    assert cell.quotePrefix


def test_a_year_without_a_list_has_no_workbook(db):
    with pytest.raises(DomainError, match="2025 年尚无表彰名单"):
        commendation_workbook(year=2025)


def test_the_approved_list_keeps_its_names_when_a_member_leaves(world, admin_user):
    propose(admin_user)
    approve_commendations(year=2025, user=admin_user)
    world["member_b"].delete()
    kept = CommendationCandidate.objects.get(code="2002")
    assert kept.member is None and kept.name and kept.score == 91


def test_a_second_admin_can_be_named_as_the_approver(world, admin_user):
    other = make_admin("chair", "chair-pass-123")
    other.first_name = "主任"
    other.save()
    propose(admin_user)
    commendation = approve_commendations(year=2025, user=other)
    assert commendation.approved_by_name == "主任"
