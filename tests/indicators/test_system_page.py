import json

import pytest
from django.urls import reverse

from indicators.models import CategoryWeight, Grade, Indicator
from indicators.services.systems import publish_system
from tests.conftest import client_for
from tests.factories import default_category, make_system


def page_of(user, *args):
    return client_for(user).get(reverse("indicators:system", args=args) if args else reverse("indicators:current"))


def test_the_page_shows_the_latest_published_system(org_tree):
    make_system(2024, publish=True)
    make_system(2025, publish=True)
    make_system(2026)  # a draft is not in force

    page = page_of(org_tree["member_a"].user).content.decode()

    assert "2025年党员模范力指标体系" in page
    assert "2026年党员模范力指标体系" not in page


def test_the_page_lists_indicators_weights_roles_and_grades(org_tree):
    system = make_system(2025, categories=["management", "frontline"])
    performance = Indicator.objects.get(system=system, code="performance_q").dimension
    kpi = Indicator.objects.create(
        system=system, code="output_kpi", dimension=performance, name="产量完成率", weight=0.0, source="kpi",
        floor=80, target=100, measure_unit="%",
    )  # fmt: skip
    Indicator.objects.filter(pk=kpi.pk).update(weight=0.4)
    Indicator.objects.filter(system=system, code="performance_q").update(weight=0.6)
    Grade.objects.filter(system=system, label="优秀").update(max_share=0.2)
    publish_system(system=system)

    response = page_of(org_tree["member_a"].user)
    page = response.content.decode()

    for text in ("绩效", "执行", "智慧", "文化", "团队", "信仰", "output_kpi", "产量完成率", "实绩", "%"):
        assert text in page
    assert "底线 80" in page and "目标 100" in page
    assert "管理人员" in page and "生产一线" in page
    for role in ("自评", "互评", "书记评价", "群众评议"):
        assert role in page
    assert "不合格" in page and "20%" in page
    chart = json.loads(page.split('id="category-weights-data" type="application/json">', 1)[1].split("</script>")[0])
    assert chart["dimensions"][0] == "绩效"
    assert {s["name"] for s in chart["series"]} == {"管理人员", "生产一线"}
    assert all(abs(sum(s["values"]) - 1) < 1e-9 for s in chart["series"])
    assert "vendor/echarts/echarts.min.js" in page


def test_the_category_grid_shows_each_categorys_six_weights(org_tree):
    system = make_system(2025, publish=True)
    weights = CategoryWeight.objects.filter(system=system, category=default_category("management"))

    response = page_of(org_tree["member_a"].user)

    row = response.context["overview"]["category_rows"][0]
    assert row["weights"] == [w.weight for w in weights.order_by("dimension__order")]
    assert row["total"] == pytest.approx(1.0)


def test_the_page_says_when_nothing_is_published(org_tree):
    make_system(2025)

    response = page_of(org_tree["member_a"].user)

    assert "尚未发布指标体系" in response.content.decode()
    assert "echarts" not in response.content.decode()


def test_a_draft_year_is_hidden_from_members_but_shown_to_administrators(org_tree, admin_user):
    make_system(2026)

    assert page_of(org_tree["member_a"].user, 2026).status_code == 404
    assert "2026年党员模范力指标体系" in page_of(admin_user, 2026).content.decode()


def test_the_page_is_in_english_with_english_dimension_names(org_tree):
    make_system(2025, publish=True)
    client = client_for(org_tree["member_a"].user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    page = client.get(reverse("indicators:current")).content.decode()

    assert "Six dimensions and their indicators" in page
    assert "Performance" in page and "Belief" in page


def test_the_home_page_links_to_the_indicator_page(org_tree):
    make_system(2025, publish=True)

    page = client_for(org_tree["member_a"].user).get(reverse("home")).content.decode()

    assert reverse("indicators:system", args=[2025]) in page
    assert reverse("indicators:current") in page  # the navigation link


def test_the_page_needs_a_login(client, db):
    response = client.get(reverse("indicators:current"))

    assert response.status_code == 302
