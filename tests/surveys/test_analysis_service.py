"""The analysis service over the database: what it reads, how it filters, what it refuses."""

from __future__ import annotations

import numpy as np
import pytest

from common.errors import DomainError, NotInScope
from org.models import Member
from surveys.models import Answer, Assignment, Response
from surveys.services.analysis import analyze_questionnaire, result_as_json
from tests.factories import default_category, make_questionnaire, make_system
from tests.surveys.analysis_data import CODES, SKIPPED, build
from tests.surveys.test_analysis_statistics import alpha_by_the_formula

pytestmark = pytest.mark.django_db


@pytest.fixture
def analysed(org_tree):
    return build()


def run(**kwargs):
    return analyze_questionnaire(**{"code": "Q2025", "period": "2025", **kwargs})


def test_every_submitted_response_is_a_respondent_and_drafts_count_for_nothing(analysed):
    result = run()

    submitted = Response.objects.filter(status="submitted").count()
    assert Response.objects.filter(status="draft").exists()
    assert result.respondents == submitted == len(analysed.keyed)
    assert result.items["n"].tolist() == [len(analysed.keyed) - (code == SKIPPED[1]) for code in CODES]


def test_alpha_and_item_statistics_match_the_formula_on_the_keyed_answers(analysed):
    result = run()

    for key in ["performance", "team", "belief"]:
        columns = [CODES.index(f"{key}_q_1"), CODES.index(f"{key}_q_2")]
        matrix = analysed.keyed[:, columns]
        complete = matrix[~np.isnan(matrix).any(axis=1)]
        alpha = result.dimensions.set_index("dimension").loc[key, "alpha"]
        assert alpha == pytest.approx(alpha_by_the_formula(complete))
        items = result.items.set_index("code")
        first = items.loc[f"{key}_q_1"]
        assert first["item_total"] == pytest.approx(np.corrcoef(complete[:, 0], complete[:, 1])[0, 1])
    second = result.items.set_index("code").loc["performance_q_2"]
    keyed = analysed.keyed[:, CODES.index("performance_q_2")]
    assert second["mean"] == pytest.approx(keyed.mean())  # reverse key applied to what was stored
    assert second["sd"] == pytest.approx(np.std(keyed, ddof=1))
    assert result.dimensions.set_index("dimension").loc["team", "n_complete"] == len(analysed.keyed) - 1


def test_the_reverse_keyed_item_is_stored_turned_round_and_analysed_the_right_way_round(analysed):
    stored = Answer.objects.filter(question__code="performance_q_2", response__status="submitted")
    raw_mean = np.mean(list(stored.values_list("value", flat=True)))
    mean = run().items.set_index("code").loc["performance_q_2", "mean"]

    assert mean == pytest.approx(6 - raw_mean)


def test_a_unit_filter_keeps_the_members_of_its_subtree_as_subjects(analysed, org_tree):
    result = run(unit_code="B1")

    in_b1 = [n for n, (_role, subject) in enumerate(analysed.forms) if subject in {"1001", "1002", "1003"}]
    assert result.respondents == len(in_b1)
    assert list(result.response_rates["unit"]) == ["B1"]
    assert result.response_rates.loc[0, "assigned"] == 9  # the group's members count in their branch
    assert result.response_rates.loc[0, "masses_forms"] == 1


def test_a_category_filter_keeps_the_members_of_that_category(analysed, org_tree):
    Member.objects.filter(employee_no__in=["2001", "2002"]).update(category=default_category("technical"))
    result = run(category="technical")

    assert result.respondents == sum(1 for _role, subject in analysed.forms if subject in {"2001", "2002"})
    assert result.category is not None and result.category.code == "technical"


def test_response_rates_per_branch_with_the_total(analysed):
    rates = run().response_rates.set_index("unit")

    assert list(rates.index) == ["B1", "B2"]
    assert rates.loc["B1", "draft"] == 1
    assert rates.loc["B2", "masses_forms"] == 1
    total = run().response_total
    assert total["assigned"] == rates["assigned"].sum()
    assert total["rate"] == pytest.approx(rates["submitted"].sum() / rates["assigned"].sum())


def test_a_questionnaire_with_no_answers_is_refused_with_a_clear_message(org_tree):
    make_questionnaire(make_system(2025, publish=True), code="EMPTY")

    with pytest.raises(DomainError, match="没有已提交的答卷"):
        analyze_questionnaire(code="EMPTY", period="2025")


def test_only_drafts_are_no_answers_either(analysed):
    Response.objects.filter(status="submitted").update(status="draft")

    with pytest.raises(DomainError, match="没有已提交的答卷"):
        run()


def test_a_filter_that_leaves_nobody_says_so(analysed):
    with pytest.raises(DomainError, match="人员类别"):
        run(category="frontline-unknown")
    default_category("frontline")
    with pytest.raises(DomainError, match="（人员类别：生产一线）没有已提交的答卷"):
        run(category="frontline")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"code": "NOPE"}, NotInScope, "NOPE"),
        ({"period": "2024"}, DomainError, "属于 2025，不是 2024"),
        ({"period": "2025-Q7"}, DomainError, "无效"),
        ({"unit_code": "ZZ"}, NotInScope, "ZZ"),
    ],
)
def test_bad_input_is_refused(analysed, kwargs, error, message):
    with pytest.raises(error, match=message):
        run(**kwargs)


def test_the_json_has_full_precision_floats_and_none_for_what_is_not_defined(analysed):
    data = result_as_json(run(unit_code="B2"))

    performance = next(d for d in data["dimensions"] if d["dimension"] == "performance")
    assert isinstance(performance["alpha"], float)
    assert data["unit"] == "B2" and data["period"] == "2025"
    item = next(i for i in data["items"] if i["code"] == "team_q_1")
    assert item["distribution"]["points"] == [1, 2, 3, 4, 5]
    assert sum(item["distribution"]["counts"]) == item["n"]
    assert all(value is None or isinstance(value, float) for row in data["correlations"]["matrix"] for value in row)
    assert data["thresholds"] == {"alpha_low": 0.7, "item_total_low": 0.3, "ceiling": 0.8, "missing": 0.2}


def test_without_any_assignment_the_rates_have_no_rate_but_count_the_forms(analysed):
    Assignment.objects.all().delete()

    result = run()

    rates = result.response_rates.set_index("unit")
    assert rates["assigned"].tolist() == [0, 0]
    assert rates["rate"].isna().all()
    assert rates["responses"].sum() == result.respondents
    assert result.response_total["rate"] is None
