"""Activation codes: how a member sets his first password on an intranet without e-mail.

An administrator or a branch secretary prints a sheet of one-time codes for a unit; each member
types his employee number, his code and a new password on the public activation page. Only a hash
of each code is stored, so the printed sheet is the only place the codes exist.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import timedelta
from io import BytesIO
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from common.errors import DomainError, NotInScope
from common.xlsx.writer import print_a4_portrait
from org.models import ActivationCode, Member, MemberStatus, Unit
from org.scope import is_administrator, secretary_units
from org.services.accounts import ensure_accounts
from org.services.units import subtree_q

# Letters and digits that cannot be mistaken for each other on paper: no 0/O, no 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
VALID_FOR = timedelta(days=14)

# One message for every failure, so the page does not tell which employee numbers exist.
INVALID_CODE_MESSAGE = "工号或激活码不正确，或激活码已过期 (wrong employee number or code, or the code has expired)"


class ActivationCodeHasher(PBKDF2PasswordHasher):
    """PBKDF2 with fewer rounds than login passwords.

    A whole committee's sheet is hashed inside one request; the codes are random (31^8), single-use
    and expire in two weeks, so they need far less stretching than a password a person chose.
    Verification goes through the ordinary PBKDF2 hasher, which reads the rounds from the hash.
    """

    iterations = 20_000


_code_hasher = ActivationCodeHasher()


class PasswordRejected(DomainError):
    """The new password fails the configured validators; each validator's message is kept."""

    def __init__(self, messages: Iterable[str]) -> None:
        self._messages = [str(m) for m in messages]
        super().__init__(" ".join(self._messages))

    @property
    def messages(self) -> list[str]:
        return list(self._messages)


def generate_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    """What people type from paper: lower case, spaces or a dash in the middle."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def issuable_units(*, user: Any) -> QuerySet[Unit]:
    """Units the user may issue codes for: all for an administrator, his subtrees for a secretary."""
    if is_administrator(user):
        return Unit.objects.all()
    paths = secretary_units(user).values_list("path", flat=True)
    return Unit.objects.filter(subtree_q(list(paths)))


def unit_for_issuing(*, user: Any, code: str) -> Unit:
    unit = issuable_units(user=user).filter(code=code).first()
    if unit is None:
        raise NotInScope("未找到 (not found)")
    return unit


def _issue(members: Sequence[Member], issued_by: Any) -> list[tuple[Member, str]]:
    now = timezone.now()
    # Older codes stop working the moment a new sheet is printed: only the newest slip is valid.
    ActivationCode.objects.filter(member__in=members, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    issuer = issued_by if issued_by is not None and getattr(issued_by, "pk", None) else None
    issued = [(member, generate_code()) for member in members]
    ActivationCode.objects.bulk_create(
        [
            ActivationCode(
                member=member,
                code_hash=make_password(code, hasher=_code_hasher),
                issued_by=issuer,
                expires_at=now + VALID_FOR,
            )
            for member, code in issued
        ],
        batch_size=500,
    )
    return issued


@transaction.atomic
def issue_activation_codes(*, unit: Unit, issued_by: Any, include_active: bool = False) -> list[tuple[Member, str]]:
    """A fresh code for each member of the unit and its subtree who has not activated his account.

    With `include_active`, members who already have a password get a code too (it lets them set a
    new one). Members who left get none. Returns (member, plain code) in sheet order.
    """
    members = list(
        Member.objects.filter(unit__path__startswith=unit.path, status=MemberStatus.ACTIVE)
        .select_related("unit", "user")
        .order_by("unit__path", "employee_no")
    )
    if any(member.user_id is None for member in members):
        ensure_accounts(members=members)
        members = list(
            Member.objects.filter(pk__in=[m.pk for m in members])
            .select_related("unit", "user")
            .order_by("unit__path", "employee_no")
        )
    if not include_active:
        members = [m for m in members if m.user is not None and not m.user.has_usable_password()]
    return _issue(members, issued_by)


@transaction.atomic
def reset_account(*, member: Member, issued_by: Any) -> str:
    """Lock the member out (old password and open sessions stop working) and issue a fresh code."""
    if member.user_id is None:
        ensure_accounts(members=[member])
        member.refresh_from_db()
    user = member.user
    assert user is not None
    user.set_unusable_password()
    user.save(update_fields=["password"])
    [(_member, code)] = _issue([member], issued_by)
    return code


@transaction.atomic
def activate_account(*, employee_no: str, code: str, password: str) -> Any:
    """Set the member's password with his printed code; returns the user, ready to log in."""
    now = timezone.now()
    member = (
        Member.objects.select_related("user")
        .filter(employee_no=employee_no.strip(), status=MemberStatus.ACTIVE)
        .first()
    )
    record = None
    if member is not None:
        record = (
            ActivationCode.objects.select_for_update()
            .filter(member=member, used_at__isnull=True, expires_at__gt=now)
            .order_by("-issued_at", "-pk")
            .first()
        )
    if record is None:
        # Spend the same time as a real check, so response times do not reveal who exists.
        make_password(code, hasher=_code_hasher)
        raise DomainError(INVALID_CODE_MESSAGE)
    if not check_password(normalise_code(code), record.code_hash):
        raise DomainError(INVALID_CODE_MESSAGE)
    assert member is not None
    if member.user is None:
        ensure_accounts(members=[member])
        member.refresh_from_db()
    user = member.user
    if user is None or not user.is_active:
        raise DomainError(INVALID_CODE_MESSAGE)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise PasswordRejected(exc.messages) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    record.used_at = now
    record.save(update_fields=["used_at"])
    return user


# --- the printed sheet -------------------------------------------------------------------------

_HEADERS = ["工号", "姓名", "所在组织", "激活码", "有效期至"]
_WIDTHS = [14, 14, 30, 16, 14]
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_THIN = Side(style="thin", color="666666")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _text(sheet: Worksheet, row: int, column: int, value: str) -> Any:
    """A text cell that stays text: nothing a user typed becomes a formula."""
    cell = sheet.cell(row=row, column=column)
    cell.value = value
    cell.data_type = "s"
    if value.startswith(_FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def _expiry_by_member(members: Iterable[Member]) -> dict[int, str]:
    rows = (
        ActivationCode.objects.filter(member__in=[m.pk for m in members], used_at__isnull=True)
        .order_by("member_id", "-issued_at", "-pk")
        .values_list("member_id", "expires_at")
    )
    expiry: dict[int, str] = {}
    for member_id, expires_at in rows:
        expiry.setdefault(member_id, timezone.localtime(expires_at).date().isoformat())
    return expiry


def activation_sheet(*, unit: Unit, codes: Sequence[tuple[Member, str]], activate_url: str = "") -> bytes:
    """A printable workbook of the codes: one row per member, cut into slips along the borders.

    `activate_url`, where given, is printed in the instructions so members know where to type.
    """
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "激活码"
    today = timezone.localdate().isoformat()

    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(_HEADERS))
    title = _text(sheet, 1, 1, f"{unit.name} 党员账号激活码（{today}）")
    title.font = Font(size=14, bold=True)
    title.alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 26
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(_HEADERS))
    where = f"打开 {activate_url} ，" if activate_url else "在登录页点击“用激活码激活我的账号”，"
    note = _text(sheet, 2, 1, f"请{where}输入工号和激活码并设置密码。激活码仅能使用一次，请妥善保管。")
    note.font = Font(size=9, color="444444")
    note.alignment = Alignment(wrap_text=True, vertical="center")
    sheet.row_dimensions[2].height = 30

    header_row = 3
    for column, (header, width) in enumerate(zip(_HEADERS, _WIDTHS, strict=True), start=1):
        cell = _text(sheet, header_row, column, header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEEEEE")
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center")
        sheet.column_dimensions[cell.column_letter].width = width

    expiry = _expiry_by_member(member for member, _code in codes)
    for offset, (member, code) in enumerate(codes, start=1):
        row = header_row + offset
        values = [member.employee_no, member.name, member.unit.name, code, expiry.get(member.pk, "")]
        for column, value in enumerate(values, start=1):
            cell = _text(sheet, row, column, value)
            cell.border = _BORDER
            cell.alignment = Alignment(vertical="center", wrap_text=column == 3)
        code_cell = sheet.cell(row=row, column=4)
        code_cell.font = Font(name="Consolas", size=14, bold=True)
        code_cell.alignment = Alignment(horizontal="center", vertical="center")
        sheet.row_dimensions[row].height = 30  # room for scissors between slips

    sheet.freeze_panes = f"A{header_row + 1}"
    print_a4_portrait(sheet, title_rows=f"{header_row}:{header_row}")

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def activation_sheet_filename(*, unit: Unit) -> str:
    return f"activation-codes-{unit.code}-{timezone.localdate().isoformat()}.xlsx"
