import threading

import pytest
from django.db import connection

from surveys.models import Answer, Assignment, AssignmentStatus, QuestionnaireStatus, Response
from surveys.services.answering import (
    AnswerErrors,
    ReadOnlyError,
    StaleFormError,
    current_answers,
    response_for,
    response_version,
    save_answers,
)
from surveys.services.assignments import create_assignments
from tests.factories import make_questionnaire, make_system


@pytest.fixture
def questionnaire(org_tree):
    questionnaire = make_questionnaire(make_system(2025, publish=True))
    create_assignments(questionnaire=questionnaire)
    return questionnaire


@pytest.fixture
def assignment(questionnaire, org_tree):
    return Assignment.objects.get(questionnaire=questionnaire, rater=org_tree["member_a"], role="self")


def all_answers(questionnaire, value=4):
    return {q.code: (value if q.type != "text" else "") for q in questionnaire.questions.all()}


@pytest.mark.django_db
def test_a_draft_keeps_partial_answers_and_can_be_resumed(assignment):
    save_answers(assignment=assignment, values={"performance_q_1": 4, "team_q_2": "2"})
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.DRAFT
    stored = current_answers(assignment)
    assert stored["performance_q_1"].value == 4
    assert stored["team_q_2"].value == 2
    save_answers(assignment=assignment, values={"performance_q_1": 5})
    assert current_answers(assignment)["performance_q_1"].value == 5
    assert Answer.objects.count() == 2


@pytest.mark.django_db
def test_clearing_an_answer_in_a_draft_removes_it(assignment):
    save_answers(assignment=assignment, values={"performance_q_1": 4})
    save_answers(assignment=assignment, values={"performance_q_1": ""})
    assert Answer.objects.count() == 0


@pytest.mark.django_db
def test_submit_requires_every_required_question(assignment, questionnaire):
    values = all_answers(questionnaire)
    del values["belief_q_2"]
    with pytest.raises(AnswerErrors) as error:
        save_answers(assignment=assignment, values=values, submit=True)
    assert set(error.value.errors) == {"belief_q_2"}
    assert "必答" in error.value.errors["belief_q_2"]
    assert Answer.objects.count() == 0


@pytest.mark.django_db
def test_submit_counts_answers_saved_earlier_as_a_draft(assignment, questionnaire):
    values = all_answers(questionnaire)
    save_answers(assignment=assignment, values={"belief_q_2": 3})
    del values["belief_q_2"]
    save_answers(assignment=assignment, values=values, submit=True)
    assert current_answers(assignment)["belief_q_2"].value == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "message"),
    [(6, "超出"), (0, "超出"), ("3.5", "整数"), ("abc", "不是数字"), ("nan", "有效数字")],
)
def test_a_value_off_the_scale_or_of_the_wrong_type_is_refused_per_question(assignment, raw, message):
    with pytest.raises(AnswerErrors) as error:
        save_answers(assignment=assignment, values={"performance_q_1": raw})
    assert message in error.value.errors["performance_q_1"]


@pytest.mark.django_db
def test_an_unknown_question_is_refused(assignment):
    with pytest.raises(AnswerErrors) as error:
        save_answers(assignment=assignment, values={"nope": 3})
    assert "nope" in error.value.errors


@pytest.mark.django_db
def test_after_submit_the_answers_are_read_only(assignment, questionnaire):
    save_answers(assignment=assignment, values=all_answers(questionnaire), submit=True)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.SUBMITTED
    assert assignment.submitted_at is not None
    with pytest.raises(ReadOnlyError):
        save_answers(assignment=assignment, values={"performance_q_1": 1})
    assert current_answers(assignment)["performance_q_1"].value == 4


@pytest.mark.django_db
def test_submitting_the_same_form_twice_is_harmless(assignment, questionnaire):
    values = all_answers(questionnaire)
    first = save_answers(assignment=assignment, values=values, submit=True)
    second = save_answers(assignment=assignment, values=values, submit=True)
    assert first.pk == second.pk
    assert Response.objects.count() == 1
    assert Answer.objects.count() == len([v for v in values.values() if v != ""])


@pytest.mark.django_db
def test_a_closed_questionnaire_accepts_no_answers(assignment, questionnaire):
    questionnaire.status = QuestionnaireStatus.CLOSED
    questionnaire.save()
    with pytest.raises(ReadOnlyError):
        save_answers(assignment=assignment, values={"performance_q_1": 4})


@pytest.mark.django_db
def test_a_stale_form_does_not_overwrite_newer_answers(assignment):
    save_answers(assignment=assignment, values={"performance_q_1": 2})
    loaded_in_tab_one = response_version(response_for(assignment))
    loaded_in_tab_two = loaded_in_tab_one
    save_answers(assignment=assignment, values={"performance_q_1": 5}, version=loaded_in_tab_one)
    with pytest.raises(StaleFormError):
        save_answers(assignment=assignment, values={"performance_q_1": 1}, version=loaded_in_tab_two)
    assert current_answers(assignment)["performance_q_1"].value == 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_never_duplicate_or_lose_answers(assignment, questionnaire):
    if connection.vendor != "postgresql":
        pytest.skip("row locks under real concurrency are a PostgreSQL matter; SQLite serialises writers")
    values = all_answers(questionnaire)
    outcomes: list[str] = []

    def submit() -> None:
        try:
            save_answers(assignment=Assignment.objects.get(pk=assignment.pk), values=values, submit=True)
            outcomes.append("ok")
        except Exception as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == ["ok"] * 6
    assert Response.objects.count() == 1
    expected = {code: float(v) for code, v in values.items() if v != ""}
    stored = {code: v.value for code, v in current_answers(assignment).items()}
    assert stored == expected
