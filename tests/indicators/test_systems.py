import pytest

from common.errors import DomainError, FrozenSystemError, WeightSumError
from indicators.models import CategoryWeight, Grade, Indicator, IndicatorSystem, RaterWeight, SystemStatus
from indicators.services.systems import (
    archive_system,
    check_weight_sum,
    clone_system,
    publish_system,
    weight_problems,
)
from tests.factories import make_system

pytestmark = pytest.mark.django_db


def test_weights_within_a_thousandth_of_one_are_accepted():
    check_weight_sum([0.3333, 0.3333, 0.3333], what="绩效")  # sums to 0.9999


def test_weights_that_do_not_sum_to_one_are_refused_naming_the_group_and_the_sum():
    with pytest.raises(WeightSumError, match=r"绩效.*0\.95"):
        check_weight_sum([0.5, 0.45], what="绩效")


def test_a_complete_system_has_no_weight_problems():
    assert weight_problems(make_system(2025)) == []


def test_weight_problems_name_the_dimension_category_and_rater_sums():
    system = make_system(2025)
    Indicator.objects.filter(system=system, code="team_q").update(weight=0.8)
    CategoryWeight.objects.filter(system=system, dimension__key="belief").update(weight=0.5)
    RaterWeight.objects.filter(system=system, role="self").update(weight=0.5)
    problems = " ".join(weight_problems(system))
    assert "团队" in problems and "0.8" in problems
    assert "管理人员" in problems and "1.333" in problems
    assert "评价主体" in problems and "1.3" in problems


def test_publishing_refuses_a_system_with_bad_weights_and_keeps_it_draft():
    system = make_system(2025)
    Indicator.objects.filter(system=system, code="team_q").update(weight=0.8)
    with pytest.raises(DomainError, match="团队"):
        publish_system(system=system)
    system.refresh_from_db()
    assert system.status == SystemStatus.DRAFT


def test_publishing_records_when():
    system = publish_system(system=make_system(2025))
    system.refresh_from_db()
    assert system.status == SystemStatus.PUBLISHED
    assert system.published_at is not None


def test_a_published_indicator_refuses_save():
    system = make_system(2025, publish=True)
    indicator = Indicator.objects.get(system=system, code="team_q")
    indicator.weight = 0.5
    with pytest.raises(FrozenSystemError, match="2025"):
        indicator.save()
    assert Indicator.objects.get(pk=indicator.pk).weight == 1.0


@pytest.mark.parametrize(
    ("model", "change"),
    [
        (Indicator, {"weight": 0.1}),
        (CategoryWeight, {"weight": 0.1}),
        (RaterWeight, {"weight": 0.1}),
        (Grade, {"min_score": 1}),
    ],
)
def test_a_published_systems_rows_refuse_queryset_update_and_delete(model, change):
    system = make_system(2025, publish=True)
    before = list(model.objects.filter(system=system).values())
    with pytest.raises(FrozenSystemError):
        model.objects.filter(system=system).update(**change)
    with pytest.raises(FrozenSystemError):
        model.objects.filter(system=system).delete()
    assert list(model.objects.filter(system=system).values()) == before


def test_a_published_system_refuses_new_rows():
    system = make_system(2025, publish=True)
    with pytest.raises(FrozenSystemError):
        RaterWeight.objects.create(system=system, role="masses", weight=0.1)


def test_a_row_cannot_be_moved_out_of_a_published_system():
    published = make_system(2025, publish=True)
    draft = make_system(2026)
    grade = Grade.objects.get(system=published, label="优秀")
    grade.system = draft
    grade.label = "moved"
    with pytest.raises(FrozenSystemError):
        grade.save()


def test_a_published_system_refuses_renaming_and_deletion_but_may_be_archived():
    system = make_system(2025, publish=True)
    system.name = "changed"
    with pytest.raises(FrozenSystemError):
        system.save()
    system.refresh_from_db()
    with pytest.raises(FrozenSystemError):
        system.delete()
    archive_system(system=system)
    system.refresh_from_db()
    assert system.status == SystemStatus.ARCHIVED
    system.status = SystemStatus.DRAFT
    with pytest.raises(FrozenSystemError):
        system.save()


def test_a_draft_system_can_be_edited_freely():
    system = make_system(2025)
    Indicator.objects.filter(system=system).update(name="edited")
    assert set(Indicator.objects.filter(system=system).values_list("name", flat=True)) == {"edited"}


def test_clone_copies_indicators_weights_and_grades_into_a_draft_of_the_new_year():
    source = make_system(2025, publish=True, categories=["management", "frontline"])
    clone = clone_system(source=source, year=2026)
    assert clone.status == SystemStatus.DRAFT
    assert clone.year == 2026
    assert clone.name == "2026年党员模范力指标体系"
    assert clone.cloned_from == source
    for model in (Indicator, CategoryWeight, RaterWeight, Grade):
        assert model.objects.filter(system=clone).count() == model.objects.filter(system=source).count()
    assert set(Indicator.objects.filter(system=clone).values_list("code", flat=True)) == set(
        Indicator.objects.filter(system=source).values_list("code", flat=True)
    )
    assert weight_problems(clone) == []


def test_clone_is_editable_while_the_source_stays_frozen():
    source = make_system(2025, publish=True)
    clone = clone_system(source=source, year=2026)
    Indicator.objects.filter(system=clone, code="team_q").update(name="新名称")
    assert Indicator.objects.get(system=source, code="team_q").name != "新名称"


def test_clone_into_a_year_that_has_a_system_is_refused():
    source = make_system(2025)
    make_system(2026)
    with pytest.raises(DomainError, match="2026"):
        clone_system(source=source, year=2026)
    assert IndicatorSystem.objects.count() == 2


def test_a_published_system_refuses_bulk_delete_and_update_and_keeps_its_rows():
    system = make_system(2025, publish=True)
    rows = Indicator.objects.filter(system=system).count()
    with pytest.raises(FrozenSystemError):
        IndicatorSystem.objects.filter(year=2025).delete()
    with pytest.raises(FrozenSystemError):
        IndicatorSystem.objects.filter(year=2025).update(name="changed")
    assert IndicatorSystem.objects.get(year=2025).name == system.name
    assert Indicator.objects.filter(system=system).count() == rows


def test_a_draft_system_can_be_deleted_in_bulk():
    make_system(2026)
    IndicatorSystem.objects.filter(year=2026).delete()
    assert not Indicator.objects.filter(system__year=2026).exists()
