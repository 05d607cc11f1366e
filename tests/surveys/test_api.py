import pytest

from surveys.models import Answer, Assignment, Question, Questionnaire
from surveys.services.answering import save_answers
from surveys.services.assignments import create_assignments
from tests.conftest import client_for
from tests.factories import make_questionnaire, make_system

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def system(org_tree):
    return make_system(2025, publish=True)


@pytest.fixture
def questionnaire(system, org_tree):
    questionnaire = make_questionnaire(system)
    create_assignments(questionnaire=questionnaire)
    return questionnaire


def all_values(questionnaire, value=4):
    return {q.code: value for q in questionnaire.questions.exclude(type="text")}


def own(org_tree, person, role="self", subject=None):
    member = org_tree[person]
    return Assignment.objects.get(rater=member, role=role, subject=org_tree[subject] if subject else member)


def answers_url(assignment):
    return f"/api/v1/assignments/{assignment.pk}/answers/"


# ── questionnaires: scope ────────────────────────────────────────────────────────────────────────


def test_a_member_sees_only_the_questionnaires_he_is_asked_to_fill_in(questionnaire, system, org_tree):
    other = make_questionnaire(system, code="Q-B2")
    create_assignments(questionnaire=other, unit=org_tree["branch_b"])
    client = client_for(org_tree["member_a"].user)
    listed = client.get("/api/v1/questionnaires/").json()
    assert [row["code"] for row in listed["results"]] == ["Q2025"]
    row = listed["results"][0]
    assert (row["year"], row["period"], row["status"], row["question_count"]) == (2025, "2025", "open", 13)
    assert row["roles"] == ["self", "peer", "secretary", "masses"]
    assert client.get("/api/v1/questionnaires/Q-B2/").status_code == 404
    assert client.get("/api/v1/questionnaires/Q-B2/questions/").status_code == 404


def test_a_secretary_sees_questionnaires_with_assignments_in_his_units_only(system, org_tree):
    in_b = make_questionnaire(system, code="Q-B2")
    create_assignments(questionnaire=in_b, unit=org_tree["branch_b"])
    make_questionnaire(system, code="Q-NONE")
    secretary_a = client_for(org_tree["secretary_a"].user)
    secretary_b = client_for(org_tree["secretary_b"].user)
    assert secretary_a.get("/api/v1/questionnaires/").json()["count"] == 0
    assert secretary_a.get("/api/v1/questionnaires/Q-B2/").status_code == 404
    assert [r["code"] for r in secretary_b.get("/api/v1/questionnaires/").json()["results"]] == ["Q-B2"]


def test_an_administrator_sees_every_questionnaire(admin_user, system):
    make_questionnaire(system, code="Q-A")
    make_questionnaire(system, code="Q-B", status="draft")
    listed = client_for(admin_user).get("/api/v1/questionnaires/?status=draft").json()
    assert [r["code"] for r in listed["results"]] == ["Q-B"]
    assert client_for(admin_user).get("/api/v1/questionnaires/?year=2025").json()["count"] == 2


def test_questions_carry_their_indicator_dimension_and_scale(questionnaire, org_tree):
    client = client_for(org_tree["member_a"].user)
    rows = client.get("/api/v1/questionnaires/Q2025/questions/").json()["results"]
    assert len(rows) == 13
    first, second = rows[0], rows[1]
    assert {k: first[k] for k in ["code", "indicator", "dimension", "type", "lo", "hi", "reverse", "required"]} == {
        "code": "performance_q_1", "indicator": "performance_q", "dimension": "performance", "type": "likert",
        "lo": 1.0, "hi": 5.0, "reverse": False, "required": True,
    }  # fmt: skip
    assert second["reverse"] is True
    assert first["labels"]["5"] == "完全符合"
    assert rows[-1]["code"] == "comment" and rows[-1]["indicator"] is None and rows[-1]["required"] is False
    assert [r["order"] for r in rows] == sorted(r["order"] for r in rows)


# ── questionnaires: writing ──────────────────────────────────────────────────────────────────────


def test_members_and_secretaries_cannot_change_questionnaires(questionnaire, org_tree):
    for person in ("member_a", "secretary_a"):
        client = client_for(org_tree[person].user)
        assert client.patch("/api/v1/questionnaires/Q2025/", {"title": "x"}, content_type=JSON).status_code == 403
        assert client.post("/api/v1/questionnaires/Q2025/close/").status_code == 403
        assert client.post("/api/v1/questionnaires/Q2025/assign/", {}, content_type=JSON).status_code == 403
        body = {"code": "x", "text": "x", "type": "likert"}
        assert client.post("/api/v1/questionnaires/Q2025/questions/", body, content_type=JSON).status_code == 403
    assert Questionnaire.objects.get(code="Q2025").title != "x"


def test_an_administrator_defines_a_questionnaire_and_its_questions(admin_user, system):
    client = client_for(admin_user)
    created = client.post(
        "/api/v1/questionnaires/",
        {"code": "H1", "title": "上半年问卷", "year": 2025, "period": "2025-h1", "roles": ["peer", "self"]},
        content_type=JSON,
    )
    assert created.status_code == 201, created.json()
    assert (created.json()["period"], created.json()["roles"], created.json()["status"]) == (
        "2025-H1", ["self", "peer"], "draft",
    )  # fmt: skip
    question = client.post(
        "/api/v1/questionnaires/H1/questions/",
        {"code": "t1", "indicator": "team_q", "text": "团结协作", "labels": {"1": "很不符合", "5": "完全符合"}},
        content_type=JSON,
    )
    assert question.status_code == 201, question.json()
    assert (question.json()["dimension"], question.json()["order"]) == ("team", 1)
    assert client.post("/api/v1/questionnaires/H1/open/").json()["status"] == "open"
    assert client.post("/api/v1/questionnaires/H1/close/").json()["status"] == "closed"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"period": "2024"}, "年度"),
        ({"roles": ["boss"]}, "未知"),
        ({"roles": []}, ""),
    ],
)
def test_a_questionnaire_with_a_bad_period_or_roles_is_refused(admin_user, system, body, message):
    payload = {"code": "X", "title": "问卷", "year": 2025, "roles": ["self"], **body}
    response = client_for(admin_user).post("/api/v1/questionnaires/", payload, content_type=JSON)
    assert response.status_code == 400
    assert message in str(response.json())
    assert not Questionnaire.objects.filter(code="X").exists()


def test_a_question_may_not_score_a_kpi_and_a_text_question_scores_nothing(admin_user, org_tree):
    from indicators.models import Dimension, Indicator

    draft = make_system(2024)
    Indicator.objects.create(
        system=draft, code="kpi_x", dimension=Dimension.objects.get(key="performance"), name="产量", weight=0,
        source="kpi", floor=0, target=1,
    )  # fmt: skip
    make_questionnaire(draft, code="Q")
    client = client_for(admin_user)
    url = "/api/v1/questionnaires/Q/questions/"
    kpi = client.post(url, {"code": "x", "indicator": "kpi_x", "text": "x"}, content_type=JSON)
    assert kpi.status_code == 400 and "实绩" in kpi.json()["detail"]
    text = client.post(url, {"code": "y", "indicator": "team_q", "text": "x", "type": "text"}, content_type=JSON)
    assert text.status_code == 400 and "文本题" in text.json()["detail"]
    unknown = client.post(url, {"code": "z", "indicator": "nope", "text": "x"}, content_type=JSON)
    assert unknown.status_code == 400 and "indicator" in unknown.json()
    assert not Question.objects.filter(code__in=["x", "y", "z"]).exists()


def test_changing_the_scale_of_an_answered_question_is_refused_but_its_text_may_change(
    questionnaire, org_tree, admin_user
):
    save_answers(assignment=own(org_tree, "member_a"), values={"performance_q_1": 4})
    client = client_for(admin_user)
    url = "/api/v1/questionnaires/Q2025/questions/performance_q_1/"
    for change in ({"hi": 7}, {"reverse": True}, {"type": "number"}, {"indicator": "team_q"}):
        response = client.patch(url, change, content_type=JSON)
        assert response.status_code == 409, change
        assert "已有答案" in response.json()["detail"]
    renamed = client.patch(url, {"text": "新题干", "hi": 5}, content_type=JSON)
    assert renamed.status_code == 200
    question = Question.objects.get(code="performance_q_1")
    assert (question.text, question.hi, question.reverse) == ("新题干", 5.0, False)
    assert client.delete(url).status_code == 409
    assert (
        client.patch("/api/v1/questionnaires/Q2025/questions/team_q_1/", {"hi": 7}, content_type=JSON).status_code
        == 200
    )


def test_a_questionnaire_with_answers_cannot_be_deleted(questionnaire, org_tree, admin_user):
    save_answers(assignment=own(org_tree, "member_a"), values={"performance_q_1": 4})
    response = client_for(admin_user).delete("/api/v1/questionnaires/Q2025/")
    assert response.status_code == 409
    assert Questionnaire.objects.filter(code="Q2025").exists()


# ── actions ──────────────────────────────────────────────────────────────────────────────────────


def test_assign_creates_the_missing_assignments_once(admin_user, system, org_tree):
    make_questionnaire(system, code="Q")
    client = client_for(admin_user)
    first = client.post("/api/v1/questionnaires/Q/assign/", {"unit": "B2"}, content_type=JSON).json()
    assert first == {"created": {"self": 2, "secretary": 1, "peer": 1}, "total_created": 4, "existing": 0}
    whole = client.post("/api/v1/questionnaires/Q/assign/", {"peers_per_member": 1}, content_type=JSON).json()
    assert whole["existing"] == 4
    assert Assignment.objects.filter(questionnaire__code="Q", role="peer", subject__employee_no="1001").count() == 1
    again = client.post("/api/v1/questionnaires/Q/assign/", {"peers_per_member": 1}, content_type=JSON).json()
    assert again["total_created"] == 0
    assert client.post("/api/v1/questionnaires/Q/assign/", {"unit": "NOPE"}, content_type=JSON).status_code == 404
    assert (
        client.post("/api/v1/questionnaires/Q/assign/", {"peers_per_member": 0}, content_type=JSON).status_code == 400
    )


def test_opening_needs_questions_and_closing_needs_an_opened_questionnaire(admin_user, system):
    client = client_for(admin_user)
    client.post(
        "/api/v1/questionnaires/", {"code": "E", "title": "空", "year": 2025, "roles": ["self"]}, content_type=JSON
    )
    assert client.post("/api/v1/questionnaires/E/close/").status_code == 400
    refused = client.post("/api/v1/questionnaires/E/open/")
    assert refused.status_code == 400 and "题目" in refused.json()["detail"]
    assert Questionnaire.objects.get(code="E").status == "draft"


def test_a_secretary_reminds_the_unfinished_raters_of_his_branch_only(questionnaire, org_tree):
    save_answers(assignment=own(org_tree, "member_a"), values=all_values(questionnaire), submit=True)
    client = client_for(org_tree["secretary_a"].user)
    reminded = client.post("/api/v1/questionnaires/Q2025/remind/", {"unit": "B1"}, content_type=JSON)
    assert reminded.json() == {"reminded": 8}
    marked = Assignment.objects.filter(reminded_at__isnull=False)
    assert set(marked.values_list("rater__unit__code", flat=True)) == {"B1", "G1"}
    assert not marked.filter(status="submitted").exists()
    assert client.post("/api/v1/questionnaires/Q2025/remind/", {"unit": "B2"}, content_type=JSON).status_code == 404
    assert client.post("/api/v1/questionnaires/Q2025/remind/", {}, content_type=JSON).json() == {"reminded": 8}
    member = client_for(org_tree["member_a"].user)
    assert member.post("/api/v1/questionnaires/Q2025/remind/", {}, content_type=JSON).status_code == 404


def test_an_administrator_reminds_everybody_unfinished(questionnaire, admin_user):
    response = client_for(admin_user).post("/api/v1/questionnaires/Q2025/remind/", {}, content_type=JSON)
    assert response.json() == {"reminded": 13}


# ── completion ───────────────────────────────────────────────────────────────────────────────────


def test_a_secretary_sees_completion_counts_in_his_branch_but_not_another(questionnaire, org_tree):
    save_answers(assignment=own(org_tree, "member_a"), values=all_values(questionnaire), submit=True)
    save_answers(assignment=own(org_tree, "member_group_a"), values={"performance_q_1": 2})
    client = client_for(org_tree["secretary_a"].user)
    response = client.get("/api/v1/questionnaires/Q2025/completion/?unit=B1")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == {"total": 9, "submitted": 1, "draft": 1, "pending": 7, "rate": pytest.approx(1 / 9)}
    assert [u["code"] for u in body["units"]] == ["B1", "G1"]
    assert body["units"][1]["counts"]["draft"] == 1
    by_member = {m["employee_no"]: m["counts"] for m in body["members"]}
    assert by_member["1002"] == {"total": 3, "submitted": 1, "draft": 0, "pending": 2, "rate": pytest.approx(1 / 3)}
    assert {m["employee_no"] for m in body["unfinished"]} == {"1001", "1002", "1003"}
    # Counts only: nothing says whom anybody rated nor what he answered.
    text = response.content.decode()
    assert "subject" not in text and "answers" not in text and "value" not in text
    assert client.get("/api/v1/questionnaires/Q2025/completion/").json()["total"]["total"] == 9
    assert client.get("/api/v1/questionnaires/Q2025/completion/?unit=B2").status_code == 404


def test_members_get_no_completion_and_administrators_get_all(questionnaire, org_tree, admin_user):
    member = client_for(org_tree["member_a"].user)
    assert member.get("/api/v1/questionnaires/Q2025/completion/").status_code == 404
    assert member.get("/api/v1/questionnaires/Q2025/completion/?unit=B1").status_code == 404
    body = client_for(admin_user).get("/api/v1/questionnaires/Q2025/completion/").json()
    assert body["total"]["total"] == 13
    assert [u["code"] for u in body["units"]] == ["C1", "B1", "G1", "B2"]
    assert body["units"][0]["raters"] == 5


# ── my assignments and answers ───────────────────────────────────────────────────────────────────


def test_a_member_lists_his_own_assignments_self_first(questionnaire, org_tree):
    client = client_for(org_tree["member_a"].user)
    rows = client.get("/api/v1/assignments/").json()["results"]
    assert [(r["role"], r["subject"]) for r in rows] == [("self", "1002"), ("peer", "1001"), ("peer", "1003")]
    first = rows[0]
    assert {k: first[k] for k in ["questionnaire", "period", "status", "open", "submitted_at"]} == {
        "questionnaire": "Q2025", "period": "2025", "status": "pending", "open": True, "submitted_at": None,
    }  # fmt: skip
    assert first["progress"] == {"answered": 0, "required": 12}
    assert first["subject_name"] == org_tree["member_a"].name
    assert client.get("/api/v1/assignments/?role=peer").json()["count"] == 2


def test_even_an_administrator_sees_only_his_own_assignments(questionnaire, admin_user):
    assert client_for(admin_user).get("/api/v1/assignments/").json()["count"] == 0


def test_another_persons_assignment_is_not_found(questionnaire, org_tree, admin_user):
    theirs = own(org_tree, "member_b")
    for user in (org_tree["member_a"].user, org_tree["secretary_b"].user, admin_user):
        client = client_for(user)
        assert client.get(f"/api/v1/assignments/{theirs.pk}/").status_code == 404
        assert client.get(answers_url(theirs)).status_code == 404
        body = {"answers": {"performance_q_1": 1}}
        assert client.put(answers_url(theirs), body, content_type=JSON).status_code == 404
    assert not Answer.objects.exists()


def test_a_member_saves_a_draft_resumes_it_and_submits(questionnaire, org_tree):
    assignment = own(org_tree, "member_a")
    client = client_for(org_tree["member_a"].user)
    url = answers_url(assignment)

    empty = client.get(url).json()
    assert empty == {"version": "", "status": "pending", "read_only": False, "answers": {}}

    draft = client.put(url, {"answers": {"performance_q_1": 4, "comment": "好"}, "version": ""}, content_type=JSON)
    assert draft.status_code == 200, draft.json()
    assert draft.json()["status"] == "draft"
    shown = client.get(url).json()
    assert shown["answers"] == {"performance_q_1": 4, "comment": "好"}
    assert shown["version"] != ""
    progress = client.get("/api/v1/assignments/").json()["results"][0]["progress"]
    assert progress == {"answered": 1, "required": 12}

    values = all_values(questionnaire)
    del values["belief_q_2"]
    missing = client.post(url, {"answers": values, "version": shown["version"]}, content_type=JSON)
    assert missing.status_code == 400
    assert list(missing.json()["errors"]) == ["belief_q_2"]
    assert "必答" in missing.json()["errors"]["belief_q_2"]

    values["belief_q_2"] = 3
    done = client.post(url, {"answers": values, "version": shown["version"]}, content_type=JSON)
    assert done.status_code == 200, done.json()
    assert (done.json()["status"], done.json()["read_only"]) == ("submitted", True)
    assert done.json()["answers"]["belief_q_2"] == 3

    late = client.put(url, {"answers": {"performance_q_1": 1}}, content_type=JSON)
    assert late.status_code == 409
    assert Answer.objects.get(question__code="performance_q_1").value == 4


def test_a_stale_form_is_refused(questionnaire, org_tree):
    url = answers_url(own(org_tree, "member_a"))
    client = client_for(org_tree["member_a"].user)
    first = client.put(url, {"answers": {"performance_q_1": 4}, "version": ""}, content_type=JSON).json()
    second = client.put(url, {"answers": {"performance_q_1": 5}, "version": first["version"]}, content_type=JSON)
    assert second.status_code == 200
    stale = client.put(url, {"answers": {"performance_q_1": 1}, "version": first["version"]}, content_type=JSON)
    assert stale.status_code == 409
    assert "刷新" in stale.json()["detail"]
    assert Answer.objects.get(question__code="performance_q_1").value == 5


def test_a_value_off_the_scale_is_reported_under_its_question_code(questionnaire, org_tree):
    url = answers_url(own(org_tree, "member_a"))
    response = client_for(org_tree["member_a"].user).put(
        url, {"answers": {"team_q_1": 9, "nope": 1}}, content_type=JSON
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"team_q_1", "nope"}
    assert "超出" in response.json()["errors"]["team_q_1"]


def test_answers_of_a_closed_questionnaire_are_read_only(questionnaire, org_tree):
    questionnaire.status = "closed"
    questionnaire.save()
    assignment = own(org_tree, "member_a")
    client = client_for(org_tree["member_a"].user)
    assert client.get(answers_url(assignment)).json()["read_only"] is True
    assert client.get("/api/v1/assignments/").json()["results"][0]["open"] is False
    response = client.put(answers_url(assignment), {"answers": {"team_q_1": 3}}, content_type=JSON)
    assert response.status_code == 409


def test_a_peer_rater_answers_only_through_his_own_assignment(questionnaire, org_tree):
    peer = own(org_tree, "member_a", role="peer", subject="member_group_a")
    client = client_for(org_tree["member_a"].user)
    response = client.post(answers_url(peer), {"answers": all_values(questionnaire, 2)}, content_type=JSON)
    assert response.status_code == 200
    # The subject sees nothing of it: his own list holds only his own assignments as rater.
    subject = client_for(org_tree["member_group_a"].user)
    assert subject.get(answers_url(peer)).status_code == 404
    assert {row["id"] for row in subject.get("/api/v1/assignments/").json()["results"]}.isdisjoint({peer.pk})
