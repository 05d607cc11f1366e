import pytest

from org.models import MemberStatus
from surveys.models import Assignment
from surveys.services.assignments import create_assignments, planned_assignments
from surveys.services.raters import RaterRules
from tests.factories import MemberFactory, make_questionnaire, make_system

pytestmark = pytest.mark.django_db


@pytest.fixture
def questionnaire(org_tree):
    return make_questionnaire(make_system(2025, publish=True))


def pairs(role):
    return set(
        Assignment.objects.filter(role=role).values_list("rater__employee_no", "subject__employee_no").order_by()
    )


def test_every_active_member_rates_himself(org_tree, questionnaire):
    MemberFactory(employee_no="1009", unit=org_tree["branch_a"], status=MemberStatus.LEFT)
    create_assignments(questionnaire=questionnaire)
    assert pairs("self") == {(n, n) for n in ["1001", "1002", "1003", "2001", "2002"]}


def test_the_branch_secretary_rates_every_other_member_of_his_branch_and_its_groups(org_tree, questionnaire):
    create_assignments(questionnaire=questionnaire)
    assert pairs("secretary") == {("1001", "1002"), ("1001", "1003"), ("2001", "2002")}


def test_peers_rate_each_other_within_the_branch_and_the_secretary_is_not_a_peer_rater(org_tree, questionnaire):
    create_assignments(questionnaire=questionnaire)
    assert pairs("peer") == {("1002", "1003"), ("1003", "1002"), ("1002", "1001"), ("1003", "1001"), ("2002", "2001")}


def test_nobody_rates_himself_except_as_self(org_tree, questionnaire):
    create_assignments(questionnaire=questionnaire)
    others = Assignment.objects.exclude(role="self")
    assert not [a for a in others if a.rater_id == a.subject_id]


def test_masses_get_no_assignments(org_tree, questionnaire):
    create_assignments(questionnaire=questionnaire)
    assert not Assignment.objects.filter(role="masses").exists()


def test_only_the_roles_the_questionnaire_asks_are_assigned(org_tree):
    questionnaire = make_questionnaire(make_system(2025), roles=("self",))
    summary = create_assignments(questionnaire=questionnaire)
    assert summary.created == {"self": 5}
    assert set(Assignment.objects.values_list("role", flat=True)) == {"self"}


def test_rerunning_adds_what_is_missing_and_never_duplicates(org_tree, questionnaire):
    first = create_assignments(questionnaire=questionnaire)
    again = create_assignments(questionnaire=questionnaire)
    assert again.total_created == 0
    assert again.existing == first.total_created
    MemberFactory(employee_no="2003", unit=org_tree["branch_b"])
    third = create_assignments(questionnaire=questionnaire)
    # 2003 rates himself, is rated by the secretary, and trades peer ratings with 2002 and rates 2001.
    assert third.created == {"self": 1, "secretary": 1, "peer": 3}
    assert Assignment.objects.count() == first.total_created + 5


def test_rerunning_keeps_assignments_of_members_who_left(org_tree, questionnaire):
    create_assignments(questionnaire=questionnaire)
    before = Assignment.objects.count()
    member = org_tree["member_b"]
    member.status = MemberStatus.LEFT
    member.save()
    create_assignments(questionnaire=questionnaire)
    assert Assignment.objects.count() == before


@pytest.fixture
def big_branch(org_tree):
    for n in range(12):
        MemberFactory(employee_no=f"30{n:02d}", unit=org_tree["branch_b"])
    return org_tree["branch_b"]


def test_k_random_peers_gives_each_member_k_peer_raters(big_branch, questionnaire):
    create_assignments(questionnaire=questionnaire, peers_per_member=3)
    per_subject: dict[str, int] = {}
    in_big_branch = Assignment.objects.filter(role="peer", subject__unit=big_branch)
    for subject in in_big_branch.values_list("subject__employee_no", flat=True):
        per_subject[subject] = per_subject.get(subject, 0) + 1
    assert set(per_subject.values()) == {3}
    assert len(per_subject) == 14  # every member of the branch, the secretary included, is rated


def test_k_random_peers_is_reproducible(big_branch, questionnaire):
    first = planned_assignments(questionnaire=questionnaire, peers_per_member=3)
    second = planned_assignments(questionnaire=questionnaire, peers_per_member=3)
    assert first == second


def test_rater_rules_explain_a_refusal(org_tree):
    rules = RaterRules.load()
    a, b = org_tree["member_a"].pk, org_tree["member_b"].pk
    assert not rules.may_rate(rater_id=a, subject_id=b, role="peer")
    assert "同一党支部" in rules.why_not(rater_id=a, subject_id=b, role="peer")
    secretary = org_tree["secretary_a"].pk
    assert not rules.may_rate(rater_id=secretary, subject_id=a, role="peer")
    assert rules.may_rate(rater_id=secretary, subject_id=org_tree["member_group_a"].pk, role="secretary")
    assert not rules.may_rate(rater_id=a, subject_id=a, role="peer")
    assert rules.may_rate(rater_id=None, subject_id=a, role="masses")
    assert not rules.may_rate(rater_id=a, subject_id=a, role="masses")
