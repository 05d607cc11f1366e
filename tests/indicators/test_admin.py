from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from indicators.admin import IndicatorAdmin, SystemPartAdmin
from indicators.models import DIMENSION_KEYS, CategoryWeight, Dimension, Grade, Indicator, IndicatorSystem, RaterWeight
from org.models import MemberCategory
from tests.conftest import client_for
from tests.factories import make_system

CHANGELIST = "admin:indicators_indicatorsystem_changelist"


def change_url(system) -> str:
    return reverse("admin:indicators_indicatorsystem_change", args=[system.pk])


def weights_url(system) -> str:
    return reverse("admin:indicators_indicatorsystem_weights", args=[system.pk])


def shown_messages(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def _value(value) -> str:
    return "" if value is None else str(value)


def change_form_data(system, **changes) -> dict:
    """What the system's change page posts back: the system's fields and its three inlines as stored."""
    data = {"year": system.year, "name": system.name, "_save": "保存", **changes}
    inlines = [
        ("indicator_set", Indicator, ["order", "code", "dimension_id", "name", "name_en", "weight", "source",
                                      "measure_unit", "floor", "target"]),
        ("raterweight_set", RaterWeight, ["role", "weight"]),
        ("grade_set", Grade, ["label", "min_score", "max_share"]),
    ]  # fmt: skip
    for prefix, model, fields in inlines:
        rows = list(model.objects.filter(system=system).order_by("pk"))
        data |= {
            f"{prefix}-TOTAL_FORMS": len(rows),
            f"{prefix}-INITIAL_FORMS": len(rows),
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
        for i, row in enumerate(rows):
            data[f"{prefix}-{i}-id"] = row.pk
            data[f"{prefix}-{i}-system"] = system.pk
            for field in fields:
                data[f"{prefix}-{i}-{field.removesuffix('_id')}"] = _value(getattr(row, field))
    return data


def grid_data(rows: dict[str, Any]) -> dict:
    categories = {c.code: c.pk for c in MemberCategory.objects.all()}
    return {f"w-{categories[code]}-{key}": value for code, weights in rows.items() for key, value in weights.items()}


def even_row(first: float = 0.25) -> dict[str, float]:
    rest = (1 - first) / 5
    return {key: (first if i == 0 else rest) for i, key in enumerate(DIMENSION_KEYS)}


@pytest.fixture
def client(admin_user):
    return client_for(admin_user)


# --- frozen at the door -------------------------------------------------------------------------


def test_a_frozen_systems_change_page_has_no_editable_weight_inputs(db, client):
    system = make_system(2025, publish=True)
    content = client.get(change_url(system)).content.decode()
    assert "indicator_set-0-weight" not in content
    assert "raterweight_set-0-weight" not in content
    assert 'type="number"' not in content
    assert 'name="name"' not in content
    # The category weights are still shown, read-only.
    assert "管理人员" in content


def test_a_drafts_change_page_offers_the_weight_inputs_and_the_grid_link(db, client):
    system = make_system(2025)
    content = client.get(change_url(system)).content.decode()
    assert 'name="indicator_set-0-weight"' in content
    assert weights_url(system) in content


def test_a_forged_post_on_a_frozen_system_changes_nothing_and_does_not_fail(db, client):
    system = make_system(2025, publish=True)
    data = change_form_data(system, name="改名")
    data["indicator_set-0-weight"] = "0.5"
    response = client.post(change_url(system), data)
    assert response.status_code in (302, 403)
    system.refresh_from_db()
    assert system.name == "2025年党员模范力指标体系"
    assert set(Indicator.objects.filter(system=system).values_list("weight", flat=True)) == {1.0}


def test_a_forged_post_on_a_frozen_indicator_changes_nothing(db, client):
    system = make_system(2025, publish=True)
    indicator = Indicator.objects.filter(system=system)[0]
    url = reverse("admin:indicators_indicator_change", args=[indicator.pk])
    response = client.post(url, {"system": system.pk, "code": indicator.code, "name": "改", "weight": 0.5})
    assert response.status_code == 403
    indicator.refresh_from_db()
    assert indicator.name != "改"


def test_the_indicator_form_offers_draft_systems_only(db, client):
    frozen = make_system(2024, publish=True)
    draft = make_system(2025)
    form = client.get(reverse("admin:indicators_indicator_add")).context["adminform"].form
    assert list(form.fields["system"].queryset) == [draft]
    team = Dimension.objects.get(key="team")
    data = {"system": frozen.pk, "code": "new", "dimension": team.pk, "name": "新", "weight": 0.5,
            "source": "questionnaire", "order": 0}  # fmt: skip
    response = client.post(reverse("admin:indicators_indicator_add"), data)
    assert response.status_code == 200
    assert "system" in response.context["adminform"].form.errors
    assert not Indicator.objects.filter(code="new").exists()


def test_a_frozen_error_raised_while_saving_is_shown_not_raised(db, client, monkeypatch):
    # Suppose a request got past the door (say the system was published between page load and save).
    monkeypatch.setattr(IndicatorAdmin, "has_change_permission", lambda self, request, obj=None: True)
    monkeypatch.setattr(
        IndicatorAdmin,
        "formfield_for_foreignkey",
        lambda self, db_field, request, **kw: super(SystemPartAdmin, self).formfield_for_foreignkey(
            db_field, request, **kw
        ),
    )
    system = make_system(2025, publish=True)
    indicator = Indicator.objects.filter(system=system, dimension__key="wisdom").get()
    url = reverse("admin:indicators_indicator_change", args=[indicator.pk])
    data = {
        "system": system.pk, "code": indicator.code, "dimension": indicator.dimension_id, "name": "改",
        "weight": 1.0, "source": "questionnaire", "order": 0,
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302
    assert "已发布" in shown_messages(response)
    indicator.refresh_from_db()
    assert indicator.name != "改"


def test_deleting_rows_of_a_frozen_system_from_the_changelist_is_refused(db, client):
    system = make_system(2025, publish=True)
    ids = list(Indicator.objects.filter(system=system).values_list("pk", flat=True))
    response = client.post(
        reverse("admin:indicators_indicator_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code in (302, 403)
    assert Indicator.objects.filter(system=system).count() == len(ids)


def test_deleting_a_frozen_system_from_the_changelist_is_refused(db, client):
    system = make_system(2025, publish=True)
    response = client.post(
        reverse(CHANGELIST), {"action": "delete_selected", "_selected_action": [system.pk], "post": "yes"}
    )
    assert response.status_code in (302, 403)
    assert IndicatorSystem.objects.filter(pk=system.pk).exists()
    assert Indicator.objects.filter(system=system).count() == 6


# --- the indicator inline ------------------------------------------------------------------------


def test_the_indicator_inline_refuses_a_dimension_whose_weights_do_not_sum_to_one(db, client):
    system = make_system(2025)
    data = change_form_data(system, name="新名称")
    wisdom = Dimension.objects.get(key="wisdom")
    index = next(i for i in range(6) if str(data[f"indicator_set-{i}-dimension"]) == str(wisdom.pk))
    data[f"indicator_set-{index}-weight"] = "0.9"
    response = client.post(change_url(system), data)
    assert response.status_code == 200
    assert "维度“智慧”的指标权重合计为 0.9" in response.content.decode()
    system.refresh_from_db()
    assert system.name == "2025年党员模范力指标体系"
    assert set(Indicator.objects.filter(system=system).values_list("weight", flat=True)) == {1.0}


def test_a_draft_saves_from_its_change_page(db, client):
    system = make_system(2025)
    response = client.post(change_url(system), change_form_data(system, name="新名称"))
    assert response.status_code == 302
    system.refresh_from_db()
    assert system.name == "新名称"


# --- the category weight grid ----------------------------------------------------------------------


def test_the_grid_refuses_a_bad_row_naming_the_category_and_the_sum_and_saves_nothing(db, client):
    system = make_system(2025)
    before = list(
        CategoryWeight.objects.filter(system=system).values_list("category__code", "dimension__key", "weight")
    )
    bad = even_row()
    bad["belief"] += 0.1
    response = client.post(weights_url(system), grid_data({"management": even_row(), "frontline": bad}))
    assert response.status_code == 200
    shown = shown_messages(response)
    assert "生产一线" in shown and "1.1" in shown
    after = list(CategoryWeight.objects.filter(system=system).values_list("category__code", "dimension__key", "weight"))
    assert after == before


def test_the_grid_refuses_a_value_that_is_not_a_number(db, client):
    system = make_system(2025)
    row = {**even_row(), "team": "abc"}
    response = client.post(weights_url(system), grid_data({"management": row}))
    assert response.status_code == 200
    assert "abc" in shown_messages(response)


def test_the_grid_saves_a_good_grid_and_drops_a_blank_row(db, client):
    system = make_system(2025, categories=["management", "technical"])
    response = client.post(
        weights_url(system), grid_data({"management": even_row(0.5), "frontline": {**even_row(0.0), "performance": ""}})
    )
    assert response.status_code == 302
    saved = {
        (c, d): w
        for c, d, w in CategoryWeight.objects.filter(system=system).values_list(
            "category__code", "dimension__key", "weight"
        )
    }
    assert saved[("management", "performance")] == pytest.approx(0.5)
    assert saved[("frontline", "performance")] == 0.0
    assert saved[("frontline", "team")] == pytest.approx(0.2)
    assert not any(code == "technical" for code, _key in saved)


def test_the_grid_of_a_frozen_system_is_read_only_and_refuses_a_post(db, client):
    system = make_system(2025, publish=True)
    page = client.get(weights_url(system))
    assert page.status_code == 200
    assert 'type="number"' not in page.content.decode()
    response = client.post(weights_url(system), grid_data({"management": even_row(0.5)}))
    assert response.status_code == 302
    weights = CategoryWeight.objects.filter(system=system).values_list("weight", flat=True)
    assert list(weights) == [pytest.approx(1 / 6)] * 6


# --- actions -----------------------------------------------------------------------------------


def run_action(client, action: str, *systems):
    return client.post(reverse(CHANGELIST), {"action": action, "_selected_action": [s.pk for s in systems]})


def test_publish_action_publishes_a_complete_draft(db, client):
    system = make_system(2025)
    response = run_action(client, "publish", system)
    assert response.status_code == 302
    system.refresh_from_db()
    assert system.status == "published"
    assert system.published_by is not None


def test_publish_action_refuses_with_the_problems_listed(db, client):
    system = make_system(2025)
    RaterWeight.objects.filter(system=system, role="self").delete()
    response = run_action(client, "publish", system)
    system.refresh_from_db()
    assert system.status == "draft"
    assert "评价主体权重合计为 0.8" in shown_messages(response)


def test_clone_action_makes_a_draft_for_the_next_year(db, client):
    system = make_system(2025, publish=True)
    run_action(client, "clone_to_next_year", system)
    clone = IndicatorSystem.objects.get(year=2026)
    assert clone.status == "draft"
    assert clone.cloned_from_id == system.pk
    assert Indicator.objects.filter(system=clone).count() == 6


def test_clone_action_refuses_when_the_next_year_exists(db, client):
    system = make_system(2025)
    make_system(2026)
    response = run_action(client, "clone_to_next_year", system)
    assert "2026" in shown_messages(response)
    assert IndicatorSystem.objects.count() == 2


def test_archive_action_archives_a_published_system(db, client):
    system = make_system(2025, publish=True)
    run_action(client, "archive", system)
    system.refresh_from_db()
    assert system.status == "archived"
