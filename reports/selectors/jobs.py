"""Who may follow which background job: the user who started it, and administrators."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from org.scope import is_administrator
from reports.models import Job


def jobs_visible_to(user: Any) -> QuerySet[Job]:
    if is_administrator(user):
        return Job.objects.all()
    if not (user and user.is_authenticated):
        return Job.objects.none()
    return Job.objects.filter(user_id=user.pk)
