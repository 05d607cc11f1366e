"""A member's results page: his figures, the radar's data, 对标检查's privacy rule, scope, the home card."""

import json
import re

import pytest

from indicators.models import Indicator, Measurement
from indicators.periods import Period
from indicators.services.systems import publish_system
from reports.models import ScoreCard
from reports.selectors.member import member_profile
from reports.services.scoring import compute_scores
from surveys.models import Assignment
from surveys.services.answering import save_answers
from surveys.services.assignments import create_assignments
from tests.conftest import client_for
from tests.factories import MemberFactory, make_questionnaire, make_system

pytestmark = pytest.mark.django_db

DIMENSIONS = ["performance", "execution", "wisdom", "culture", "team", "belief"]
# member_a's self-assessment per dimension on the 1–5 scale: 100, 75, 100, 50, 100, 75.
SELF_A = {"performance": 5, "execution": 4, "wisdom": 5, "culture": 3, "team": 5, "belief": 4}


def to_score(value):
    return (value - 1) / 4 * 100


def answer(questionnaire, *, rater, subject, role, values):
    assignment = Assignment.objects.get(questionnaire=questionnaire, rater=rater, subject=subject, role=role)
    by_code = {f"{key}_q_1": values[key] if isinstance(values, dict) else values for key in DIMENSIONS}
    save_answers(assignment=assignment, values=by_code, submit=True)


def build_results(org_tree):
    """2025: member_a has a self-assessment and three peers; member_group_a a self-assessment and two
    peers; the secretary only his own; member_b leads the other branch. 2024: member_a's self only."""
    peer_c = MemberFactory(employee_no="1004", unit=org_tree["branch_a"])
    peer_d = MemberFactory(employee_no="1005", unit=org_tree["branch_a"])
    a, g, s = org_tree["member_a"], org_tree["member_group_a"], org_tree["secretary_a"]

    last_year = make_questionnaire(make_system(2024, publish=True), code="Q2024", roles=("self",), per_indicator=1)
    create_assignments(questionnaire=last_year)
    answer(last_year, rater=a, subject=a, role="self", values=3)
    compute_scores(period="2024")

    this_year = make_questionnaire(make_system(2025, publish=True), roles=("self", "peer"), per_indicator=1)
    create_assignments(questionnaire=this_year)
    answer(this_year, rater=a, subject=a, role="self", values=SELF_A)
    for peer in (g, peer_c, peer_d):
        answer(this_year, rater=peer, subject=a, role="peer", values=3)
    answer(this_year, rater=g, subject=g, role="self", values=4)
    for peer in (a, peer_c):
        answer(this_year, rater=peer, subject=g, role="peer", values=5)
    answer(this_year, rater=s, subject=s, role="self", values=2)
    answer(this_year, rater=org_tree["member_b"], subject=org_tree["member_b"], role="self", values=5)
    run = compute_scores(period="2025")
    return {**org_tree, "peer_c": peer_c, "peer_d": peer_d, "run": run}


@pytest.fixture
def scored(org_tree):
    return build_results(org_tree)


def expected_dimensions_of_member_a():
    # Self weight 0.2 and peer weight 0.3, renormalised over the two present roles; peers gave 50.
    return [(0.2 * to_score(SELF_A[key]) + 0.3 * 50) / 0.5 for key in DIMENSIONS]


def radar_of(response):
    html = response.content.decode()
    match = re.search(r'<script id="member-radar-data" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the page carries the radar's data"
    return {series["key"]: series["values"] for series in json.loads(match.group(1))["series"]}


def section(response, element_id):
    html = response.content.decode()
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</section>", start)]


def test_a_member_sees_his_total_grade_and_rank_in_his_branch(scored):
    response = client_for(scored["member_a"].user).get("/results/")

    assert response.status_code == 200
    html = response.content.decode()
    total = sum(expected_dimensions_of_member_a()) / 6
    assert f">{total:.1f}<" in html  # 63.3
    assert "基本合格" in html
    assert "第 2 名 / 共 3 人" in html  # member_group_a 90, member_a 63.3, the secretary 25
    assert "2025年度" in html


def test_the_radar_data_holds_him_his_branch_mean_and_last_year(scored):
    response = client_for(scored["member_a"].user).get("/results/2025/")

    radar = radar_of(response)
    mine = expected_dimensions_of_member_a()
    assert radar["self"] == [round(value, 1) for value in mine]
    # The branch as scored: member_a, member_group_a (90 everywhere) and the secretary (25 everywhere).
    assert radar["branch"] == [round((value + 90 + 25) / 3, 1) for value in mine]
    assert radar["last_year"] == [50.0] * 6


def test_the_branch_mean_is_over_the_cards_of_his_branch_in_that_run(scored):
    profile = member_profile(member=scored["member_a"], period=Period.parse("2025"))
    assert profile is not None

    cards = ScoreCard.objects.filter(run=scored["run"], branch=scored["branch_a"])
    for row in profile.dimensions:
        values = [getattr(card, row.key) for card in cards]
        assert row.branch_mean == pytest.approx(sum(values) / len(values))
    assert profile.ranked == 3


def test_without_last_year_the_radar_has_two_series(scored):
    radar = radar_of(client_for(scored["member_group_a"].user).get("/results/2025/"))

    assert list(radar) == ["self", "branch"]
    assert radar["self"] == [90.0] * 6


def test_the_others_score_shows_where_three_others_rated_him(scored):
    check = section(client_for(scored["member_a"].user).get("/results/2025/"), "self-check")

    assert check.count("data-others") == 6
    assert "data-hidden-others" not in check
    assert "+50.0" in check  # performance: self 100 against the peers' 50


def test_the_others_score_is_hidden_where_only_two_others_rated_him(scored):
    response = client_for(scored["member_group_a"].user).get("/results/2025/")

    check = section(response, "self-check")
    assert check.count("评价人数不足 3 人，不显示他评分数") == 6
    assert "data-others" not in check
    assert check.count("data-hidden-others") == 6
    # The two peers gave 100: nowhere on the page may that figure appear.
    assert "100.0" not in response.content.decode()


def test_a_member_cannot_open_another_members_results(scored):
    client = client_for(scored["member_a"].user)

    assert client.get("/results/2025/1003/").status_code == 404
    assert client.get("/results/2025/1002/").status_code == 200  # his own, by the long address


def test_a_secretary_opens_his_branch_members_but_not_another_branch(scored):
    client = client_for(scored["secretary_a"].user)

    own_branch = client.get("/results/2025/1002/")
    assert own_branch.status_code == 200
    assert "第 2 名 / 共 3 人" in own_branch.content.decode()
    assert client.get("/results/2025/1003/").status_code == 200  # in his branch's 党小组
    assert client.get("/results/2025/2002/").status_code == 404


def test_the_administrator_opens_any_member(scored, admin_user):
    response = client_for(admin_user).get("/results/2025/2002/")

    assert response.status_code == 200
    assert "第 1 名 / 共 1 人" in response.content.decode()
    assert radar_of(response)["self"] == [100.0] * 6


def test_a_member_without_a_card_gets_a_friendly_explanation(scored):
    client = client_for(scored["peer_c"].user)

    response = client.get("/results/")
    assert response.status_code == 200
    assert "没有您的成绩" in response.content.decode()
    not_published = client.get("/results/2023/")
    assert not_published.status_code == 200
    assert "尚未公布" in not_published.content.decode()


def test_nothing_published_yet_is_explained_too(org_tree):
    response = client_for(org_tree["member_a"].user).get("/results/")

    assert response.status_code == 200
    assert "还没有公布任何正式成绩" in response.content.decode()


def test_a_malformed_period_is_not_found(scored):
    assert client_for(scored["member_a"].user).get("/results/2025-X9/").status_code == 404


def test_the_period_picker_lists_the_periods_with_an_official_run(scored):
    head = section(client_for(scored["member_a"].user).get("/results/2025/"), "main")

    assert 'href="/results/2025/" aria-current="page"' in head
    assert 'href="/results/2024/"' in head


def test_a_kpi_indicator_says_it_comes_from_measurements_and_missing_data_is_noted(org_tree):
    system = make_system(2026)
    questionnaire_indicator = Indicator.objects.get(system=system, code="performance_q")
    questionnaire_indicator.weight = 0.5
    questionnaire_indicator.save()
    kpi = Indicator.objects.create(
        system=system, code="perf_kpi", dimension=questionnaire_indicator.dimension, name="任务完成率",
        weight=0.5, source="kpi", floor=60, target=100,
    )  # fmt: skip
    publish_system(system=system)
    Measurement.objects.create(indicator=kpi, member=org_tree["member_a"], period="2026", value=90)
    compute_scores(period="2026")

    response = client_for(org_tree["member_a"].user).get("/results/2026/")

    html = response.content.decode()
    assert "来自实绩" in html
    assert "部分维度或指标没有数据" in html
    assert ">17%<" in html  # the total's coverage: half of one dimension's weight of six
    assert "没有数据的维度：执行、智慧、文化、团队、信仰" in html


def test_the_profile_is_read_in_a_fixed_number_of_queries(scored, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        profile = member_profile(member=scored["member_a"], period=Period.parse("2025"))
        assert profile is not None
        assert sum(len(row.indicators) for row in profile.dimensions) == 6


def test_the_home_page_shows_his_latest_result_with_a_link(scored):
    html = client_for(scored["member_a"].user).get("/").content.decode()

    card = html[html.index('class="card results-home"') :]
    card = card[: card.index("</section>")]
    assert "63.3" in card
    assert "基本合格" in card
    assert "第 2 名 / 共 3 人" in card
    assert 'href="/results/2025/"' in card


def test_the_home_page_has_no_results_card_for_a_member_without_one(scored):
    html = client_for(scored["peer_c"].user).get("/").content.decode()

    assert "results-home" not in html
