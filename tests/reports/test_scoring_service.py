"""The scoring service against the database: loading, persistence, replacement, and bad input."""

import pytest

from common.errors import DomainError
from indicators.models import CategoryWeight, Indicator, Measurement
from reports.models import IndicatorScore, ScoreCard, ScoreRun
from reports.services.scoring import compute_scores
from surveys.models import Assignment
from surveys.services.answering import save_answers
from surveys.services.assignments import create_assignments
from tests.factories import make_questionnaire, make_system

pytestmark = pytest.mark.django_db


def answer_all(questionnaire, assignment, value):
    values = {q.code: value for q in questionnaire.questions.exclude(type="text")}
    save_answers(assignment=assignment, values=values, submit=True)


@pytest.fixture
def scored_setup(org_tree):
    system = make_system(2025, publish=True)
    questionnaire = make_questionnaire(system, roles=("self", "peer"), per_indicator=1)
    create_assignments(questionnaire=questionnaire)
    return system, questionnaire


def self_assignment(questionnaire, member):
    return Assignment.objects.get(questionnaire=questionnaire, rater=member, role="self")


def test_a_self_assessment_of_all_fives_scores_one_hundred(scored_setup, org_tree):
    _system, questionnaire = scored_setup
    answer_all(questionnaire, self_assignment(questionnaire, org_tree["member_a"]), 5)
    run = compute_scores(period="2025")
    card = ScoreCard.objects.get(run=run, member=org_tree["member_a"])
    assert card.total == pytest.approx(100.0)
    assert card.coverage == pytest.approx(1.0)
    assert card.rank == 1
    assert card.grade == "优秀"
    assert card.branch == org_tree["branch_a"]
    assert card.performance == pytest.approx(100.0)
    assert card.self_others["team"]["self"] == pytest.approx(100.0)
    assert ScoreCard.objects.filter(run=run).count() == 1  # nobody else answered


def test_drafts_do_not_count(scored_setup, org_tree):
    _system, questionnaire = scored_setup
    answer_all(questionnaire, self_assignment(questionnaire, org_tree["member_a"]), 5)
    draft = self_assignment(questionnaire, org_tree["member_b"])
    save_answers(assignment=draft, values={"team_q_1": 1})
    run = compute_scores(period="2025")
    assert not ScoreCard.objects.filter(run=run, member=org_tree["member_b"]).exists()


def test_a_group_member_ranks_in_his_branch_with_ties_sharing_the_best_rank(scored_setup, org_tree):
    _system, questionnaire = scored_setup
    answer_all(questionnaire, self_assignment(questionnaire, org_tree["member_a"]), 4)
    answer_all(questionnaire, self_assignment(questionnaire, org_tree["member_group_a"]), 4)
    answer_all(questionnaire, self_assignment(questionnaire, org_tree["secretary_a"]), 5)
    answer_all(questionnaire, self_assignment(questionnaire, org_tree["member_b"]), 2)
    run = compute_scores(period="2025")
    ranks = dict(ScoreCard.objects.filter(run=run).values_list("member__employee_no", "rank"))
    assert ranks == {"1001": 1, "1002": 2, "1003": 2, "2002": 1}
    group_card = ScoreCard.objects.get(run=run, member=org_tree["member_group_a"])
    assert group_card.unit == org_tree["group_a"]
    assert group_card.branch == org_tree["branch_a"]


def test_peer_and_self_roles_combine_with_their_weights(scored_setup, org_tree):
    _system, questionnaire = scored_setup
    member = org_tree["member_a"]
    answer_all(questionnaire, self_assignment(questionnaire, member), 5)  # 100
    peer = Assignment.objects.get(questionnaire=questionnaire, subject=member, rater=org_tree["member_group_a"])
    answer_all(questionnaire, peer, 3)  # 50
    run = compute_scores(period="2025")
    # self 0.2, peer 0.3 renormalised over the two present roles: (0.2×100 + 0.3×50) / 0.5 = 70
    card = ScoreCard.objects.get(run=run, member=member)
    assert card.total == pytest.approx(70.0)
    row = IndicatorScore.objects.get(run=run, member=member, indicator__code="team_q")
    assert (row.self_score, row.peer_score, row.score, row.raters) == (
        pytest.approx(100),
        pytest.approx(50),
        pytest.approx(70),
        2,
    )


def test_a_kpi_measurement_scores_between_floor_and_target(org_tree):
    system = make_system(2025)
    performance = Indicator.objects.get(system=system, code="performance_q")
    performance.weight = 0.5
    performance.save()
    kpi = Indicator.objects.create(
        system=system, code="perf_kpi", dimension=performance.dimension, name="完成率", weight=0.5,
        source="kpi", floor=60, target=100,
    )  # fmt: skip
    from indicators.services.systems import publish_system

    publish_system(system=system)
    Measurement.objects.create(indicator=kpi, member=org_tree["member_a"], period="2025", value=90)
    run = compute_scores(period="2025")
    card = ScoreCard.objects.get(run=run, member=org_tree["member_a"])
    assert card.performance == pytest.approx(75.0)
    assert card.dimension_coverage["performance"] == pytest.approx(0.5)
    assert card.total == pytest.approx(75.0)
    assert card.coverage == pytest.approx(1 / 6)


def test_a_new_run_replaces_the_previous_one_and_gives_identical_numbers(scored_setup, org_tree):
    _system, questionnaire = scored_setup
    answer_all(questionnaire, self_assignment(questionnaire, org_tree["member_a"]), 4)
    first = compute_scores(period="2025")
    first_cards = list(ScoreCard.objects.filter(run=first).values_list("member_id", "total", "rank", "grade"))
    second = compute_scores(period="2025")
    assert not ScoreRun.objects.filter(pk=first.pk).exists()
    assert ScoreRun.objects.filter(period="2025", is_current=True).get() == second
    assert list(ScoreCard.objects.filter(run=second).values_list("member_id", "total", "rank", "grade")) == first_cards


def test_a_preview_is_kept_apart_from_the_official_run(scored_setup, org_tree):
    _system, questionnaire = scored_setup
    answer_all(questionnaire, self_assignment(questionnaire, org_tree["member_a"]), 4)
    official = compute_scores(period="2025")
    preview = compute_scores(period="2025", preview=True)
    assert preview.provisional and not official.provisional
    assert set(ScoreRun.objects.filter(is_current=True)) == {official, preview}


def test_a_period_without_a_published_system_is_refused_and_nothing_is_written(org_tree):
    make_system(2025)  # a draft
    with pytest.raises(DomainError, match="--preview"):
        compute_scores(period="2025")
    with pytest.raises(DomainError, match="2030"):
        compute_scores(period="2030")
    assert not ScoreRun.objects.exists()


def test_a_period_with_no_answers_is_refused(scored_setup):
    with pytest.raises(DomainError, match="2025"):
        compute_scores(period="2025")
    assert not ScoreRun.objects.exists()


def test_a_member_whose_category_has_no_weights_is_refused_by_name(scored_setup, org_tree):
    from tests.factories import default_category

    _system, questionnaire = scored_setup
    member = org_tree["member_a"]
    member.category = default_category("frontline")
    member.save()
    answer_all(questionnaire, self_assignment(questionnaire, member), 4)
    with pytest.raises(DomainError, match="生产一线"):
        compute_scores(period="2025")
    assert not ScoreCard.objects.exists()
    assert CategoryWeight.objects.filter(category__code="frontline").count() == 0


def test_answers_of_another_period_do_not_count(scored_setup, org_tree):
    system, _questionnaire = scored_setup
    other = make_questionnaire(system, code="Q2025H1", period="2025-H1", roles=("self",), per_indicator=1)
    create_assignments(questionnaire=other)
    answer_all(other, self_assignment(other, org_tree["member_a"]), 5)
    with pytest.raises(DomainError):
        compute_scores(period="2025")
    run = compute_scores(period="2025-H1")
    assert ScoreCard.objects.get(run=run).total == pytest.approx(100.0)


def test_a_card_without_a_total_is_kept_with_no_grade(org_tree):
    """Performance weighs 0 for the category: a member scored only there has a card but no total.
    Its empty grade is an empty text, not NULL (COPY on PostgreSQL reads an unquoted empty field as NULL)."""
    system = make_system(2025)
    CategoryWeight.objects.filter(system=system, dimension__key="performance").update(weight=0)
    CategoryWeight.objects.filter(system=system).exclude(dimension__key="performance").update(weight=0.2)
    from indicators.services.systems import publish_system

    publish_system(system=system)
    questionnaire = make_questionnaire(system, roles=("self",), per_indicator=1)
    questionnaire.questions.update(required=False)
    create_assignments(questionnaire=questionnaire)
    save_answers(
        assignment=self_assignment(questionnaire, org_tree["member_a"]), values={"performance_q_1": 4}, submit=True
    )
    run = compute_scores(period="2025")
    card = ScoreCard.objects.get(run=run, member=org_tree["member_a"])
    assert card.total is None and card.grade == "" and card.rank is None
    assert card.performance == pytest.approx(75)
