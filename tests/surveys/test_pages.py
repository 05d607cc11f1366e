import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from surveys.models import Answer, Assignment, AssignmentStatus, QuestionnaireStatus, Response
from surveys.services.answering import current_answers, response_for, response_version, save_answers
from surveys.services.assignments import create_assignments
from tests.conftest import client_for
from tests.factories import MemberFactory, make_questionnaire, make_system

pytestmark = pytest.mark.django_db

QUESTIONS = 13  # six indicators × two likert questions, plus the optional comment


@pytest.fixture
def questionnaire(org_tree):
    questionnaire = make_questionnaire(make_system(2025, publish=True), roles=("self", "peer", "secretary"))
    create_assignments(questionnaire=questionnaire)
    return questionnaire


def own(member, questionnaire, role="self", subject=None):
    return Assignment.objects.get(questionnaire=questionnaire, rater=member, role=role, subject=subject or member)


def page_of(assignment):
    return reverse("surveys:fill-in", args=[assignment.pk])


def text_of(response) -> str:
    return response.content.decode()


def field(questionnaire, code):
    return f"q_{questionnaire.questions.get(code=code).pk}"


def form_data(questionnaire, values, *, action="save", version=None):
    data = {field(questionnaire, code): str(value) for code, value in values.items()}
    data["action"] = action
    if version is not None:
        data["version"] = version
    return data


def every_answer(questionnaire, value=4):
    return {q.code: value for q in questionnaire.questions.exclude(type="text")}


def found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match is not None, pattern
    return match.group(1)


def checked_values(page: str, name: str) -> list[str]:
    tags = re.findall(rf'<input type="radio" name="{name}"[^>]*>', page)
    return [found(r'value="([^"]*)"', tag) for tag in tags if " checked" in tag]


def answer_inputs(page: str) -> list[str]:
    return re.findall(r'<(?:input|textarea)[^>]*name="q_\d+"[^>]*>', page)


# ── home ─────────────────────────────────────────────────────────────────────────────────────────


def test_home_lists_the_members_assignments_self_first_with_progress(org_tree, questionnaire):
    secretary = org_tree["secretary_a"]
    save_answers(
        assignment=own(secretary, questionnaire), values={"performance_q_1": 4, "team_q_2": 2, "belief_q_1": 5}
    )

    page = text_of(client_for(secretary.user).get(reverse("home")))

    roles = re.findall(r'data-role="(\w+)"', page)
    assert roles == ["self", "secretary", "secretary"]
    assert "我的问卷" in page and "2025年党员模范力问卷" in page
    self_row = page.split('data-role="self"', 1)[1].split("</li>", 1)[0]
    assert f"已答 3 / {QUESTIONS} 题" in self_row
    assert 'style="width: 23%"' in self_row  # 3 of 13
    assert "草稿" in self_row
    secretary_rows = page.split('data-role="secretary"', 1)[1]
    assert org_tree["member_a"].name in secretary_rows


def test_a_member_sees_whom_he_rates_as_a_peer_after_his_self_assessment(org_tree, questionnaire):
    page = text_of(client_for(org_tree["member_a"].user).get(reverse("home")))

    assert re.findall(r'data-role="(\w+)"', page) == ["self", "peer", "peer"]
    assert f"评价 {org_tree['member_group_a'].name}" in page


def test_submitted_assignments_are_folded_under_done_with_the_self_check_link(org_tree, questionnaire):
    member = org_tree["member_a"]
    assignment = own(member, questionnaire)
    save_answers(assignment=assignment, values=every_answer(questionnaire), submit=True)

    page = text_of(client_for(member.user).get(reverse("home")))

    done = page.split('class="task-done"', 1)[1]
    assert f'data-assignment="{assignment.pk}"' in done
    assert f'data-assignment="{assignment.pk}"' not in page.split('class="task-done"', 1)[0]
    assert reverse("surveys:self-check", args=[questionnaire.code]) in done


def test_the_home_page_costs_the_same_queries_however_many_assignments(org_tree, questionnaire):
    member = org_tree["member_a"]
    client = client_for(member.user)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    for n in range(5):
        MemberFactory(employee_no=f"10{n + 50}", unit=org_tree["branch_a"])
    create_assignments(questionnaire=questionnaire)
    second = make_questionnaire(questionnaire.system, code="Q2025-2", roles=("self", "peer"))
    create_assignments(questionnaire=second)
    with CaptureQueriesContext(connection) as many:
        page = text_of(client.get(reverse("home")))

    assert page.count('data-role="peer"') == 2 * 7  # the secretary, 1003 and five new members, twice
    assert len(many) == len(few)


# ── the question page ────────────────────────────────────────────────────────────────────────────


def test_the_question_page_groups_questions_by_dimension_with_labelled_tap_targets(org_tree, questionnaire):
    assignment = own(org_tree["member_a"], questionnaire)

    page = text_of(client_for(org_tree["member_a"].user).get(page_of(assignment)))

    titles = re.findall(r'<h2 class="survey-section__title"[^>]*>([^<]+)</h2>', page)
    assert titles == ["绩效", "执行", "智慧", "文化", "团队", "信仰", "其他"]
    assert page.count('type="radio"') == 12 * 5
    assert "很不符合" in page and "完全符合" in page
    assert page.count('class="required" title=') == 12  # the comment is optional
    assert 'name="version" value=""' in page
    assert 'name="action" value="save"' in page and 'name="action" value="submit"' in page


def test_a_draft_keeps_partial_answers_and_the_page_shows_them_on_return(org_tree, questionnaire):
    member = org_tree["member_a"]
    assignment = own(member, questionnaire)
    client = client_for(member.user)
    version = response_version(response_for(assignment))

    response = client.post(
        page_of(assignment), form_data(questionnaire, {"performance_q_1": 4, "team_q_2": 2}, version=version)
    )

    assert response.status_code == 302 and response["Location"] == page_of(assignment)
    stored = current_answers(assignment)
    assert {code: v.value for code, v in stored.items()} == {"performance_q_1": 4, "team_q_2": 2}
    assert Assignment.objects.get(pk=assignment.pk).status == AssignmentStatus.DRAFT
    page = text_of(client.get(page_of(assignment)))
    assert "草稿已保存" in page
    assert checked_values(page, field(questionnaire, "performance_q_1")) == ["4"]
    assert checked_values(page, field(questionnaire, "team_q_2")) == ["2"]
    assert checked_values(page, field(questionnaire, "team_q_1")) == []
    assert f"已答 2 / {QUESTIONS}" in page
    assert f'name="version" value="{response_version(response_for(assignment))}"' in page


def test_submit_with_a_missing_required_question_shows_its_error_and_keeps_the_values(org_tree, questionnaire):
    member = org_tree["member_a"]
    assignment = own(member, questionnaire)
    values = every_answer(questionnaire, 3)
    del values["belief_q_2"]
    values["comment"] = "多组织学习"

    response = client_for(member.user).post(
        page_of(assignment), form_data(questionnaire, values, action="submit", version="")
    )

    assert response.status_code == 200
    page = text_of(response)
    anchor = f"q-{questionnaire.questions.get(code='belief_q_2').pk}"
    assert f'href="#{anchor}"' in page  # the summary links to the question
    failing = page.split(f'id="{anchor}"', 1)[1].split('class="question ', 1)[0]
    assert "此题必答" in failing
    assert "this question is required" not in failing  # the Chinese half of the bilingual message
    assert checked_values(page, field(questionnaire, "performance_q_1")) == ["3"]
    assert "多组织学习" in page
    assert Answer.objects.count() == 0
    assert Assignment.objects.get(pk=assignment.pk).status == AssignmentStatus.PENDING


def test_a_complete_submit_redirects_to_a_read_only_page(org_tree, questionnaire):
    member = org_tree["member_a"]
    assignment = own(member, questionnaire)
    client = client_for(member.user)

    response = client.post(
        page_of(assignment), form_data(questionnaire, every_answer(questionnaire, 5), action="submit", version="")
    )

    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.SUBMITTED
    page = text_of(client.get(page_of(assignment)))
    assert "已提交，感谢您的填写" in page
    assert "提交时间" in page
    inputs = answer_inputs(page)
    assert len(inputs) == QUESTIONS * 1 + 12 * 4  # every radio and the comment box
    assert all(" disabled" in tag for tag in inputs)
    assert 'name="action"' not in page
    assert checked_values(page, field(questionnaire, "wisdom_q_1")) == ["5"]
    assert reverse("surveys:self-check", args=[questionnaire.code]) in page


def test_posting_again_after_submit_changes_nothing_and_says_already_submitted(org_tree, questionnaire):
    member = org_tree["member_a"]
    assignment = own(member, questionnaire)
    client = client_for(member.user)
    data = form_data(questionnaire, every_answer(questionnaire, 4), action="submit", version="")
    client.post(page_of(assignment), data)
    stored = current_answers(assignment)

    repeated = client.post(page_of(assignment), data, follow=True)  # a double click or a resent POST
    changed = client.post(
        page_of(assignment), form_data(questionnaire, {"performance_q_1": 1}, action="save", version=""), follow=True
    )

    assert repeated.status_code == 200 and changed.status_code == 200
    assert "已提交" in text_of(repeated).split('class="messages"', 1)[1].split("</ul>", 1)[0]
    assert "已提交" in text_of(changed).split('class="messages"', 1)[1].split("</ul>", 1)[0]
    assert current_answers(assignment) == stored
    assert Response.objects.count() == 1


def test_a_stale_form_is_refused_and_the_stored_answers_are_shown(org_tree, questionnaire):
    member = org_tree["member_a"]
    assignment = own(member, questionnaire)
    client = client_for(member.user)
    save_answers(assignment=assignment, values={"performance_q_1": 2})
    loaded = response_version(response_for(assignment))
    save_answers(assignment=assignment, values={"performance_q_1": 5}, version=loaded)  # another tab

    response = client.post(
        page_of(assignment), form_data(questionnaire, {"performance_q_1": 1}, version=loaded), follow=True
    )

    page = text_of(response)
    assert "已在其他窗口保存，请刷新" in page
    assert current_answers(assignment)["performance_q_1"].value == 5
    assert checked_values(page, field(questionnaire, "performance_q_1")) == ["5"]
    assert f'name="version" value="{response_version(response_for(assignment))}"' in page


def test_a_closed_questionnaire_is_shown_read_only(org_tree, questionnaire):
    member = org_tree["member_a"]
    assignment = own(member, questionnaire)
    save_answers(assignment=assignment, values={"performance_q_1": 3})
    questionnaire.status = QuestionnaireStatus.CLOSED
    questionnaire.save()
    client = client_for(member.user)

    page = text_of(client.get(page_of(assignment)))
    refused = client.post(page_of(assignment), form_data(questionnaire, {"performance_q_1": 1}), follow=True)

    assert "问卷已截止" in page
    assert all(" disabled" in tag for tag in answer_inputs(page))
    assert 'name="action"' not in page
    assert checked_values(page, field(questionnaire, "performance_q_1")) == ["3"]
    assert "未开放或已截止" in text_of(refused)
    assert current_answers(assignment)["performance_q_1"].value == 3


def test_another_members_assignment_is_not_found(org_tree, questionnaire, admin_user):
    theirs = own(org_tree["member_b"], questionnaire)

    assert client_for(org_tree["member_a"].user).get(page_of(theirs)).status_code == 404
    assert client_for(org_tree["secretary_b"].user).get(page_of(theirs)).status_code == 404
    assert client_for(admin_user).get(page_of(theirs)).status_code == 404
    posted = client_for(org_tree["member_a"].user).post(page_of(theirs), form_data(questionnaire, {"team_q_1": 1}))
    assert posted.status_code == 404
    assert Answer.objects.count() == 0


def test_the_question_page_speaks_english_after_switching(org_tree, questionnaire):
    member = org_tree["member_a"]
    client = client_for(member.user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    page = text_of(client.get(page_of(own(member, questionnaire))))

    assert "Save draft" in page and "Performance" in page


# ── self-check ───────────────────────────────────────────────────────────────────────────────────


def test_the_self_check_waits_for_the_submitted_self_assessment(org_tree, questionnaire):
    member = org_tree["member_a"]
    save_answers(assignment=own(member, questionnaire), values={"performance_q_1": 4})

    page = text_of(client_for(member.user).get(reverse("surveys:self-check", args=[questionnaire.code])))

    assert "提交自评问卷之后开放" in page
    assert "data-indicator-score" not in page


def test_the_self_check_shows_each_dimension_with_the_self_score_reverse_keys_applied(org_tree, questionnaire):
    member = org_tree["member_a"]
    values = every_answer(questionnaire, 3)
    # performance: 4 → 75; reverse-keyed 4 → 1+5−4 = 2 → 25; mean 50.0
    values |= {"performance_q_1": 4, "performance_q_2": 4}
    # belief: 3 → 50; reverse-keyed 1 → 5 → 100; mean 75.0
    values |= {"belief_q_1": 3, "belief_q_2": 1}
    save_answers(assignment=own(member, questionnaire), values=values, submit=True)

    page = text_of(client_for(member.user).get(reverse("surveys:self-check", args=[questionnaire.code])))

    sections = re.findall(r'data-dimension="(\w+)"', page)
    assert sections == ["performance", "execution", "wisdom", "culture", "team", "belief"]
    performance = page.split('data-dimension="performance"', 1)[1].split('data-dimension="execution"', 1)[0]
    belief = page.split('data-dimension="belief"', 1)[1]
    assert re.search(r"data-indicator-score>[^<]*<b>50\.0</b>", performance)
    assert re.search(r"data-dimension-score>[^<]*<b>50\.0</b>", performance)
    assert re.search(r"data-indicator-score>[^<]*<b>75\.0</b>", belief)
    assert "反向计分" in performance
    assert "→ 25.0" in performance and "→ 75.0" in performance
    assert "维度内权重 1" in performance


def test_the_self_check_is_only_for_a_member_with_a_self_assignment(org_tree, questionnaire, admin_user):
    other = make_questionnaire(questionnaire.system, code="Q-PEER", roles=("peer",))
    create_assignments(questionnaire=other)

    assert client_for(org_tree["member_a"].user).get(reverse("surveys:self-check", args=["Q-PEER"])).status_code == 404
    assert client_for(admin_user).get(reverse("surveys:self-check", args=[questionnaire.code])).status_code == 404


# ── completion ───────────────────────────────────────────────────────────────────────────────────


def completion_url(questionnaire, unit=None):
    url = reverse("surveys:completion", args=[questionnaire.code])
    return f"{url}?unit={unit}" if unit else url


def count_of(page: str, name: str) -> str:
    return found(rf'data-count="{name}">([^<]*)<', page)


def test_the_completion_page_counts_the_branch_by_status(org_tree, questionnaire):
    member = org_tree["member_a"]
    save_answers(assignment=own(member, questionnaire), values=every_answer(questionnaire), submit=True)
    save_answers(assignment=own(member, questionnaire, "peer", org_tree["member_group_a"]), values={"team_q_1": 4})

    page = text_of(client_for(org_tree["secretary_a"].user).get(completion_url(questionnaire, "B1")))

    # B1: three selves, two secretary ratings, four peer ratings
    assert [count_of(page, n) for n in ("total", "submitted", "draft", "pending", "rate")] == [
        "9",
        "1",
        "1",
        "7",
        "11%",
    ]
    row = page.split('data-member="1002"', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'class="num[^"]*">([^<]*)<', row) == ["3", "1", "1", "1", "33%"]
    assert 'data-member="2002"' not in page
    assert 'data-unit="G1"' in page


def test_the_completion_page_sorts_members_by_pending(org_tree, questionnaire):
    save_answers(
        assignment=own(org_tree["secretary_a"], questionnaire), values=every_answer(questionnaire), submit=True
    )
    client = client_for(org_tree["secretary_a"].user)

    by_pending = text_of(client.get(completion_url(questionnaire) + "?sort=pending"))

    members = re.findall(r'data-member="(\d+)"', by_pending)
    assert members[-1] == "1001"  # two left, the others three
    assert set(members) == {"1001", "1002", "1003"}


def test_the_completion_page_is_not_for_another_branch_nor_for_plain_members(org_tree, questionnaire, admin_user):
    assert client_for(org_tree["secretary_b"].user).get(completion_url(questionnaire, "B1")).status_code == 404
    assert client_for(org_tree["secretary_b"].user).get(completion_url(questionnaire, "C1")).status_code == 404
    assert client_for(org_tree["member_a"].user).get(completion_url(questionnaire)).status_code == 404
    assert client_for(org_tree["member_a"].user).post(completion_url(questionnaire)).status_code == 404
    everyone = text_of(client_for(admin_user).get(completion_url(questionnaire)))
    assert count_of(everyone, "total") == "13"  # B1's nine, and B2: two selves, one secretary, one peer
    assert 'data-member="2002"' in everyone


def test_the_completion_page_shows_counts_but_never_answers_nor_peer_pairs(org_tree, questionnaire):
    member = org_tree["member_a"]
    save_answers(assignment=own(member, questionnaire), values=every_answer(questionnaire) | {"comment": "机密意见"})

    page = text_of(client_for(org_tree["secretary_a"].user).get(completion_url(questionnaire, "B1")))

    assert "机密意见" not in page
    row = page.split('data-member="1002"', 1)[1].split("</tr>", 1)[0]
    assert org_tree["member_group_a"].name not in row and org_tree["secretary_a"].name not in row


def test_the_remind_button_marks_exactly_the_units_unfinished_assignments(org_tree, questionnaire):
    member = org_tree["member_a"]
    save_answers(assignment=own(member, questionnaire), values=every_answer(questionnaire), submit=True)
    client = client_for(org_tree["secretary_a"].user)

    response = client.post(completion_url(questionnaire), {"unit": "B1"}, follow=True)

    reminded = Assignment.objects.filter(reminded_at__isnull=False)
    expected = Assignment.objects.filter(rater__unit__code__in=["B1", "G1"]).exclude(status=AssignmentStatus.SUBMITTED)
    assert set(reminded) == set(expected) and len(expected) == 8
    assert "已提醒 3 人，共 8 项" in text_of(response)
    assert response.redirect_chain[-1][0] == completion_url(questionnaire, "B1")
    home = text_of(client_for(member.user).get(reverse("home")))
    assert "党组织提醒您" in home
    other_home = text_of(client_for(org_tree["member_b"].user).get(reverse("home")))
    assert "党组织提醒您" not in other_home


def test_the_remind_button_refuses_a_unit_outside_the_secretarys_scope(org_tree, questionnaire):
    response = client_for(org_tree["secretary_a"].user).post(completion_url(questionnaire), {"unit": "B2"})

    assert response.status_code == 404
    assert not Assignment.objects.filter(reminded_at__isnull=False).exists()


def test_a_member_reminded_but_finished_sees_no_notice(org_tree, questionnaire):
    member = org_tree["member_group_a"]
    client_for(org_tree["secretary_a"].user).post(completion_url(questionnaire), {"unit": "G1"})
    for assignment in Assignment.objects.filter(rater=member):
        save_answers(assignment=assignment, values=every_answer(questionnaire), submit=True)

    home = text_of(client_for(member.user).get(reverse("home")))

    assert "党组织提醒您" not in home


def test_the_secretarys_home_links_the_completion_page_of_open_questionnaires(org_tree, questionnaire):
    closed = make_questionnaire(questionnaire.system, code="Q-OLD", status="closed")
    create_assignments(questionnaire=closed)

    secretary_home = text_of(client_for(org_tree["secretary_a"].user).get(reverse("home")))
    member_home = text_of(client_for(org_tree["member_a"].user).get(reverse("home")))

    assert completion_url(questionnaire) in secretary_home
    assert "已提交 0 / 9" in secretary_home
    assert completion_url(closed) not in secretary_home
    assert completion_url(questionnaire) not in member_home
