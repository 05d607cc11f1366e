"""The administrator's commendation pages: rules, the proposed list with reasons, approval, Excel; scope."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from openpyxl import load_workbook

from reports.models import CommendationCandidate, CommendationRound
from reports.services.commendation import approve_commendations, select_commendations
from tests.conftest import client_for
from tests.reports.commendation_data import commendation_world

pytestmark = pytest.mark.django_db

RULES = {"kinds": "both", "min_score": "85", "fall_tolerance": "0", "per_branch": "2", "share": ""}


@pytest.fixture
def world(org_tree):
    return commendation_world(org_tree)


@pytest.fixture
def admin(admin_user):
    return client_for(admin_user)


def rows_of(html: str, kind: str, which: str) -> list[str]:
    section = html.split(f'data-kind="{kind}"', 1)[1].split("</section>", 1)[0]
    table = section.split(f'data-list="{which}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr data-code="([^"]+)"', table)


def test_the_index_lists_years_with_an_official_run(world, admin):
    response = admin.get("/reports/commendations/")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r'<tr data-year="(\d+)"', html) == ["2025", "2024"]
    assert "未评选" in html


def test_the_index_takes_a_year_to_open(world, admin):
    response = admin.get("/reports/commendations/", {"year": "2023"})
    assert response.status_code == 302 and response["Location"] == "/reports/commendations/2023/"


def test_a_year_without_a_list_shows_the_rules_form_with_its_defaults(world, admin):
    response = admin.get("/reports/commendations/2025/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="min_score" value="80"' in html
    assert 'id="commendation-propose"' in html and "评选，生成建议名单" in html
    assert "建议名单" not in html.split("</form>", 1)[1].split("</section>", 1)[0]


def test_proposing_shows_the_list_best_first_and_the_excluded_with_why(world, admin):
    response = admin.post("/reports/commendations/2025/", RULES)
    assert response.status_code == 302 and response["Location"] == "/reports/commendations/2025/"
    commendation = CommendationRound.objects.get()
    assert (commendation.min_score, commendation.per_branch, commendation.share) == (85, 2, None)
    html = admin.get("/reports/commendations/2025/").content.decode()
    assert rows_of(html, "member", "selected") == ["1001", "2001", "1003"]
    assert rows_of(html, "member", "excluded") == ["1002", "2002", "1004"]
    assert rows_of(html, "post", "selected") == ["PA", "PG"]
    assert rows_of(html, "post", "excluded") == ["PB"]
    assert "较去年下降 4.0，超过容差 0" in html
    assert "总分 80.0 低于最低分 85" in html
    assert "入选 3 / 候选 6" in html
    assert 'href="#approve-confirm"' in html and 'id="approve-confirm"' in html
    assert "规则：精品岗位和党员；最低分 ≥ 85；下降容差 0；每支部名额 2；比例上限 不限" in html


def test_bad_rules_are_shown_on_the_form_and_nothing_is_written(world, admin):
    response = admin.post("/reports/commendations/2025/", {**RULES, "share": "0"})
    assert response.status_code == 400
    assert "比例上限须大于 0" in response.content.decode()
    response = admin.post("/reports/commendations/2025/", {**RULES, "fall_tolerance": "-1"})
    assert response.status_code == 400
    assert 'class="field field--error"' in response.content.decode()
    assert not CommendationRound.objects.exists()


def test_a_year_without_an_official_run_says_so_and_refuses(world, admin):
    html = admin.get("/reports/commendations/2023/").content.decode()
    assert "2023 年度还没有正式计分结果" in html
    response = admin.post("/reports/commendations/2023/", RULES)
    assert response.status_code == 400
    assert not CommendationRound.objects.exists()


def test_approving_freezes_the_list_shows_who_and_disables_the_form(world, admin, admin_user):
    admin.post("/reports/commendations/2025/", RULES)
    response = admin.post("/reports/commendations/2025/approve/")
    assert response.status_code == 302
    commendation = CommendationRound.objects.get()
    assert commendation.is_approved and commendation.approved_by == admin_user
    html = admin.get("/reports/commendations/2025/").content.decode()
    assert "已由 admin 于" in html and "批准" in html
    assert '<fieldset class="commendation-rules__fields" disabled>' in html
    assert 'id="commendation-propose"' not in html and 'id="approve-confirm"' not in html
    assert 'id="commendation-export"' in html


def test_proposing_after_approval_is_refused_and_changes_nothing(world, admin, admin_user):
    select_commendations(year=2025, kinds="both", min_score=85, per_branch=2, user=admin_user)
    approve_commendations(year=2025, user=admin_user)
    before = list(CommendationCandidate.objects.order_by("pk").values_list("pk", "selected"))
    response = admin.post("/reports/commendations/2025/", {**RULES, "min_score": "50"}, follow=True)
    assert "2025 年表彰名单已批准，不能重新评选" in response.content.decode()
    assert CommendationRound.objects.get().min_score == 85
    assert list(CommendationCandidate.objects.order_by("pk").values_list("pk", "selected")) == before


def test_approving_without_a_proposal_is_refused_with_the_reason(world, admin):
    response = admin.post("/reports/commendations/2025/approve/", follow=True)
    assert "2025 年尚无表彰建议名单" in response.content.decode()
    assert not CommendationRound.objects.exists()


def test_the_excel_download_is_the_list(world, admin, admin_user):
    select_commendations(year=2025, kinds="members", min_score=85, user=admin_user)
    response = admin.get("/reports/commendations/2025/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="commendation-2025.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content))["表彰名单"]
    assert [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "1001", "2001", "1002", "2002", "1003", "1004",
    ]  # fmt: skip


def test_there_is_no_download_for_a_year_without_a_list(world, admin):
    assert admin.get("/reports/commendations/2025/export/").status_code == 404


@pytest.mark.parametrize("who", ["secretary_a", "member_a"])
def test_secretaries_and_members_get_404_everywhere(world, admin_user, who):
    select_commendations(year=2025, kinds="both", min_score=0, user=admin_user)
    client = client_for(world[who].user)
    assert client.get("/reports/commendations/").status_code == 404
    assert client.get("/reports/commendations/2025/").status_code == 404
    assert client.post("/reports/commendations/2025/", RULES).status_code == 404
    assert client.post("/reports/commendations/2025/approve/").status_code == 404
    assert client.get("/reports/commendations/2025/export/").status_code == 404
    assert not CommendationRound.objects.get().is_approved
    assert CommendationRound.objects.get().min_score == 0


def test_anonymous_visitors_are_sent_to_sign_in(world):
    response = Client().get("/reports/commendations/2025/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_administrators_find_the_page_from_the_navigation_and_home(world, admin, org_tree):
    assert 'href="/reports/commendations/"' in admin.get("/").content.decode()
    secretary_home = client_for(org_tree["secretary_a"].user).get("/").content.decode()
    assert 'href="/reports/commendations/"' not in secretary_home


def test_the_django_admin_shows_rounds_read_only(world, admin, admin_user):
    commendation = select_commendations(year=2025, kinds="members", min_score=85, user=admin_user)
    assert admin.get("/admin/reports/commendationround/").status_code == 200
    html = admin.get(f"/admin/reports/commendationround/{commendation.pk}/change/").content.decode()
    assert "1001" in html and 'href="/reports/commendations/2025/"' in html
    assert admin.get("/admin/reports/commendationround/add/").status_code == 403


def test_the_reasons_read_in_the_readers_language(world, admin_user):
    select_commendations(year=2025, kinds="both", min_score=85, user=admin_user)
    chinese = client_for(admin_user).get("/reports/commendations/2025/").content.decode()
    assert "<li>入选</li>" in chinese and "(selected)" not in chinese
    english = client_for(admin_user).get("/reports/commendations/2025/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<li>selected</li>" in english
