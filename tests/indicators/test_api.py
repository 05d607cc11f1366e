import pytest

from indicators.models import CategoryWeight, Dimension, Grade, Indicator, IndicatorSystem, PostTarget, SystemStatus
from indicators.services.systems import archive_system
from org.models import Post
from tests.conftest import client_for
from tests.factories import default_category, make_system

pytestmark = pytest.mark.django_db

JSON = "application/json"
EQUAL = {"performance": 0.2, "execution": 0.2, "wisdom": 0.15, "culture": 0.15, "team": 0.15, "belief": 0.15}


def grid_of(system):
    return {
        (row.category.code, row.dimension.key): row.weight
        for row in CategoryWeight.objects.filter(system=system).select_related("category", "dimension")
    }


def add_kpi(system, code="output"):
    return Indicator.objects.create(
        system=system, code=code, dimension=Dimension.objects.get(key="performance"), name="产量", weight=0.0,
        source="kpi", measure_unit="吨", floor=10, target=20,
    )  # fmt: skip


# ── reading ──────────────────────────────────────────────────────────────────────────────────────


def test_every_signed_in_user_reads_the_indicator_system(org_tree):
    make_system(2025, publish=True)
    client = client_for(org_tree["member_a"].user)
    systems = client.get("/api/v1/systems/").json()
    assert systems["count"] == 1
    row = systems["results"][0]
    assert (row["year"], row["status"], row["cloned_from"]) == (2025, "published", None)
    assert row["published_at"] is not None
    assert row["counts"] == {"indicators": 6, "categories": 1, "rater_weights": 4, "grades": 4}
    assert client.get("/api/v1/systems/2025/").status_code == 200


def test_indicators_carry_the_contract_fields_and_filter_by_year(org_tree):
    system = make_system(2025)
    make_system(2024)
    add_kpi(system)
    client = client_for(org_tree["member_a"].user)
    listed = client.get("/api/v1/indicators/?system=2025").json()
    assert listed["count"] == 7
    kpi = client.get("/api/v1/indicators/?system=2025&source=kpi").json()["results"]
    assert len(kpi) == 1
    assert {k: kpi[0][k] for k in ["system", "code", "dimension", "weight", "source", "unit", "floor", "target"]} == {
        "system": 2025, "code": "output", "dimension": "performance", "weight": 0.0, "source": "kpi",
        "unit": "吨", "floor": 10.0, "target": 20.0,
    }  # fmt: skip
    assert {"name", "name_en"} <= set(kpi[0])


def test_weights_and_grades_are_listed_per_system(org_tree):
    make_system(2025)
    client = client_for(org_tree["secretary_a"].user)
    assert client.get("/api/v1/category-weights/?system=2025&category=management").json()["count"] == 6
    roles = {r["role"]: r["weight"] for r in client.get("/api/v1/rater-weights/?system=2025").json()["results"]}
    assert roles == {"self": 0.2, "peer": 0.3, "secretary": 0.3, "masses": 0.2}
    grades = client.get("/api/v1/grades/?system=2025").json()["results"]
    assert [g["label"] for g in grades] == ["优秀", "合格", "基本合格", "不合格"]
    grid = client.get("/api/v1/systems/2025/category-weights/").json()
    assert grid["management"]["belief"] == pytest.approx(1 / 6)


# ── writing ──────────────────────────────────────────────────────────────────────────────────────


def test_members_and_secretaries_cannot_change_the_system(org_tree):
    make_system(2025)
    for person in ("member_a", "secretary_a"):
        client = client_for(org_tree[person].user)
        assert client.patch("/api/v1/systems/2025/", {"name": "x"}, content_type=JSON).status_code == 403
        assert client.post("/api/v1/systems/2025/publish/").status_code == 403
        assert client.post("/api/v1/systems/2025/clone/", {"year": 2026}, content_type=JSON).status_code == 403
        assert (
            client.put("/api/v1/systems/2025/category-weights/", {"management": EQUAL}, content_type=JSON).status_code
            == 403
        )
        indicator = Indicator.objects.get(system__year=2025, code="belief_q")
        assert client.delete(f"/api/v1/indicators/{indicator.pk}/").status_code == 403
    system = IndicatorSystem.objects.get(year=2025)
    assert (system.status, system.name) == (SystemStatus.DRAFT, "2025年党员模范力指标体系")
    assert not IndicatorSystem.objects.filter(year=2026).exists()
    assert Indicator.objects.filter(system=system).count() == 6


def test_administrator_edits_a_draft_system(admin_user):
    client = client_for(admin_user)
    created = client.post("/api/v1/systems/", {"year": 2027, "name": "2027年体系"}, content_type=JSON)
    assert created.status_code == 201, created.content
    assert created.json()["counts"]["indicators"] == 0
    indicator = client.post(
        "/api/v1/indicators/",
        {"system": 2027, "code": "output", "dimension": "performance", "name": "产量", "weight": 1,
         "source": "kpi", "unit": "吨", "floor": 0, "target": 100},
        content_type=JSON,
    )  # fmt: skip
    assert indicator.status_code == 201, indicator.content
    assert Indicator.objects.get(system__year=2027, code="output").measure_unit == "吨"
    renamed = client.patch(f"/api/v1/indicators/{indicator.json()['id']}/", {"weight": 0.5}, content_type=JSON)
    assert renamed.json()["weight"] == 0.5
    assert client.patch("/api/v1/systems/2027/", {"name": "新名称"}, content_type=JSON).json()["name"] == "新名称"


def test_a_kpi_indicator_needs_distinct_floor_and_target(admin_user):
    make_system(2025)
    response = client_for(admin_user).post(
        "/api/v1/indicators/",
        {
            "system": 2025,
            "code": "k",
            "dimension": "team",
            "name": "k",
            "weight": 0,
            "source": "kpi",
            "floor": 5,
            "target": 5,
        },
        content_type=JSON,
    )
    assert response.status_code == 400
    assert "目标值不能等于底线值" in response.json()["detail"]
    assert not Indicator.objects.filter(code="k").exists()


def test_an_indicator_code_is_unique_in_its_system(admin_user):
    make_system(2025)
    response = client_for(admin_user).post(
        "/api/v1/indicators/",
        {"system": 2025, "code": "team_q", "dimension": "team", "name": "重复", "weight": 1, "source": "rating"},
        content_type=JSON,
    )
    assert response.status_code == 400
    assert Indicator.objects.filter(system__year=2025, code="team_q").count() == 1


def test_only_the_top_grade_may_cap_its_share(admin_user):
    make_system(2025)
    middle = Grade.objects.get(system__year=2025, label="合格")
    response = client_for(admin_user).patch(f"/api/v1/grades/{middle.pk}/", {"max_share": 0.3}, content_type=JSON)
    assert response.status_code == 400
    assert "最高等级" in response.json()["detail"]
    middle.refresh_from_db()
    assert middle.max_share is None


# ── frozen systems ───────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("state", ["published", "archived"])
def test_a_frozen_system_refuses_every_write_with_409(admin_user, state):
    system = make_system(2025, publish=True)
    if state == "archived":
        archive_system(system=system)
    indicator = Indicator.objects.get(system=system, code="belief_q")
    grade = Grade.objects.get(system=system, label="优秀")
    rater = system.raterweight_set.get(role="self")
    before = (grid_of(system), list(Indicator.objects.filter(system=system).values()), list(Grade.objects.values()))
    client = client_for(admin_user)
    writes = [
        client.patch("/api/v1/systems/2025/", {"name": "改名"}, content_type=JSON),
        client.put("/api/v1/systems/2025/", {"year": 2025, "name": "改名"}, content_type=JSON),
        client.delete("/api/v1/systems/2025/"),
        client.patch(f"/api/v1/indicators/{indicator.pk}/", {"weight": 0.5}, content_type=JSON),
        client.patch(f"/api/v1/indicators/{indicator.pk}/", {"weight": 7}, content_type=JSON),
        client.delete(f"/api/v1/indicators/{indicator.pk}/"),
        client.post(
            "/api/v1/indicators/",
            {"system": 2025, "code": "new", "dimension": "team", "name": "新", "weight": 0, "source": "rating"},
            content_type=JSON,
        ),
        client.patch(f"/api/v1/grades/{grade.pk}/", {"min_score": 95}, content_type=JSON),
        client.patch(f"/api/v1/rater-weights/{rater.pk}/", {"weight": 0.5}, content_type=JSON),
        client.put("/api/v1/systems/2025/category-weights/", {"management": EQUAL}, content_type=JSON),
        client.patch("/api/v1/systems/2025/category-weights/", {"management": {"belief": 9}}, content_type=JSON),
        client.post(
            "/api/v1/category-weights/",
            {"system": 2025, "category": "management", "dimension": "team", "weight": 0.1},
            content_type=JSON,
        ),
        client.post("/api/v1/systems/2025/publish/"),
    ]
    for response in writes:
        assert response.status_code == 409, (response.request["PATH_INFO"], response.content)
        assert "已发布，不能修改" in response.json()["detail"]
    system.refresh_from_db()
    assert (system.name, system.status) == ("2025年党员模范力指标体系", state)
    after = (grid_of(system), list(Indicator.objects.filter(system=system).values()), list(Grade.objects.values()))
    assert after == before


# ── the category weight grid ─────────────────────────────────────────────────────────────────────


def test_the_grid_refuses_a_category_that_does_not_sum_to_one_naming_it_and_the_sum(admin_user):
    system = make_system(2025, categories=["management", "technical"])
    before = grid_of(system)
    bad = {**EQUAL, "belief": 0.05}  # sums to 0.9
    response = client_for(admin_user).put(
        "/api/v1/systems/2025/category-weights/", {"management": EQUAL, "technical": bad}, content_type=JSON
    )
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "专业技术人员" in detail
    assert "technical" in detail
    assert "0.9" in detail
    assert "管理人员" not in detail
    assert grid_of(system) == before


def test_the_grid_replaces_every_weight_in_one_write(admin_user):
    system = make_system(2025, categories=["management", "technical"])
    default_category("frontline")
    frontline = {"performance": 0.5, "execution": 0.5}
    response = client_for(admin_user).put(
        "/api/v1/systems/2025/category-weights/", {"management": EQUAL, "frontline": frontline}, content_type=JSON
    )
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"management", "frontline"}
    grid = grid_of(system)
    assert grid[("management", "performance")] == 0.2
    assert grid[("frontline", "belief")] == 0.0
    assert not any(code == "technical" for code, _ in grid)


def test_patching_the_grid_keeps_the_categories_not_named(admin_user):
    system = make_system(2025, categories=["management", "technical"])
    response = client_for(admin_user).patch(
        "/api/v1/systems/2025/category-weights/", {"technical": EQUAL}, content_type=JSON
    )
    assert response.status_code == 200
    grid = grid_of(system)
    assert grid[("technical", "performance")] == 0.2
    assert grid[("management", "performance")] == pytest.approx(1 / 6)


def test_the_grid_refuses_unknown_categories_and_dimensions(admin_user):
    system = make_system(2025)
    before = grid_of(system)
    client = client_for(admin_user)
    unknown = client.put("/api/v1/systems/2025/category-weights/", {"nobody": EQUAL}, content_type=JSON)
    assert unknown.status_code == 400
    assert "nobody" in unknown.json()["detail"]
    wrong_key = client.put(
        "/api/v1/systems/2025/category-weights/", {"management": {**EQUAL, "luck": 0}}, content_type=JSON
    )
    assert wrong_key.status_code == 400
    assert "luck" in wrong_key.json()["detail"]
    assert client.put("/api/v1/systems/2025/category-weights/", [1, 2], content_type=JSON).status_code == 400
    assert grid_of(system) == before


# ── publish, clone, archive ──────────────────────────────────────────────────────────────────────


def test_publishing_freezes_the_system(admin_user):
    make_system(2025)
    response = client_for(admin_user).post("/api/v1/systems/2025/publish/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "published"
    system = IndicatorSystem.objects.get(year=2025)
    assert system.status == SystemStatus.PUBLISHED
    assert system.published_by == admin_user


def test_publishing_refuses_weights_that_do_not_sum_to_one(admin_user):
    system = make_system(2025)
    CategoryWeight.objects.filter(system=system, dimension__key="belief").update(weight=0.5)
    response = client_for(admin_user).post("/api/v1/systems/2025/publish/")
    assert response.status_code == 400
    assert "管理人员" in response.json()["detail"]
    system.refresh_from_db()
    assert system.status == SystemStatus.DRAFT


def test_cloning_makes_a_draft_for_the_next_year(admin_user):
    make_system(2025, publish=True)
    client = client_for(admin_user)
    response = client.post("/api/v1/systems/2025/clone/", {"year": 2026}, content_type=JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["year"], body["status"], body["cloned_from"]) == (2026, "draft", 2025)
    assert body["counts"] == {"indicators": 6, "categories": 1, "rater_weights": 4, "grades": 4}
    assert body["name"] == "2026年党员模范力指标体系"
    again = client.post("/api/v1/systems/2025/clone/", {"year": 2026}, content_type=JSON)
    assert again.status_code == 400
    assert "2026" in again.json()["detail"]
    assert client.post("/api/v1/systems/2025/clone/", {}, content_type=JSON).status_code == 400


def test_archiving_takes_a_published_system_only(admin_user):
    make_system(2025)
    client = client_for(admin_user)
    assert client.post("/api/v1/systems/2025/archive/").status_code == 400
    client.post("/api/v1/systems/2025/publish/")
    response = client.post("/api/v1/systems/2025/archive/")
    assert response.status_code == 200
    assert IndicatorSystem.objects.get(year=2025).status == SystemStatus.ARCHIVED


def test_an_unknown_year_is_not_found(admin_user):
    assert client_for(admin_user).post("/api/v1/systems/1999/publish/").status_code == 404


# ── post targets ─────────────────────────────────────────────────────────────────────────────────


@pytest.fixture
def kpi_posts(org_tree):
    system = make_system(2025, publish=True)
    kpi = Indicator.objects.create(
        system=IndicatorSystem.objects.create(year=2026, name="2026"), code="output",
        dimension=Dimension.objects.get(key="performance"), name="产量", weight=1, source="kpi", floor=0, target=1,
    )  # fmt: skip
    post_a = Post.objects.create(code="PA", name="调度岗", unit=org_tree["branch_a"], is_model=True)
    post_b = Post.objects.create(code="PB", name="检修岗", unit=org_tree["branch_b"], is_model=True)
    plain = Post.objects.create(code="PC", name="普通岗", unit=org_tree["branch_a"], is_model=False)
    PostTarget.objects.create(post=post_a, indicator=kpi, period="2026-Q1", floor=0, target=10)
    PostTarget.objects.create(post=post_b, indicator=kpi, period="2026-Q1", floor=0, target=20)
    return {"kpi": kpi, "questionnaire": Indicator.objects.get(system=system, code="team_q"), "plain": plain}


def test_post_targets_are_read_in_the_scope_of_posts(org_tree, kpi_posts, admin_user):
    secretary = client_for(org_tree["secretary_a"].user).get("/api/v1/post-targets/").json()
    assert [row["post"] for row in secretary["results"]] == ["PA"]
    assert secretary["results"][0]["indicator_code"] == "output"
    assert secretary["results"][0]["system"] == 2026
    admin = client_for(admin_user)
    assert admin.get("/api/v1/post-targets/?period=2026-q1").json()["count"] == 2
    assert admin.get("/api/v1/post-targets/?post=PB").json()["results"][0]["target"] == 20
    assert admin.get("/api/v1/post-targets/?indicator_code=output&system=2026").json()["count"] == 2
    assert admin.get("/api/v1/post-targets/?period=someday").status_code == 400
    target_b = PostTarget.objects.get(post__code="PB")
    assert client_for(org_tree["secretary_a"].user).get(f"/api/v1/post-targets/{target_b.pk}/").status_code == 404


def test_administrator_sets_a_post_target(org_tree, kpi_posts, admin_user):
    response = client_for(admin_user).post(
        "/api/v1/post-targets/",
        {"post": "PA", "indicator": kpi_posts["kpi"].pk, "period": "2026-q2", "floor": 5, "target": 15},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    assert PostTarget.objects.get(post__code="PA", period="2026-Q2").target == 15


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"post": "PC"}, "只有精品岗位"),
        ({"indicator": "questionnaire"}, "只有实绩指标"),
        ({"target": 5}, "目标值不能等于底线值"),
        ({"period": "2025-Q2"}, "期间须在该指标所属体系的年度内"),
    ],
)
def test_a_post_target_breaking_the_rules_is_refused_with_the_reason(org_tree, kpi_posts, admin_user, change, message):
    body = {"post": "PA", "indicator": kpi_posts["kpi"].pk, "period": "2026-Q2", "floor": 5, "target": 15, **change}
    if body["indicator"] == "questionnaire":
        body["indicator"] = kpi_posts["questionnaire"].pk
    response = client_for(admin_user).post("/api/v1/post-targets/", body, content_type=JSON)
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert PostTarget.objects.count() == 2


def test_members_cannot_set_post_targets(org_tree, kpi_posts):
    client = client_for(org_tree["secretary_a"].user)
    target = PostTarget.objects.get(post__code="PA")
    assert client.patch(f"/api/v1/post-targets/{target.pk}/", {"target": 99}, content_type=JSON).status_code == 403
    target.refresh_from_db()
    assert target.target == 10
