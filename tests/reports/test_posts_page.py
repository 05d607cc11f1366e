"""The secretary's model-posts page and his targets page: what they show, scope, and validation."""

import json

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from indicators.models import PostTarget
from indicators.periods import Period
from reports.services.posts_page import default_period
from tests.conftest import client_for
from tests.reports.post_data import kpi, post_world, record, score

POSTS = reverse("reports:posts")
TARGETS = reverse("reports:post-targets")


@pytest.fixture
def world(org_tree):
    world = post_world(org_tree)
    record(world["post_a"], "2024-Q2", "output", 84)  # 60
    record(world["post_a"], "2024", "output", 88)  # 70
    record(world["post_a"], "2025-Q1", "output", 96)  # 90
    record(world["post_a"], "2025-Q2", "output", 90, target=(70, 110))  # 50
    record(world["post_a"], "2025-Q2", "safety", 1)  # 80
    record(world["post_g"], "2025-Q2", "output", 80)  # 50
    record(world["post_b"], "2025-Q2", "output", 70)  # 25
    score("2024-Q2", "2024", "2025-Q1", "2025-Q2")
    return world


def page(user, url=POSTS, **params):
    return client_for(user).get(url, params)


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# ── the posts page ───────────────────────────────────────────────────────────────────────────────


def test_the_secretary_sees_his_posts_in_the_latest_quarter_with_targets_actuals_and_arrows(world):
    response = page(world["secretary_a"].user)

    assert response.status_code == 200
    assert response.context["choices"].period.code == "2025-Q2"
    assert [row["post"] for row in response.context["posts"]] == ["PA", "PG"]
    html = response.content.decode()
    assert "调度岗" in html and "巡检岗" in html and "检修岗" not in html
    assert "产量完成率" in html and "81.8%" in html  # completion 90 / 110
    assert 'class="trend trend--down"' in html  # output fell from 90 against Q1
    assert "比上一阶段（2025年第一季度 90.0 → 本期 50.0）：−40.0" in html  # the arrow's title
    assert "vendor/echarts/echarts.min.js" in html and "js/post_series.js" in html


def test_the_chart_data_carries_this_years_and_last_years_quarters(world):
    response = page(world["secretary_a"].user)

    charts = json.loads(
        response.content.decode().split('id="post-series-data" type="application/json">')[1].split("<")[0]
    )
    assert charts["PA"]["stages"] == ["Q1", "Q2", "Q3", "Q4"]
    assert charts["PA"]["now"] == [90.0, 62.0, None, None]
    assert charts["PA"]["before"] == [None, 60.0, None, None]


def test_a_period_and_a_unit_can_be_chosen(world, admin_user):
    response = page(admin_user, period="2025", unit="B2")

    assert response.status_code == 200
    assert response.context["choices"].period.code == "2025"
    assert response.context["posts"] == []  # PB has no annual figure nor last year's
    assert "本期没有岗位数据" in response.content.decode()
    annual = page(admin_user, period="2025")
    assert [row["post"] for row in annual.context["posts"]] == ["PA"]


def test_an_unreadable_period_falls_back_to_the_latest_quarter_with_a_message(world):
    response = page(world["secretary_a"].user, period="someday")

    assert response.context["choices"].period.code == "2025-Q2"
    assert any("无效" in message for message in messages_of(response))


def test_the_latest_quarter_is_the_default_even_after_a_later_year(world):
    assert default_period([Period.parse("2025"), Period.parse("2025-Q2"), Period.parse("2025-Q1")]) == Period(
        2025, "Q2"
    )
    assert default_period([Period.parse("2025")]) == Period(2025)
    assert default_period([]) is None


def test_the_administrator_sees_every_post(world, admin_user):
    assert [row["post"] for row in page(admin_user).context["posts"]] == ["PA", "PG", "PB"]


def test_a_secretary_cannot_see_another_branch(world):
    assert page(world["secretary_a"].user, unit="B2").status_code == 404
    assert page(world["secretary_a"].user, unit="nowhere").status_code == 404


def test_plain_members_have_no_posts_page_even_when_holding_a_post(world):
    assert page(world["member_a"].user).status_code == 404


def test_a_page_without_any_post_scores_says_so(org_tree):
    response = page(org_tree["secretary_a"].user)

    assert response.status_code == 200
    assert "暂无岗位得分" in response.content.decode()


# ── the targets page ─────────────────────────────────────────────────────────────────────────────


def save(user, post="PA", period="2025-Q3", **fields):
    data = {"post": post, "period": period, "action": "save", "indicator": ["output", "safety"]}
    data |= {"floor-output": "", "target-output": "", "floor-safety": "", "target-safety": ""}
    data |= fields
    return client_for(user).post(TARGETS, data)


def test_the_targets_page_lists_his_model_posts_and_the_periods_kpis(world):
    response = page(world["secretary_a"].user, TARGETS, post="PA", period="2025-Q2")

    assert response.status_code == 200
    assert [post.code for post in response.context["choices"].posts] == ["PA", "PG"]
    rows = {row["code"]: row for row in response.context["rows"]}
    assert list(rows) == ["output", "safety"]
    assert (rows["output"]["floor"], rows["output"]["target"]) == ("70", "110")
    assert (rows["safety"]["floor"], rows["safety"]["system_floor"], rows["safety"]["lower_is_better"]) == (
        "",
        "5",
        True,
    )


def test_a_secretary_sets_his_posts_targets_for_a_period(world):
    response = save(world["secretary_a"].user, **{"floor-output": "65", "target-output": "105"})

    assert response.status_code == 302
    assert response["Location"] == f"{TARGETS}?post=PA&period=2025-Q3"
    assert any("新增 1 项" in message for message in messages_of(response))
    target = PostTarget.objects.get(post=world["post_a"], period="2025-Q3")
    assert (target.indicator, target.floor, target.target) == (kpi(2025, "output"), 65.0, 105.0)


def test_emptying_both_fields_removes_the_target_and_changing_them_updates_it(world):
    user = world["secretary_a"].user
    save(user, period="2025-Q2", **{"floor-safety": "4", "target-safety": "1"})  # output emptied: removed

    assert list(PostTarget.objects.filter(post=world["post_a"]).values_list("indicator__code", "floor", "target")) == [
        ("safety", 4.0, 1.0)
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"floor-output": "80", "target-output": "80"}, "目标值不能等于底线值 80"),
        ({"floor-output": "80"}, "底线值和目标值须同时填写"),
        ({"floor-output": "八十", "target-output": "90"}, "底线值“八十”不是数字"),
        ({"indicator": ["output", "performance_q"], "floor-output": "1", "target-output": "2"}, "不是实绩指标"),
    ],
)
def test_a_target_breaking_the_rules_is_refused_and_nothing_is_written(world, fields, message):
    response = save(world["secretary_a"].user, **{"floor-safety": "4", "target-safety": "1", **fields})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert any("目标未保存" in m for m in messages_of(response))
    assert not PostTarget.objects.filter(period="2025-Q3").exists()  # not even the good safety row


def test_a_plain_post_in_his_branch_takes_no_target(world):
    response = client_for(world["secretary_a"].user).post(
        TARGETS, {"post": "PC", "period": "2025-Q3", "action": "save", "indicator": ["output"]}
    )

    assert response.status_code == 404  # not offered, so not found
    assert not PostTarget.objects.filter(period="2025-Q3").exists()


def test_another_branchs_post_is_not_found(world):
    assert page(world["secretary_a"].user, TARGETS, post="PB").status_code == 404
    response = save(world["secretary_a"].user, post="PB", **{"floor-output": "60", "target-output": "100"})
    assert response.status_code == 404
    assert not PostTarget.objects.filter(period="2025-Q3").exists()


def test_members_and_other_secretaries_are_refused(world):
    assert page(world["member_a"].user, TARGETS).status_code == 404
    assert [p.code for p in page(world["secretary_b"].user, TARGETS).context["choices"].posts] == ["PB"]


def test_copying_last_years_targets_copies_only_his_posts(world):
    for post in (world["post_a"], world["post_b"]):
        record(post, "2024-Q3", "output", None, target=(50, 95))
    response = client_for(world["secretary_a"].user).post(
        TARGETS, {"post": "PA", "period": "2025-Q1", "action": "copy"}
    )

    assert response.status_code == 302
    assert any("新增 1 项" in message for message in messages_of(response))
    copied = PostTarget.objects.filter(period="2025-Q3")
    assert list(copied.values_list("post__code", "floor", "target")) == [("PA", 50.0, 95.0)]


def test_a_period_of_a_year_without_a_system_falls_back_with_a_message(world):
    response = page(world["secretary_a"].user, TARGETS, period="2031-Q1")

    assert response.context["choices"].period.code == "2025-Q2"
    assert any("2031 年没有指标体系" in message for message in messages_of(response))


def test_secretaries_and_administrators_find_the_pages_from_the_navigation_and_home(world, admin_user):
    for user in (world["secretary_a"].user, admin_user):
        home = page(user, reverse("home")).content.decode()
        assert f'href="{POSTS}"' in home
    secretary_home = page(world["secretary_a"].user, reverse("home")).content.decode()
    assert f'href="{TARGETS}"' in secretary_home
    assert f'href="{POSTS}"' not in page(world["member_a"].user, reverse("home")).content.decode()
