import json
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from common.errors import FrozenSystemError, WeightSumError
from indicators.models import DIMENSION_KEYS, CategoryWeight, Grade, Indicator, IndicatorSystem, RaterWeight
from indicators.services.catalogue import (
    ALREADY_LOADED,
    UNCHANGED,
    UPDATED,
    default_catalogue_path,
    load_catalogue,
    load_catalogue_outcome,
)
from indicators.services.systems import weight_problems
from org.models import MemberCategory


def catalogue() -> dict:
    return json.loads(default_catalogue_path().read_text(encoding="utf-8"))


def write_catalogue(tmp_path, data: dict):
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_catalogue_file_has_four_to_six_indicators_per_dimension_summing_to_one():
    by_dimension = defaultdict(list)
    for row in catalogue()["indicators"]:
        by_dimension[row["dimension"]].append(row["weight"])
    assert sorted(by_dimension) == sorted(DIMENSION_KEYS)
    for key, weights in by_dimension.items():
        assert 4 <= len(weights) <= 6, key
        assert sum(weights) == pytest.approx(1.0, abs=1e-9), key


def test_catalogue_file_indicator_codes_are_unique_and_kpis_have_floor_and_target():
    rows = catalogue()["indicators"]
    assert len({row["code"] for row in rows}) == len(rows)
    kpis = [row for row in rows if row["source"] == "kpi"]
    assert kpis
    for row in kpis:
        assert row["floor"] != row["target"] and row["unit"], row["code"]
    assert {row["source"] for row in rows} == {"questionnaire", "rating", "kpi"}


def test_catalogue_file_category_and_rater_weights_sum_to_one():
    data = catalogue()
    assert set(data["category_weights"]) == {"management", "technical", "frontline"}
    for category, row in data["category_weights"].items():
        assert set(row) == set(DIMENSION_KEYS), category
        assert sum(row.values()) == pytest.approx(1.0, abs=1e-9), category
    assert data["rater_weights"] == {"self": 0.2, "peer": 0.3, "secretary": 0.3, "masses": 0.2}
    assert [g["label"] for g in data["grades"]] == ["优秀", "合格", "基本合格", "不合格"]


def test_load_catalogue_creates_a_complete_draft_with_its_categories(db):
    system = load_catalogue(year=2025)
    assert system.status == "draft"
    assert system.name == "2025年党员模范力指标体系"
    assert Indicator.objects.filter(system=system).count() == len(catalogue()["indicators"])
    assert set(MemberCategory.objects.values_list("code", flat=True)) >= {"management", "technical", "frontline"}
    assert CategoryWeight.objects.filter(system=system).count() == 3 * 6
    assert RaterWeight.objects.filter(system=system).count() == 4
    assert Grade.objects.get(system=system, label="优秀").max_share == pytest.approx(0.3)
    assert weight_problems(system) == []
    kpi = Indicator.objects.get(system=system, code="perf_safety_violations")
    assert (kpi.floor, kpi.target, kpi.measure_unit) == (5, 0, "次")


def test_load_catalogue_creates_missing_categories_and_keeps_existing_names(db):
    MemberCategory.objects.update_or_create(code="frontline", defaults={"name": "一线员工"})
    MemberCategory.objects.filter(code="technical").delete()
    load_catalogue(year=2025)
    assert MemberCategory.objects.get(code="frontline").name == "一线员工"
    assert MemberCategory.objects.get(code="technical").name == "专业技术人员"


def test_load_catalogue_publishes_when_asked(db):
    system = load_catalogue(year=2025, publish=True)
    system.refresh_from_db()
    assert system.status == "published"
    assert system.published_at is not None


def test_reloading_an_unchanged_draft_changes_nothing(db):
    system = load_catalogue(year=2025)
    before = list(Indicator.objects.filter(system=system).order_by("pk").values())
    weights_before = list(CategoryWeight.objects.filter(system=system).order_by("pk").values())
    result = load_catalogue_outcome(year=2025)
    assert result.outcome == UNCHANGED
    assert result.system.pk == system.pk
    assert list(Indicator.objects.filter(system=system).order_by("pk").values()) == before
    assert list(CategoryWeight.objects.filter(system=system).order_by("pk").values()) == weights_before
    assert IndicatorSystem.objects.count() == 1


def test_reloading_an_edited_draft_brings_it_back_in_line_keeping_row_ids(db):
    system = load_catalogue(year=2025)
    kept = Indicator.objects.get(system=system, code="perf_task_completion")
    Indicator.objects.filter(pk=kept.pk).update(name="改过的名称")
    Indicator.objects.create(
        system=system, code="extra", dimension=kept.dimension, name="多余", weight=0, source="rating"
    )
    result = load_catalogue_outcome(year=2025)
    assert result.outcome == UPDATED
    kept.refresh_from_db()
    assert kept.name == "岗位任务完成率"
    assert not Indicator.objects.filter(system=system, code="extra").exists()
    assert weight_problems(system) == []


def test_loading_a_published_year_with_the_same_content_reports_already_loaded(db):
    load_catalogue(year=2025, publish=True)
    result = load_catalogue_outcome(year=2025, publish=True)
    assert result.outcome == ALREADY_LOADED
    assert IndicatorSystem.objects.count() == 1


def test_loading_a_published_year_with_different_content_is_refused(db, tmp_path):
    system = load_catalogue(year=2025, publish=True)
    data = catalogue()
    data["indicators"][0]["name"] = "别的名称"
    with pytest.raises(FrozenSystemError):
        load_catalogue(year=2025, path=write_catalogue(tmp_path, data))
    assert Indicator.objects.get(system=system, code=data["indicators"][0]["code"]).name == "岗位任务完成率"


def test_a_dimension_whose_weights_do_not_sum_to_one_is_refused_with_its_sum_and_nothing_written(db, tmp_path):
    data = catalogue()
    first_wisdom = next(row for row in data["indicators"] if row["dimension"] == "wisdom")
    first_wisdom["weight"] += 0.1
    with pytest.raises(WeightSumError) as caught:
        load_catalogue(year=2025, path=write_catalogue(tmp_path, data))
    assert "智慧" in caught.value.message and "1.1" in caught.value.message
    assert not IndicatorSystem.objects.exists()


def test_a_category_row_that_does_not_sum_to_one_is_refused_naming_the_category(db, tmp_path):
    data = catalogue()
    data["category_weights"]["technical"]["belief"] = 0.35
    with pytest.raises(WeightSumError) as caught:
        load_catalogue(year=2025, path=write_catalogue(tmp_path, data))
    assert "专业技术人员" in caught.value.message and "1.2" in caught.value.message
    assert not IndicatorSystem.objects.exists()


def test_command_loads_publishes_and_reports_already_loaded(db):
    out = StringIO()
    call_command("load_catalogue", "--year", "2024", "--publish", stdout=out)
    assert "已发布" in out.getvalue()
    out = StringIO()
    call_command("load_catalogue", "--year", "2024", stdout=out)
    assert "已载入" in out.getvalue()
    assert IndicatorSystem.objects.get(year=2024).status == "published"


def test_command_turns_a_refusal_into_a_command_error(db, tmp_path):
    load_catalogue(year=2025, publish=True)
    data = catalogue()
    data["rater_weights"] = {"self": 0.5, "peer": 0.5, "secretary": 0, "masses": 0}
    with pytest.raises(CommandError, match="2025"):
        call_command("load_catalogue", "--year", "2025", "--file", str(write_catalogue(tmp_path, data)))
