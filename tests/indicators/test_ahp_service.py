"""Applying AHP weights to a draft system (`indicators.services.ahp`): what is written, what is refused."""

import pytest

from common.errors import DomainError, FrozenSystemError
from indicators.models import AhpJudgement, CategoryWeight, Dimension, Indicator
from indicators.services.ahp import (
    InconsistentJudgementsError,
    ahp_scope,
    apply_ahp,
    full_matrix,
    last_judgement,
    prefilled_upper,
    preview_ahp,
)
from indicators.services.systems import clone_system
from indicators.weighting import WeightingInputError
from tests.factories import default_category, make_admin, make_system

# Six dimensions in their fixed order; weights 0.3, 0.2, 0.2, 0.1, 0.1, 0.1 as exact ratios (1–3).
SIX_WEIGHTS = [0.3, 0.2, 0.2, 0.1, 0.1, 0.1]
CONSISTENT_SIX = [[wi / wj for wj in SIX_WEIGHTS] for wi in SIX_WEIGHTS]


def inconsistent_six():
    matrix = [row[:] for row in CONSISTENT_SIX]
    matrix[0][3], matrix[3][0] = 1 / 3, 3  # 绩效 over 文化 should be 3
    return matrix


def snapshot(system):
    return {
        "category_weights": sorted(
            CategoryWeight.objects.filter(system=system).values_list("category__code", "dimension__key", "weight")
        ),
        "indicator_weights": sorted(Indicator.objects.filter(system=system).values_list("code", "weight")),
        "judgements": AhpJudgement.objects.count(),
    }


@pytest.fixture
def admin(db):
    return make_admin()


@pytest.fixture
def draft(db):
    return make_system(2026, categories=["management", "frontline"])


@pytest.fixture
def wisdom_draft(draft):
    """The draft's 智慧 dimension with three indicators instead of one."""
    wisdom = Dimension.objects.get(key="wisdom")
    Indicator.objects.filter(system=draft, code="wisdom_q").update(weight=0.5)
    for order, code in enumerate(["wisdom_kpi", "wisdom_rating"], start=10):
        Indicator.objects.create(
            system=draft, code=code, dimension=wisdom, name=code, weight=0.25, source="rating", order=order
        )
    return draft


def test_applying_writes_the_categorys_six_weights_and_records_the_judgement(draft, admin):
    management = default_category("management")

    judgement = apply_ahp(system=draft, category=management, matrix=CONSISTENT_SIX, user=admin)

    written = dict(
        CategoryWeight.objects.filter(system=draft, category=management).values_list("dimension__key", "weight")
    )
    assert written == pytest.approx(dict(zip(judgement.items, SIX_WEIGHTS, strict=True)), abs=1e-4)
    assert sum(written.values()) == pytest.approx(1.0, abs=1e-9)
    assert judgement.items == ["performance", "execution", "wisdom", "culture", "team", "belief"]
    assert judgement.labels == ["绩效", "执行", "智慧", "文化", "团队", "信仰"]
    assert judgement.weights == [written[key] for key in judgement.items]
    assert judgement.cr == pytest.approx(0.0, abs=1e-9)
    assert (judgement.forced, judgement.created_by, judgement.system) == (False, admin, draft)
    assert judgement.matrix[0][1] == pytest.approx(1.5)
    # The other category keeps its profile.
    frontline = CategoryWeight.objects.filter(system=draft, category__code="frontline")
    assert list(frontline.values_list("weight", flat=True)) == pytest.approx([1 / 6] * 6)


def test_a_category_without_a_profile_gets_one(draft, admin):
    technical = default_category("technical")

    apply_ahp(system=draft, category=technical, matrix=CONSISTENT_SIX, user=admin)

    weights = CategoryWeight.objects.filter(system=draft, category=technical).values_list("weight", flat=True)
    assert len(weights) == 6
    assert sum(weights) == pytest.approx(1.0, abs=1e-9)


def test_applying_to_a_dimension_writes_its_indicator_weights(wisdom_draft, admin):
    wisdom = Dimension.objects.get(key="wisdom")
    # wisdom_q : wisdom_kpi : wisdom_rating = 4 : 2 : 1
    matrix = [[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]]

    judgement = apply_ahp(system=wisdom_draft, dimension=wisdom, matrix=matrix, user=admin)

    weights = dict(Indicator.objects.filter(system=wisdom_draft, dimension=wisdom).values_list("code", "weight"))
    assert weights == pytest.approx({"wisdom_q": 4 / 7, "wisdom_kpi": 2 / 7, "wisdom_rating": 1 / 7}, abs=1e-4)
    assert sum(weights.values()) == pytest.approx(1.0, abs=1e-9)
    assert (judgement.dimension, judgement.category) == (wisdom, None)
    assert judgement.items == ["wisdom_q", "wisdom_kpi", "wisdom_rating"]


def test_a_matrix_in_another_order_is_mapped_by_its_items(wisdom_draft, admin):
    wisdom = Dimension.objects.get(key="wisdom")
    # Rows: wisdom_rating, wisdom_q, wisdom_kpi — the same judgements as 4 : 2 : 1.
    matrix = [[1, 1 / 4, 1 / 2], [4, 1, 2], [2, 1 / 2, 1]]

    apply_ahp(
        system=wisdom_draft,
        dimension=wisdom,
        matrix=matrix,
        items=["wisdom_rating", "wisdom_q", "wisdom_kpi"],
        user=admin,
    )

    weights = dict(Indicator.objects.filter(system=wisdom_draft, dimension=wisdom).values_list("code", "weight"))
    assert weights["wisdom_q"] == pytest.approx(4 / 7, abs=1e-4)
    assert weights["wisdom_rating"] == pytest.approx(1 / 7, abs=1e-4)


def test_inconsistent_judgements_are_refused_naming_the_worst_and_nothing_is_written(draft, admin):
    before = snapshot(draft)

    with pytest.raises(InconsistentJudgementsError) as refused:
        apply_ahp(system=draft, category=default_category(), matrix=inconsistent_six(), user=admin)

    assert "“绩效”对“文化”填了 1/3" in refused.value.message
    assert "建议改为 3" in refused.value.message
    assert refused.value.preview.result.cr >= 0.1
    assert snapshot(draft) == before


def test_forcing_applies_inconsistent_judgements_and_says_so(draft, admin):
    judgement = apply_ahp(system=draft, category=default_category(), matrix=inconsistent_six(), force=True, user=admin)

    assert judgement.forced is True
    assert judgement.cr >= 0.1
    weights = CategoryWeight.objects.filter(system=draft, category__code="management").values_list("weight", flat=True)
    assert sum(weights) == pytest.approx(1.0, abs=1e-9)


def test_forcing_consistent_judgements_does_not_mark_them_forced(draft, admin):
    judgement = apply_ahp(system=draft, category=default_category(), matrix=CONSISTENT_SIX, force=True, user=admin)

    assert judgement.forced is False


def test_a_published_system_is_refused_and_nothing_is_written(admin):
    published = make_system(2025, publish=True)
    before = snapshot(published)

    with pytest.raises(FrozenSystemError) as refused:
        apply_ahp(system=published, category=default_category(), matrix=CONSISTENT_SIX, user=admin)

    assert "2025 年指标体系已发布" in refused.value.message
    assert snapshot(published) == before


def test_a_system_published_after_it_was_read_is_still_refused(draft, admin):
    stale = type(draft).objects.get(pk=draft.pk)
    from indicators.services.systems import publish_system

    publish_system(system=draft)

    with pytest.raises(FrozenSystemError):
        apply_ahp(system=stale, category=default_category(), matrix=CONSISTENT_SIX, user=admin)
    assert AhpJudgement.objects.count() == 0


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[1, 2], [1 / 2, 1]], "需要 6×6 的判断矩阵，收到 2×2"),
        ([[*row] for row in CONSISTENT_SIX[:5]], "须是方阵"),
        ([[1, 12, *CONSISTENT_SIX[0][2:]], [1 / 12, *CONSISTENT_SIX[1][1:]], *CONSISTENT_SIX[2:]], "超出 1/9–9"),
        ([[1, 2, *CONSISTENT_SIX[0][2:]], [2, *CONSISTENT_SIX[1][1:]], *CONSISTENT_SIX[2:]], "须互反"),
    ],
    ids=["wrong-size", "not-square", "out-of-scale", "not-reciprocal"],
)
def test_bad_matrices_are_refused_and_nothing_is_written(draft, admin, matrix, message):
    before = snapshot(draft)

    with pytest.raises(WeightingInputError) as refused:
        apply_ahp(system=draft, category=default_category(), matrix=matrix, user=admin)

    assert message in refused.value.message
    assert snapshot(draft) == before


def test_the_non_reciprocal_cell_is_named_by_its_dimensions(draft, admin):
    matrix = [row[:] for row in CONSISTENT_SIX]
    matrix[1][2] = 3  # 执行 over 智慧 is 3, but 智慧 over 执行 stays 1

    with pytest.raises(WeightingInputError) as refused:
        apply_ahp(system=draft, category=default_category(), matrix=matrix, user=admin)

    assert "“执行”对“智慧”（第 2 行第 3 列）是 3" in refused.value.message


def test_items_that_are_not_the_categorys_six_dimensions_are_refused(draft, admin):
    items = ["performance", "execution", "wisdom", "culture", "team", "loyalty"]

    with pytest.raises(WeightingInputError) as refused:
        apply_ahp(system=draft, category=default_category(), matrix=CONSISTENT_SIX, items=items, user=admin)

    assert "缺少 belief" in refused.value.message and "多出 loyalty" in refused.value.message
    assert AhpJudgement.objects.count() == 0


def test_a_dimension_with_one_indicator_has_nothing_to_compare(draft, admin):
    with pytest.raises(DomainError) as refused:
        apply_ahp(system=draft, dimension=Dimension.objects.get(key="belief"), matrix=[[1]], user=admin)

    assert "只有 1 项指标" in refused.value.message


def test_exactly_one_of_category_and_dimension_is_required(draft, admin):
    with pytest.raises(DomainError):
        apply_ahp(system=draft, matrix=CONSISTENT_SIX, user=admin)
    with pytest.raises(DomainError):
        preview_ahp(
            system=draft, category=default_category(), dimension=Dimension.objects.get(key="team"), matrix=[[1]]
        )


def test_preview_writes_nothing_and_shows_the_current_weights(draft):
    preview = preview_ahp(system=draft, category=default_category(), matrix=inconsistent_six())

    assert not preview.consistent
    assert preview.explanation is not None and "绩效" in preview.explanation
    assert preview.scope.current == pytest.approx([1 / 6] * 6)
    assert sum(preview.weights) == pytest.approx(1.0, abs=1e-9)
    assert AhpJudgement.objects.count() == 0


def test_the_next_years_draft_starts_from_the_judgement_it_was_cloned_with(draft, admin):
    apply_ahp(system=draft, category=default_category(), matrix=CONSISTENT_SIX, user=admin)
    from indicators.services.systems import publish_system

    publish_system(system=draft)
    next_year = clone_system(source=draft, year=2027)
    scope = ahp_scope(system=next_year, category=default_category())

    found = last_judgement(scope=scope)

    assert found is not None and found.system == draft
    cells = prefilled_upper(scope=scope, judgement=found)
    assert cells[(0, 1)] == pytest.approx(1.5) and len(cells) == 15


def test_prefilled_judgements_follow_indicators_by_code(wisdom_draft, admin):
    wisdom = Dimension.objects.get(key="wisdom")
    matrix = [[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]]
    judgement = apply_ahp(system=wisdom_draft, dimension=wisdom, matrix=matrix, user=admin)
    Indicator.objects.filter(system=wisdom_draft, code="wisdom_kpi").delete()
    Indicator.objects.create(
        system=wisdom_draft, code="wisdom_new", dimension=wisdom, name="新指标", weight=0, source="rating", order=20
    )
    scope = ahp_scope(system=wisdom_draft, dimension=wisdom)

    cells = prefilled_upper(scope=scope, judgement=judgement)

    assert scope.items == ["wisdom_q", "wisdom_rating", "wisdom_new"]
    assert cells == {(0, 1): pytest.approx(4.0)}


def test_a_matrix_from_the_upper_triangle_takes_reciprocals_below():
    rows = full_matrix({(0, 1): "3", (0, 2): "1/5", (1, 2): 1}, 3)

    assert rows[1][0] == pytest.approx(1 / 3) and rows[2][0] == pytest.approx(5.0) and rows[2][1] == 1
    assert full_matrix({(0, 1): "x"}, 2)[1][0] is None
