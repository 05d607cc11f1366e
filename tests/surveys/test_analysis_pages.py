"""The administrator's analysis page and its workbook download."""

from __future__ import annotations

import io
import json
import re

import openpyxl
import pytest
from django.test import Client

from surveys.models import Answer, Question
from tests.conftest import client_for
from tests.factories import make_questionnaire
from tests.surveys.analysis_data import build

pytestmark = pytest.mark.django_db

PAGE = "/surveys/analysis/"
WORKBOOK = "/surveys/analysis/workbook/"


@pytest.fixture
def analysed(org_tree):
    data = build()
    Answer.objects.filter(question__code="team_q_1", response__role="self", response__subject__unit__code="B2").delete()
    return data


def test_the_administrator_sees_a_table_per_dimension_with_its_alpha_and_the_flagged_items(analysed, admin_user):
    response = client_for(admin_user).get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    for key in ["performance", "execution", "wisdom", "culture", "team", "belief"]:
        assert f'data-dimension="{key}"' in html
    assert 'data-code="team_q_1" class="is-flagged"' in html
    assert 'data-code="team_q_2" class="is-flagged"' not in html
    assert 'data-flag="missing"' in html
    assert "α = " in html
    found = re.search(r'<script id="analysis-chart-data" type="application/json">(.*?)</script>', html)
    assert found is not None
    chart = json.loads(found.group(1))
    assert len(chart["dimensions"]) == 6 and len(chart["matrix"]) == 6
    assert chart["distributions"]["team_q_1"]["flagged"] is True
    assert 'id="analysis-heatmap"' in html


def test_the_legend_explains_every_flag_in_plain_words(analysed, admin_user):
    html = client_for(admin_user).get(PAGE).content.decode()

    for flag, words in [
        ("alpha_low", "0.7"),
        ("item_total_low", "0.3"),
        ("ceiling", "80%"),
        ("missing", "20%"),
    ]:
        assert f'data-flag="{flag}"' in html
        assert words in html


def test_the_page_picks_the_newest_questionnaire_with_answers_by_default(analysed, admin_user):
    make_questionnaire(analysed.questionnaire.system, code="A-EMPTY")  # sorts first, has no answers
    response = client_for(admin_user).get(PAGE)

    assert response.context["chosen"].questionnaire == "Q2025"
    assert response.context["chosen"].period == "2025"
    assert 'href="/surveys/analysis/workbook/?questionnaire=Q2025&amp;period=2025"' in response.content.decode()


def test_response_rates_by_unit_are_on_the_page(analysed, admin_user):
    response = client_for(admin_user).get(PAGE)

    rows = response.context["data"]["response_rates"]["units"]
    assert [row["unit"] for row in rows] == ["B1", "B2"]
    assert 'data-unit="B1"' in response.content.decode()


def test_the_charts_come_from_our_own_static_files(analysed, admin_user):
    html = client_for(admin_user).get(PAGE).content.decode()

    assert "/static/vendor/echarts/echarts.min.js" in html
    assert "/static/js/questionnaire_analysis.js" in html
    assert "cdn" not in html.lower()


def test_filters_narrow_the_page_to_a_unit(analysed, admin_user):
    response = client_for(admin_user).get(PAGE, {"questionnaire": "Q2025", "period": "2025", "unit": "B2"})

    assert response.context["result"].unit.code == "B2"
    assert [row["unit"] for row in response.context["data"]["response_rates"]["units"]] == ["B2"]


def test_a_questionnaire_without_answers_says_so_on_the_page(analysed, admin_user):
    make_questionnaire(analysed.questionnaire.system, code="A-EMPTY")
    response = client_for(admin_user).get(PAGE, {"questionnaire": "A-EMPTY"})

    assert response.status_code == 200
    assert response.context["result"] is None
    assert "没有已提交的答卷" in response.content.decode()
    assert WORKBOOK not in response.content.decode()


def test_a_period_that_is_not_the_questionnaires_is_explained(analysed, admin_user):
    response = client_for(admin_user).get(PAGE, {"questionnaire": "Q2025", "period": "2024"})

    assert "属于 2025，不是 2024" in response.content.decode()


def test_an_unknown_unit_or_questionnaire_is_not_found(analysed, admin_user):
    client = client_for(admin_user)

    assert client.get(PAGE, {"questionnaire": "Q2025", "unit": "NOPE"}).status_code == 404
    assert client.get(PAGE, {"questionnaire": "NOPE"}).status_code == 404


@pytest.mark.parametrize("person", ["secretary_a", "member_a"])
def test_secretaries_and_members_get_not_found(analysed, org_tree, person):
    client = client_for(org_tree[person].user)

    assert client.get(PAGE).status_code == 404
    assert client.get(WORKBOOK, {"questionnaire": "Q2025", "period": "2025"}).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(analysed):
    response = Client().get(PAGE)

    assert response.status_code == 302 and "login" in response["Location"]


def test_the_administrator_downloads_the_workbook(analysed, admin_user):
    response = client_for(admin_user).get(WORKBOOK, {"questionnaire": "Q2025", "period": "2025", "unit": "B1"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="analysis-Q2025-2025-B1.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[:2] == ["说明", "维度"]
    assert [row[0] for row in workbook["回收率"].iter_rows(min_row=2, max_row=2, values_only=True)] == ["B1"]


def test_a_download_with_nothing_to_analyse_goes_back_to_the_page_with_the_reason(analysed, admin_user):
    make_questionnaire(analysed.questionnaire.system, code="A-EMPTY")
    response = client_for(admin_user).get(WORKBOOK, {"questionnaire": "A-EMPTY"}, follow=True)

    assert response.redirect_chain[0][0].startswith(PAGE)
    assert "没有已提交的答卷" in response.content.decode()


def test_the_navigation_links_the_page_for_administrators_only(analysed, admin_user, org_tree):
    assert f'href="{PAGE}"' in client_for(admin_user).get("/").content.decode()
    assert f'href="{PAGE}"' not in client_for(org_tree["secretary_a"].user).get("/").content.decode()


def test_in_english_the_page_shows_english_dimension_names_and_question_texts(analysed, admin_user):
    Question.objects.filter(code="team_q_1").update(text_en="Works well with others")
    response = client_for(admin_user).get(PAGE, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert "Works well with others" in html
    assert [d["label"] for d in response.context["dimensions"]][:2] == ["Performance", "Execution"]
