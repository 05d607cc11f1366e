from datetime import timedelta
from io import BytesIO, StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from common.errors import DomainError
from org.models import ActivationCode, Member, MemberStatus
from org.services.activation import (
    CODE_ALPHABET,
    CODE_LENGTH,
    INVALID_CODE_MESSAGE,
    PasswordRejected,
    activate_account,
    activation_sheet,
    issue_activation_codes,
    reset_account,
)
from tests.factories import MemberFactory

GOOD_PASSWORD = "Hongqi-2025-piao"


def codes_by_employee_no(codes):
    return {member.employee_no: code for member, code in codes}


def test_codes_go_to_exactly_the_members_of_the_units_subtree(org_tree, admin_user):
    codes = issue_activation_codes(unit=org_tree["branch_a"], issued_by=admin_user)

    assert set(codes_by_employee_no(codes)) == {"1001", "1002", "1003"}


def test_codes_are_typable_and_only_their_hash_is_stored(org_tree, admin_user):
    codes = issue_activation_codes(unit=org_tree["group_a"], issued_by=admin_user)

    [(member, code)] = codes
    assert len(code) == CODE_LENGTH
    assert set(code) <= set(CODE_ALPHABET)
    assert not set(code) & set("0O1I")
    record = ActivationCode.objects.get(member=member)
    assert code not in record.code_hash
    assert record.issued_by == admin_user
    assert timedelta(days=13) < record.expires_at - timezone.now() <= timedelta(days=14)


def test_members_who_already_have_a_password_get_no_code_unless_asked(org_tree, admin_user):
    activated = org_tree["member_a"].user
    activated.set_password(GOOD_PASSWORD)
    activated.save()

    default = codes_by_employee_no(issue_activation_codes(unit=org_tree["branch_a"], issued_by=admin_user))
    everyone = codes_by_employee_no(
        issue_activation_codes(unit=org_tree["branch_a"], issued_by=admin_user, include_active=True)
    )

    assert "1002" not in default
    assert "1002" in everyone


def test_members_who_left_get_no_code(org_tree, admin_user):
    org_tree["member_b"].status = MemberStatus.LEFT
    org_tree["member_b"].save()

    codes = issue_activation_codes(unit=org_tree["branch_b"], issued_by=admin_user)

    assert set(codes_by_employee_no(codes)) == {"2001"}


def test_members_without_an_account_get_one_with_their_code(org_tree, admin_user):
    MemberFactory(employee_no="1009", unit=org_tree["group_a"], with_account=False)

    codes = issue_activation_codes(unit=org_tree["group_a"], issued_by=admin_user)

    member = Member.objects.select_related("user").get(employee_no="1009")
    assert member.user is not None and member.user.username == "1009"
    assert "1009" in codes_by_employee_no(codes)


def test_activation_sets_the_password_and_uses_up_the_code(org_tree, admin_user):
    code = codes_by_employee_no(issue_activation_codes(unit=org_tree["branch_a"], issued_by=admin_user))["1002"]

    user = activate_account(employee_no="1002", code=code, password=GOOD_PASSWORD)

    assert user == org_tree["member_a"].user
    assert authenticate(username="1002", password=GOOD_PASSWORD) == user
    assert ActivationCode.objects.get(member=org_tree["member_a"]).used_at is not None


def test_a_code_typed_in_lower_case_with_spaces_is_accepted(org_tree, admin_user):
    code = codes_by_employee_no(issue_activation_codes(unit=org_tree["group_a"], issued_by=admin_user))["1003"]
    typed = f" {code[:4].lower()} {code[4:].lower()} "

    user = activate_account(employee_no=" 1003 ", code=typed, password=GOOD_PASSWORD)

    assert user.check_password(GOOD_PASSWORD)


def test_a_wrong_code_is_refused_and_sets_no_password(org_tree, admin_user):
    issue_activation_codes(unit=org_tree["branch_a"], issued_by=admin_user)

    with pytest.raises(DomainError) as refused:
        activate_account(employee_no="1002", code="ABCDEFGH", password=GOOD_PASSWORD)

    assert refused.value.message == INVALID_CODE_MESSAGE
    org_tree["member_a"].user.refresh_from_db()
    assert not org_tree["member_a"].user.has_usable_password()


def test_an_unknown_employee_number_gets_the_same_message_as_a_wrong_code(org_tree, admin_user):
    code = codes_by_employee_no(issue_activation_codes(unit=org_tree["branch_a"], issued_by=admin_user))["1002"]

    with pytest.raises(DomainError) as refused:
        activate_account(employee_no="9999", code=code, password=GOOD_PASSWORD)

    assert refused.value.message == INVALID_CODE_MESSAGE


def test_an_expired_code_is_refused(org_tree, admin_user):
    code = codes_by_employee_no(issue_activation_codes(unit=org_tree["branch_a"], issued_by=admin_user))["1002"]
    ActivationCode.objects.filter(member=org_tree["member_a"]).update(expires_at=timezone.now() - timedelta(minutes=1))

    with pytest.raises(DomainError) as refused:
        activate_account(employee_no="1002", code=code, password=GOOD_PASSWORD)

    assert refused.value.message == INVALID_CODE_MESSAGE


def test_a_used_code_cannot_be_used_again(org_tree, admin_user):
    code = codes_by_employee_no(issue_activation_codes(unit=org_tree["branch_a"], issued_by=admin_user))["1002"]
    activate_account(employee_no="1002", code=code, password=GOOD_PASSWORD)

    with pytest.raises(DomainError) as refused:
        activate_account(employee_no="1002", code=code, password="Another-pass-2025")

    assert refused.value.message == INVALID_CODE_MESSAGE
    assert authenticate(username="1002", password=GOOD_PASSWORD) is not None


def test_issuing_again_cancels_the_older_unused_code(org_tree, admin_user):
    old = codes_by_employee_no(issue_activation_codes(unit=org_tree["group_a"], issued_by=admin_user))["1003"]
    new = codes_by_employee_no(issue_activation_codes(unit=org_tree["group_a"], issued_by=admin_user))["1003"]

    with pytest.raises(DomainError):
        activate_account(employee_no="1003", code=old, password=GOOD_PASSWORD)
    assert activate_account(employee_no="1003", code=new, password=GOOD_PASSWORD).check_password(GOOD_PASSWORD)


def test_a_weak_password_is_refused_with_the_validators_message_and_the_code_stays_valid(org_tree, admin_user):
    code = codes_by_employee_no(issue_activation_codes(unit=org_tree["branch_a"], issued_by=admin_user))["1002"]

    with pytest.raises(PasswordRejected) as refused:
        activate_account(employee_no="1002", code=code, password="12345")

    assert any("8" in message for message in refused.value.messages)  # the minimum length is named
    assert len(refused.value.messages) >= 2  # too short and entirely numeric
    assert activate_account(employee_no="1002", code=code, password=GOOD_PASSWORD).check_password(GOOD_PASSWORD)


def test_reset_account_stops_the_old_password_and_the_new_code_sets_another(org_tree, admin_user):
    user = org_tree["member_a"].user
    user.set_password(GOOD_PASSWORD)
    user.save()

    code = reset_account(member=org_tree["member_a"], issued_by=admin_user)

    assert authenticate(username="1002", password=GOOD_PASSWORD) is None
    activate_account(employee_no="1002", code=code, password="Brand-new-pass-77")
    assert authenticate(username="1002", password="Brand-new-pass-77") == user


def test_the_activation_sheet_lists_the_codes_of_the_units_subtree(org_tree, admin_user):
    codes = issue_activation_codes(unit=org_tree["branch_a"], issued_by=admin_user)

    sheet = load_workbook(BytesIO(activation_sheet(unit=org_tree["branch_a"], codes=codes))).worksheets[0]

    assert org_tree["branch_a"].name in sheet["A1"].value
    header_row = next(r for r in range(1, 6) if sheet.cell(row=r, column=1).value == "工号")
    assert [c.value for c in sheet[header_row]] == ["工号", "姓名", "所在组织", "激活码", "有效期至"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=header_row + 1)]
    assert {row[0]: row[3] for row in rows} == codes_by_employee_no(codes)
    assert {row[2] for row in rows} == {"第一党支部", "第一党小组"}
    expiry = timezone.localtime(ActivationCode.objects.latest("issued_at").expires_at).date().isoformat()
    assert {row[4] for row in rows} == {expiry}
    assert sheet.print_title_rows == f"${header_row}:${header_row}"
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
    assert sheet.page_setup.orientation == "portrait"
    assert sheet.sheet_properties.pageSetUpPr is not None and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.cell(row=header_row + 1, column=4).border.left.style == "thin"


def test_the_activation_sheet_keeps_a_formula_like_name_as_text(org_tree, admin_user):
    MemberFactory(employee_no="1010", name="=HYPERLINK(1)", unit=org_tree["group_a"])
    codes = issue_activation_codes(unit=org_tree["group_a"], issued_by=admin_user)

    sheet = load_workbook(BytesIO(activation_sheet(unit=org_tree["group_a"], codes=codes))).worksheets[0]

    cell = next(c for row in sheet.iter_rows() for c in row if c.value == "=HYPERLINK(1)")
    assert cell.data_type == "s"
    assert cell.quotePrefix


def test_the_command_writes_the_sheet_for_a_unit(org_tree, tmp_path):
    target = tmp_path / "codes.xlsx"

    call_command("issue_activation_codes", "B2", "-o", str(target), stdout=StringIO())

    sheet = load_workbook(target).worksheets[0]
    assert {row[0] for row in sheet.iter_rows(min_row=4, values_only=True)} == {"2001", "2002"}
    assert ActivationCode.objects.filter(member__unit=org_tree["branch_b"]).count() == 2


def test_the_command_refuses_an_unknown_unit(org_tree, tmp_path):
    with pytest.raises(CommandError):
        call_command("issue_activation_codes", "NOPE", "-o", str(tmp_path / "x.xlsx"), stdout=StringIO())
