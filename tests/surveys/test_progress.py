import pytest

from common.errors import NotInScope
from org.models import Unit
from surveys.models import Response
from surveys.services.answering import save_answers
from surveys.services.assignments import create_assignments, remind_pending
from surveys.services.progress import (
    completion_status,
    followed_units,
    outermost,
    questionnaires_visible_to,
)
from tests.factories import MemberFactory, make_questionnaire, make_system

pytestmark = pytest.mark.django_db


@pytest.fixture
def questionnaire(org_tree):
    questionnaire = make_questionnaire(make_system(2025, publish=True))
    create_assignments(questionnaire=questionnaire)
    return questionnaire


def complete(questionnaire, member, role="self", subject=None):
    assignment = questionnaire.assignments.get(rater=member, role=role, subject=subject or member)
    values = {q.code: 3 for q in questionnaire.questions.exclude(type="text")}
    save_answers(assignment=assignment, values=values, submit=True)


def draft(questionnaire, member):
    assignment = questionnaire.assignments.get(rater=member, role="self")
    save_answers(assignment=assignment, values={"team_q_1": 2})


def test_counts_per_member_as_rater_by_status(questionnaire, org_tree):
    complete(questionnaire, org_tree["member_a"])
    complete(questionnaire, org_tree["member_a"], role="peer", subject=org_tree["secretary_a"])
    draft(questionnaire, org_tree["member_group_a"])
    status = completion_status(questionnaire=questionnaire)
    by_member = {m.employee_no: m.counts for m in status.members}
    assert (by_member["1002"].total, by_member["1002"].submitted, by_member["1002"].pending) == (3, 2, 1)
    assert (by_member["1003"].draft, by_member["1003"].pending) == (1, 2)
    assert (status.total.total, status.total.submitted, status.total.draft, status.total.pending) == (13, 2, 1, 10)
    assert status.total.rate == pytest.approx(2 / 13)


def test_units_roll_up_their_groups_and_count_raters_done(questionnaire, org_tree):
    for role, subject in [("self", None), ("peer", "secretary_a"), ("peer", "member_group_a")]:
        complete(questionnaire, org_tree["member_a"], role=role, subject=org_tree[subject] if subject else None)
    status = completion_status(questionnaire=questionnaire)
    units = {u.code: u for u in status.units}
    assert [u.code for u in status.units] == ["C1", "B1", "G1", "B2"]
    assert (units["B1"].counts.total, units["G1"].counts.total, units["B2"].counts.total) == (9, 3, 4)
    assert units["C1"].counts.total == 13
    assert (units["B1"].raters, units["B1"].raters_done, units["G1"].raters) == (3, 1, 1)
    assert units["G1"].depth == units["B1"].depth + 1


def test_the_unfinished_list_names_raters_with_work_left_most_first(questionnaire, org_tree):
    for role, subject in [("self", None), ("peer", "secretary_a"), ("peer", "member_group_a")]:
        complete(questionnaire, org_tree["member_a"], role=role, subject=org_tree[subject] if subject else None)
    complete(questionnaire, org_tree["member_b"])
    unfinished = completion_status(questionnaire=questionnaire).unfinished
    assert [m.employee_no for m in unfinished] == ["1001", "1003", "2001", "2002"]
    assert [m.counts.unfinished for m in unfinished] == [3, 3, 2, 1]


def test_a_unit_limits_the_counts_to_raters_in_its_subtree(questionnaire, org_tree):
    status = completion_status(questionnaire=questionnaire, units=[org_tree["branch_b"]])
    assert status.total.total == 4
    assert {m.employee_no for m in status.members} == {"2001", "2002"}
    assert [u.code for u in status.units] == ["B2"]


def test_reminded_raters_carry_the_time_of_the_reminder(questionnaire, org_tree):
    remind_pending(questionnaire=questionnaire, unit=org_tree["group_a"])
    members = {m.employee_no: m for m in completion_status(questionnaire=questionnaire).members}
    assert members["1003"].reminded_at is not None
    assert members["1002"].reminded_at is None


def test_masses_forms_count_in_the_unit_of_the_member_rated(questionnaire, org_tree):
    for n, subject in enumerate(["member_group_a", "member_group_a", "member_b"]):
        Response.objects.create(
            questionnaire=questionnaire, subject=org_tree[subject], role="masses", form_id=f"F{n}", status="submitted"
        )
    Response.objects.create(questionnaire=questionnaire, subject=org_tree["member_b"], role="masses", form_id="D")
    status = completion_status(questionnaire=questionnaire)
    units = {u.code: u.masses_forms for u in status.units}
    assert units == {"C1": 3, "B1": 2, "G1": 2, "B2": 1}
    assert status.masses_forms == 3


def test_completion_takes_a_fixed_number_of_queries_whatever_the_size(
    questionnaire, org_tree, django_assert_max_num_queries
):
    for n in range(30):
        MemberFactory(employee_no=f"3{n:03d}", unit=org_tree["group_a"] if n % 2 else org_tree["branch_b"])
    create_assignments(questionnaire=questionnaire, peers_per_member=3)
    with django_assert_max_num_queries(4):
        status = completion_status(questionnaire=questionnaire)
    assert len(status.members) == 35
    assert status.total.total == sum(m.counts.total for m in status.members)


# ── scope ────────────────────────────────────────────────────────────────────────────────────────


def test_questionnaires_visible_to_follows_assignments_and_secretary_scope(org_tree, admin_user):
    system = make_system(2025, publish=True)
    in_a = make_questionnaire(system, code="QA")
    create_assignments(questionnaire=in_a, unit=org_tree["branch_a"])
    in_b = make_questionnaire(system, code="QB")
    create_assignments(questionnaire=in_b, unit=org_tree["branch_b"])
    make_questionnaire(system, code="QN")

    def codes(person):
        user = admin_user if person == "admin" else org_tree[person].user
        return sorted(questionnaires_visible_to(user).values_list("code", flat=True))

    assert codes("admin") == ["QA", "QB", "QN"]
    assert codes("member_group_a") == ["QA"]
    assert codes("secretary_b") == ["QB"]
    assert codes("member_b") == ["QB"]


def test_followed_units_are_the_secretarys_own_and_nothing_for_members(org_tree, admin_user):
    assert followed_units(user=admin_user) is None
    own = followed_units(user=org_tree["secretary_a"].user)
    named = followed_units(user=org_tree["secretary_a"].user, code="G1")
    assert own is not None and [u.code for u in own] == ["B1"]
    assert named is not None and [u.code for u in named] == ["G1"]
    with pytest.raises(NotInScope):
        followed_units(user=org_tree["secretary_a"].user, code="B2")
    with pytest.raises(NotInScope):
        followed_units(user=org_tree["member_a"].user)
    with pytest.raises(NotInScope):
        followed_units(user=org_tree["member_a"].user, code="B1")


def test_outermost_drops_units_inside_another(org_tree):
    units = Unit.objects.filter(code__in=["B1", "G1", "B2"])
    assert sorted(u.code for u in outermost(units)) == ["B1", "B2"]
