"""Login accounts: every member has one whose username is his employee number."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from org.models import Member


@transaction.atomic
def ensure_accounts(*, members: Iterable[Member] | None = None) -> int:
    """Create the missing accounts (no usable password) and link them. Returns how many were created.

    Bulk: one query to find existing users, one bulk insert, one bulk update of the links.
    """
    user_model = get_user_model()
    pending = list(
        Member.objects.filter(user__isnull=True)
        if members is None
        else Member.objects.filter(pk__in=[m.pk for m in members], user__isnull=True)
    )
    if not pending:
        return 0
    numbers = [m.employee_no for m in pending]
    existing = {u.username: u for u in user_model.objects.filter(username__in=numbers)}
    unusable = make_password(None)  # the same "!" marker for all: no password can match it
    created = user_model.objects.bulk_create(
        [
            user_model(username=m.employee_no, first_name=m.name[:150], password=unusable)
            for m in pending
            if m.employee_no not in existing
        ],
        batch_size=1000,
    )
    if not all(u.pk for u in created):  # backends that return no ids from bulk inserts
        created = list(user_model.objects.filter(username__in=[u.username for u in created]))
    by_username = {**existing, **{u.username: u for u in created}}
    for member in pending:
        member.user = by_username[member.employee_no]
    Member.objects.bulk_update(pending, ["user"], batch_size=1000)
    return len(created)
