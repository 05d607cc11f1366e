"""The AHP page and the judgements in the admin: who sees them, computing, applying, history."""

import json

import pytest
from django.urls import reverse

from indicators.models import AhpJudgement, CategoryWeight, Dimension, Indicator
from indicators.services.ahp import apply_ahp
from indicators.services.systems import publish_system
from tests.conftest import client_for
from tests.factories import default_category, make_system

# 绩效 : 执行 : 智慧 : 文化 : 团队 : 信仰 = 3 : 3 : 1 : 1 : 1 : 1: every ratio is 1, 3 or 1/3.
RATIOS = [3, 3, 1, 1, 1, 1]


def consistent_cells() -> dict[str, str]:
    cells = {}
    for i, a in enumerate(RATIOS):
        for j in range(i + 1, len(RATIOS)):
            b = RATIOS[j]
            cells[f"a-{i}-{j}"] = str(a // b) if a >= b else f"1/{b // a}"
    return cells


def form(cells: dict[str, str], **extra: str) -> dict[str, str]:
    items = "performance,execution,wisdom,culture,team,belief"
    return {"system": "2026", "target": "category:management", "items": items, **cells, **extra}


def page_url(**query: str) -> str:
    url = reverse("indicators:ahp")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def draft(db):
    return make_system(2026)


def test_members_and_secretaries_get_a_404(org_tree, draft):
    for who in ("member_a", "secretary_a"):
        assert client_for(org_tree[who].user).get(page_url()).status_code == 404
        response = client_for(org_tree[who].user).post(page_url(), form(consistent_cells(), action="apply"))
        assert response.status_code == 404
    assert AhpJudgement.objects.count() == 0


def test_the_page_offers_the_scale_for_each_upper_cell_of_the_draft(admin_user, draft):
    response = client_for(admin_user).get(page_url())
    page = response.content.decode()

    assert response.status_code == 200
    assert page.count('<select name="a-') == 15  # six dimensions: 6 × 5 / 2 judgements
    for label in ("9 极端重要", "7 强烈重要", "5 明显重要", "3 稍微重要", "1 同等重要", "1/3 稍微次要", "1/9 极端次要"):
        assert label in page
    assert 'class="table-wrap"' in page
    assert "计算" in page and "2026年党员模范力指标体系" in page


def test_computing_shows_the_weights_and_consistency_without_writing(admin_user, draft):
    before = list(CategoryWeight.objects.values_list("weight", flat=True))

    response = client_for(admin_user).post(page_url(), form(consistent_cells(), action="compute"))
    page = response.content.decode()

    assert response.status_code == 200
    assert "一致性可接受" in page and 'data-figure="cr">0.000<' in page
    chart = json.loads(page.split('id="ahp-chart-data" type="application/json">', 1)[1].split("</script>")[0])
    assert chart["series"][1]["values"] == pytest.approx([0.3, 0.3, 0.1, 0.1, 0.1, 0.1], abs=1e-4)
    assert "vendor/echarts/echarts.min.js" in page and "js/weights_chart.js" in page
    assert "应用到草稿" in page and 'name="force"' not in page and "is-flagged" not in page
    assert list(CategoryWeight.objects.values_list("weight", flat=True)) == before
    assert AhpJudgement.objects.count() == 0


def test_applying_writes_the_weights_and_lists_the_judgement(admin_user, draft):
    client = client_for(admin_user)

    response = client.post(page_url(), form(consistent_cells(), action="apply"))

    assert response.status_code == 302
    weights = dict(
        CategoryWeight.objects.filter(system=draft, category__code="management").values_list("dimension__key", "weight")
    )
    assert weights["performance"] == pytest.approx(0.3) and sum(weights.values()) == pytest.approx(1.0)
    judgement = AhpJudgement.objects.get()
    assert judgement.created_by == admin_user
    page = client.get(response["Location"]).content.decode()
    assert "已将 AHP 权重写入" in page
    assert "判断记录" in page and "在用" in page and "绩效 0.300" in page
    # The form comes back filled with the saved judgements: 绩效 over 文化 is 3.
    assert '<select name="a-0-3"' in page
    assert page.split('<select name="a-0-3"', 1)[1].split("</select>")[0].count('<option value="3" selected>') == 1


def test_inconsistent_judgements_are_explained_and_need_the_force_box(admin_user, draft):
    cells = consistent_cells()
    cells["a-0-3"] = "1/3"  # 绩效 over 文化 should be 3
    client = client_for(admin_user)

    refused = client.post(page_url(), form(cells, action="apply"))
    page = refused.content.decode()

    assert refused.status_code == 200
    assert "一致性不可接受" in page and "强制应用" in page and 'name="force"' in page
    assert "“绩效”对“文化”填了 1/3" in page
    assert "is-flagged" in page
    assert AhpJudgement.objects.count() == 0

    forced = client.post(page_url(), form(cells, action="apply", force="1"))

    assert forced.status_code == 302
    assert AhpJudgement.objects.get().forced is True


def test_a_value_off_the_scale_is_refused_and_nothing_is_written(admin_user, draft):
    cells = consistent_cells()
    cells["a-1-2"] = "10"

    response = client_for(admin_user).post(page_url(), form(cells, action="apply"))

    assert "第 2 行第 3 列的判断须取 1/9–9 标度上的值" in response.content.decode()
    assert AhpJudgement.objects.count() == 0


def test_a_dimensions_indicators_can_be_compared(admin_user, draft):
    team = Dimension.objects.get(key="team")
    Indicator.objects.create(
        system=draft, code="team_kpi", dimension=team, name="团队实绩", weight=0, source="rating", order=9
    )

    response = client_for(admin_user).post(
        page_url(),
        {"system": "2026", "target": "dimension:team", "items": "team_q,team_kpi", "a-0-1": "4", "action": "apply"},
    )

    assert response.status_code == 302
    weights = dict(Indicator.objects.filter(system=draft, dimension=team).values_list("code", "weight"))
    assert weights == pytest.approx({"team_q": 0.8, "team_kpi": 0.2})


def test_a_published_system_shows_its_history_but_no_form(admin_user, draft):
    apply_ahp(
        system=draft, category=default_category(), matrix=[[a / b for b in RATIOS] for a in RATIOS], user=admin_user
    )
    publish_system(system=draft)
    client = client_for(admin_user)

    page = client.get(page_url(system="2026")).content.decode()
    posted = client.post(page_url(), form(consistent_cells(), action="apply"))

    assert "已发布" in page and "判断记录" in page and "绩效 0.300" in page
    assert '<select name="a-' not in page
    assert posted.status_code == 200
    assert AhpJudgement.objects.count() == 1


def test_the_system_admin_shows_the_judgements_read_only(admin_user, draft):
    apply_ahp(
        system=draft, category=default_category(), matrix=[[a / b for b in RATIOS] for a in RATIOS], user=admin_user
    )
    url = reverse("admin:indicators_indicatorsystem_change", args=[draft.pk])

    page = client_for(admin_user).get(url).content.decode()

    assert "层次分析判断（权重来源）" in page
    assert "人员类别“管理人员”的维度权重" in page
    assert "绩效 0.3000" in page
    assert 'name="ahpjudgement_set-0-forced"' not in page  # shown, not editable
