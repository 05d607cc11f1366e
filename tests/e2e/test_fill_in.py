from pathlib import Path

import pytest

from surveys.models import Assignment, AssignmentStatus
from surveys.services.answering import current_answers
from surveys.services.assignments import create_assignments
from tests.e2e.conftest import PHONE, log_in
from tests.factories import make_questionnaire, make_system

# The live server reads the database from another thread, so each test commits for real; the
# migrations' rows (dimensions, categories) are put back before each test (serialized rollback).
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Hongqi-2025-piao"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def tap_answer(page, question, value):
    page.locator(f'label.scale__option:has(input[name="q_{question.pk}"][value="{value}"]) .scale__face').tap()


def test_a_member_fills_in_his_self_assessment_on_a_phone(live_server, phone_page, org_tree, tmp_path):
    member = org_tree["member_a"]
    member.user.set_password(PASSWORD)
    member.user.save()
    questionnaire = make_questionnaire(make_system(2025, publish=True), roles=("self", "peer"))
    create_assignments(questionnaire=questionnaire)
    likert = list(questionnaire.questions.filter(type="likert").order_by("order"))
    chosen = {q.code: 1 + (n % 5) for n, q in enumerate(likert)}
    page = phone_page

    log_in(page, live_server, "1002", PASSWORD)
    page.locator('.task[data-role="self"] .task__link').click()
    page.wait_for_selector(".survey-bar")
    for question in likert[:3]:
        tap_answer(page, question, chosen[question.code])
    assert "已答 3 / 13" in page.locator(".survey-bar__count").inner_text()  # kept up to date by the script
    page.locator(".survey-bar button[value=save]").tap()
    page.wait_for_selector(".message--success")
    assert "草稿已保存" in page.locator(".messages").inner_text()

    page.locator(".breadcrumbs a", has_text="首页").click()
    self_task = page.locator('.task[data-role="self"]')
    assert "已答 3 / 13 题" in self_task.inner_text()
    assert "草稿" in self_task.inner_text()

    self_task.locator(".task__link").click()
    page.wait_for_selector(".survey-bar")
    for question in likert[:3]:
        assert page.locator(f'input[name="q_{question.pk}"][value="{chosen[question.code]}"]').is_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    face = page.locator(".scale__face").first.bounding_box()
    assert face["height"] >= 44 and face["width"] >= 44
    shot = Path(tmp_path) / "question-page-phone.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.read_bytes()[:8] == PNG_SIGNATURE

    for question in likert[3:]:
        tap_answer(page, question, chosen[question.code])
    page.fill("textarea", "希望多组织专题学习")
    page.locator(".survey-bar [data-open-confirm]").tap()
    dialog = page.locator("#confirm-submit")
    dialog.wait_for(state="visible")
    assert "提交后答案不能再修改" in dialog.inner_text()
    dialog.locator("button[value=submit]").tap()

    page.wait_for_selector('.survey-state[data-state="submitted"]')
    assert "已提交" in page.locator(".survey-state").inner_text()
    assert page.locator(".survey-bar").count() == 0
    assert page.locator("input[type=radio]:enabled, textarea:enabled").count() == 0
    page.screenshot(path=str(Path(tmp_path) / "read-only-phone.png"), full_page=True)

    assignment = Assignment.objects.get(questionnaire=questionnaire, rater=member, role="self")
    assert assignment.status == AssignmentStatus.SUBMITTED
    stored = current_answers(assignment)
    assert {code: stored[code].value for code in chosen} == {code: float(v) for code, v in chosen.items()}
    assert stored["comment"].text == "希望多组织专题学习"
