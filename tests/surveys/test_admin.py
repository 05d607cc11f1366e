import json
import sys
import types
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from surveys.models import Answer, Assignment, Question, Questionnaire, Response
from surveys.services.answering import save_answers
from surveys.services.assignments import create_assignments
from tests.conftest import client_for
from tests.factories import make_questionnaire, make_system

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:surveys_questionnaire_changelist"


@pytest.fixture
def questionnaire(org_tree):
    return make_questionnaire(make_system(2025, publish=True))


@pytest.fixture
def client(admin_user):
    return client_for(admin_user)


def first_self() -> Assignment:
    return Assignment.objects.filter(role="self").order_by("pk")[0]


def shown_messages(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def run_action(client, action: str, *questionnaires, **extra):
    data = {"action": action, "_selected_action": [q.pk for q in questionnaires], **extra}
    return client.post(reverse(CHANGELIST), data)


def change_form_data(questionnaire, **question_changes) -> dict:
    """What the change page posts back: the questionnaire and its questions as stored, with changes
    to questions given as {code: {field: value}}."""
    data = {
        "code": questionnaire.code, "title": questionnaire.title, "title_en": questionnaire.title_en,
        "system": questionnaire.system_id, "period": questionnaire.period, "roles": questionnaire.roles,
        "opens_at_0": "", "opens_at_1": "", "closes_at_0": "", "closes_at_1": "", "instructions": "",
        "_save": "保存",
    }  # fmt: skip
    questions = list(questionnaire.questions.order_by("order", "pk"))
    data |= {
        "questions-TOTAL_FORMS": len(questions),
        "questions-INITIAL_FORMS": len(questions),
        "questions-MIN_NUM_FORMS": 0,
        "questions-MAX_NUM_FORMS": 1000,
    }
    for i, question in enumerate(questions):
        row = {
            "id": question.pk, "questionnaire": questionnaire.pk, "order": question.order, "code": question.code,
            "indicator": question.indicator_id or "", "text": question.text, "text_en": question.text_en,
            "type": question.type, "lo": question.lo, "hi": question.hi,
            "labels": json.dumps(question.labels, ensure_ascii=False),
            "reverse": "on" if question.reverse else "", "required": "on" if question.required else "",
        }  # fmt: skip
        row |= question_changes.get(question.code, {})
        data |= {f"questions-{i}-{key}": value for key, value in row.items() if value != ""}
    return data


def test_the_admin_pages_open(client, questionnaire, org_tree):
    create_assignments(questionnaire=questionnaire)
    assignment = first_self()
    save_answers(assignment=assignment, values={"team_q_1": 3})
    response = Response.objects.get()
    pages = [
        reverse(CHANGELIST),
        reverse("admin:surveys_questionnaire_change", args=[questionnaire.pk]),
        reverse("admin:surveys_questionnaire_add"),
        reverse("admin:surveys_assignment_changelist") + "?role__exact=self",
        reverse("admin:surveys_assignment_change", args=[assignment.pk]),
        reverse("admin:surveys_response_changelist") + "?anonymous=no",
        reverse("admin:surveys_response_change", args=[response.pk]),
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url
    listing = client.get(reverse(CHANGELIST)).content.decode()
    assert "Q2025" in listing


def test_assignments_and_responses_are_not_edited_in_the_admin(client, questionnaire, org_tree):
    create_assignments(questionnaire=questionnaire)
    assignment = first_self()
    save_answers(assignment=assignment, values={"team_q_1": 3})
    response = Response.objects.get()
    assert client.get(reverse("admin:surveys_assignment_add")).status_code == 403
    assert client.get(reverse("admin:surveys_response_add")).status_code == 403
    change = client.post(reverse("admin:surveys_assignment_change", args=[assignment.pk]), {"status": "submitted"})
    assert change.status_code == 403
    assert client.post(reverse("admin:surveys_response_delete", args=[response.pk]), {"post": "yes"}).status_code == 403
    assignment.refresh_from_db()
    assert assignment.status == "draft"
    assert Answer.objects.count() == 1


def test_the_assign_action_asks_for_peers_then_creates_the_assignments(client, questionnaire, org_tree):
    page = run_action(client, "generate_assignments", questionnaire)
    assert page.status_code == 200
    html = page.content.decode()
    assert "peers_per_member" in html and "Q2025" in html
    assert not Assignment.objects.exists()

    done = run_action(client, "generate_assignments", questionnaire, apply="1", peers_per_member="1")
    assert done.status_code == 302
    assert Assignment.objects.filter(role="self").count() == 5
    assert Assignment.objects.filter(role="peer", subject__employee_no="1001").count() == 1
    assert "新增评价任务" in shown_messages(done)


def test_the_assign_action_can_limit_to_one_unit(client, questionnaire, org_tree):
    run_action(client, "generate_assignments", questionnaire, apply="1", unit=org_tree["branch_b"].pk)
    assert set(Assignment.objects.values_list("rater__unit__code", flat=True)) == {"B2"}


def test_the_assign_action_shows_the_form_again_on_a_bad_number(client, questionnaire):
    page = run_action(client, "generate_assignments", questionnaire, apply="1", peers_per_member="0")
    assert page.status_code == 200
    assert "errorlist" in page.content.decode()
    assert not Assignment.objects.exists()


def test_open_and_close_actions(client, questionnaire, org_tree):
    questionnaire.status = "draft"
    questionnaire.save()
    run_action(client, "open_selected", questionnaire)
    assert Questionnaire.objects.get(pk=questionnaire.pk).status == "open"
    run_action(client, "close_selected", questionnaire)
    assert Questionnaire.objects.get(pk=questionnaire.pk).status == "closed"


def test_closing_a_draft_is_refused_with_a_message(client, questionnaire):
    questionnaire.status = "draft"
    questionnaire.save()
    response = run_action(client, "close_selected", questionnaire)
    assert "尚未开放" in shown_messages(response)
    assert Questionnaire.objects.get(pk=questionnaire.pk).status == "draft"


def test_changing_the_scale_of_an_answered_question_is_refused_in_the_form(client, questionnaire, org_tree):
    create_assignments(questionnaire=questionnaire)
    save_answers(assignment=first_self(), values={"team_q_1": 3})
    url = reverse("admin:surveys_questionnaire_change", args=[questionnaire.pk])
    response = client.post(url, change_form_data(questionnaire, team_q_1={"hi": 7, "text": "改了"}))
    assert response.status_code == 200
    assert "已有答案" in response.content.decode()
    question = Question.objects.get(code="team_q_1")
    assert (question.hi, question.text) != (7.0, "改了")


def test_the_text_of_an_answered_question_may_change_in_the_form(client, questionnaire, org_tree):
    create_assignments(questionnaire=questionnaire)
    save_answers(assignment=first_self(), values={"team_q_1": 3})
    url = reverse("admin:surveys_questionnaire_change", args=[questionnaire.pk])
    response = client.post(url, change_form_data(questionnaire, team_q_1={"text": "新题干"}, belief_q_1={"hi": 7}))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Question.objects.get(code="team_q_1").text == "新题干"
    assert Question.objects.get(code="belief_q_1").hi == 7.0


def test_an_answered_question_cannot_be_deleted_in_the_form(client, questionnaire, org_tree):
    create_assignments(questionnaire=questionnaire)
    save_answers(assignment=first_self(), values={"team_q_1": 3})
    url = reverse("admin:surveys_questionnaire_change", args=[questionnaire.pk])
    response = client.post(url, change_form_data(questionnaire, team_q_1={"DELETE": "on"}))
    assert response.status_code == 200
    assert "已有答案，不能删除" in response.content.decode()
    assert Question.objects.filter(code="team_q_1").exists()


def test_a_questionnaire_with_answers_cannot_be_deleted_in_the_admin(client, questionnaire, org_tree):
    create_assignments(questionnaire=questionnaire)
    save_answers(assignment=first_self(), values={"team_q_1": 3})
    response = run_action(client, "delete_selected", questionnaire, post="yes")
    assert response.status_code == 403
    assert Questionnaire.objects.filter(pk=questionnaire.pk).exists()


@pytest.fixture
def fake_exports(monkeypatch):
    """The workbook writers belong to another module; here they only record how they were called."""
    calls: list[tuple[Any, ...]] = []
    module = types.ModuleType("surveys.services.exports")

    def masses_forms_workbook(*, questionnaire, unit, copies=1):
        calls.append(("masses", questionnaire.code, unit.code, copies))
        return b"PK-masses"

    def answers_workbook(*, questionnaire, unit=None):
        calls.append(("answers", questionnaire.code, unit))
        return b"PK-answers"

    module.masses_forms_workbook = masses_forms_workbook  # type: ignore[attr-defined]
    module.answers_workbook = answers_workbook  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "surveys.services.exports", module)
    return calls


def test_the_paper_forms_action_asks_for_a_unit_and_downloads_the_workbook(
    client, questionnaire, org_tree, fake_exports
):
    page = run_action(client, "masses_paper_forms", questionnaire)
    assert page.status_code == 200 and "copies" in page.content.decode()
    download = run_action(
        client, "masses_paper_forms", questionnaire, apply="1", unit=org_tree["branch_a"].pk, copies="2"
    )
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in download["Content-Disposition"]
    assert download.content == b"PK-masses"
    assert fake_exports == [("masses", "Q2025", "B1", 2)]


def test_the_answers_export_downloads_one_questionnaire(client, questionnaire, fake_exports):
    download = run_action(client, "export_answers", questionnaire)
    assert download.status_code == 200
    assert download.content == b"PK-answers"
    assert fake_exports == [("answers", "Q2025", None)]


def test_the_exports_take_one_questionnaire_at_a_time(client, questionnaire, fake_exports):
    other = make_questionnaire(questionnaire.system, code="Q2")
    response = run_action(client, "export_answers", questionnaire, other)
    assert response.status_code == 302
    assert "只选择一份" in shown_messages(response)
    assert fake_exports == []
