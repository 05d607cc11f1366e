from collections import Counter, defaultdict

import pytest
from django.db.models import Count

from indicators.models import Indicator
from org.models import Member, Unit
from reports.services.demo import run_demo
from surveys.models import Answer, Assignment, Question, Questionnaire, Response

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def survey_counts() -> dict[str, int]:
    return {
        "questionnaires": Questionnaire.objects.count(),
        "questions": Question.objects.count(),
        "assignments": Assignment.objects.count(),
        "submitted": Assignment.objects.filter(status="submitted").count(),
        "responses": Response.objects.count(),
        "answers": Answer.objects.count(),
    }


def agreement(reverse: bool, value: float | None) -> float:
    assert value is not None
    return 6 - value if reverse else value


def branch_means() -> dict[tuple[str, str], float]:
    """Mean agreement (reverse keys applied) per questionnaire and branch of the member rated."""
    branch_of = {
        pk: parent if kind == "group" else code
        for pk, kind, code, parent in Unit.objects.values_list("pk", "kind", "code", "parent__code")
    }
    unit_of = dict(Member.objects.values_list("pk", "unit_id"))
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0])
    rows = Answer.objects.filter(value__isnull=False, response__status="submitted").values_list(
        "response__questionnaire__code", "response__subject_id", "question__reverse", "value"
    )
    for code, subject, reverse, value in rows:
        cell = sums[(code, branch_of[unit_of[subject]])]
        cell[0] += agreement(reverse, value)
        cell[1] += 1
    return {key: total / n for key, (total, n) in sums.items()}


def test_the_demo_builds_a_questionnaire_per_year_with_five_items_per_surveyed_indicator(db):
    run_demo()
    questionnaires = {q.system.year: q for q in Questionnaire.objects.select_related("system")}
    assert {year: q.code for year, q in questionnaires.items()} == {2024: "MP2024", 2025: "MP2025"}
    assert (questionnaires[2024].status, questionnaires[2025].status) == ("closed", "open")
    for year, questionnaire in questionnaires.items():
        assert questionnaire.period == str(year)
        assert set(questionnaire.roles) == {"self", "peer", "secretary", "masses"}
        surveyed = Indicator.objects.filter(system__year=year, source__in=["questionnaire", "rating"])
        per_indicator = Counter(
            questionnaire.questions.filter(indicator__isnull=False).values_list("indicator__code", flat=True)
        )
        assert set(per_indicator) == set(surveyed.values_list("code", flat=True))
        assert all(n == 5 for n in per_indicator.values())
        assert not questionnaire.questions.filter(indicator__source="kpi").exists()
        scored = questionnaire.questions.filter(indicator__isnull=False)
        assert scored.filter(reverse=True).exists() and scored.filter(reverse=False).exists()
        assert all(q.labels["1"] == "很不符合" and q.labels["5"] == "完全符合" for q in scored)
        assert all(q.text and q.text_en for q in questionnaire.questions.all())
        comment = questionnaire.questions.get(type="text")
        assert comment.required is False


def test_nearly_every_assignment_is_answered_but_the_demo_members_own_2025_forms_wait(db):
    context = run_demo()
    member = context.require_org().member
    closed = Assignment.objects.filter(questionnaire__code="MP2024")
    assert closed.exclude(status="submitted").count() == 0
    current = Assignment.objects.filter(questionnaire__code="MP2025")
    by_status = dict(current.values_list("status").annotate(n=Count("pk")))
    assert by_status["submitted"] >= 0.85 * current.count()
    assert by_status.get("pending", 0) > 0 and by_status.get("draft", 0) > 0

    mine = current.filter(rater=member)
    assert mine.get(role="self", subject=member).status == "pending"
    assert mine.filter(role="peer").exists()
    assert set(mine.values_list("status", flat=True)) == {"pending"}
    assert not Response.objects.filter(questionnaire__code="MP2025", rater=member).exists()
    # The secretary's branch has something to remind about besides the demo member.
    branch = context.require_org().secretary.unit
    waiting = current.exclude(status="submitted").exclude(rater=member)
    assert waiting.filter(rater__unit__path__startswith=branch.path).exists()

    # Every submitted assignment has its submitted response with an answer to every required question.
    required = Question.objects.filter(questionnaire__code="MP2025", required=True).count()
    sample = Response.objects.filter(questionnaire__code="MP2025", status="submitted", rater__isnull=False)
    assert sample.count() == by_status["submitted"]
    counts = sample.annotate(n=Count("answers")).values_list("n", flat=True)
    assert min(counts) >= required


def test_masses_forms_are_anonymous_with_unique_form_ids(db):
    run_demo()
    for code in ("MP2024", "MP2025"):
        masses = Response.objects.filter(questionnaire__code=code, role="masses")
        assert not masses.filter(rater__isnull=False).exists()
        form_ids = list(masses.values_list("form_id", flat=True))
        assert len(form_ids) == len(set(form_ids)) and None not in form_ids
        per_member = Counter(masses.values_list("subject_id", flat=True))
        assert len(per_member) == Member.objects.count()
        assert set(per_member.values()) <= {2, 3}


def test_running_the_demo_twice_changes_no_survey_counts(db):
    run_demo()
    first = survey_counts()
    assert first["answers"] > 100_000
    run_demo()
    assert survey_counts() == first


def test_reset_rebuilds_the_same_answers(db):
    run_demo()
    first = survey_counts()
    means = branch_means()
    run_demo(reset=True)
    assert survey_counts() == first
    assert branch_means() == pytest.approx(means)


def test_answers_differ_between_branches_between_years_and_between_rater_roles(db):
    run_demo()
    means = branch_means()
    branches = sorted({branch for _code, branch in means})
    assert len(branches) == 6
    now = {b: means[("MP2025", b)] for b in branches}
    before = {b: means[("MP2024", b)] for b in branches}
    assert max(before.values()) - min(before.values()) > 0.2
    moves = {b: now[b] - before[b] for b in branches}
    assert max(moves.values()) > 0.15, moves
    assert min(moves.values()) < -0.15, moves

    def role_mean(role):
        total = n = 0.0
        rows = Answer.objects.filter(value__isnull=False, response__role=role, response__status="submitted")
        for reverse, value in rows.values_list("question__reverse", "value"):
            total += agreement(reverse, value)
            n += 1
        return total / n

    assert role_mean("self") > role_mean("peer") > role_mean("masses")
