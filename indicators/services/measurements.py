"""Objective KPI values of members and posts, and carrying post targets into the next year.

Measurements and targets are data, not definitions: they are written whatever the status of the
indicator system their indicator belongs to. An indicator is found by its code in the system of the
period's year, which is how a code typed in a workbook or an API call means one row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from common.errors import DomainError
from indicators.models import Indicator, IndicatorSystem, Measurement, PostTarget, Source, SubjectKind
from indicators.periods import Period
from indicators.services.editing import validated
from org.models import Member, Post
from org.scope import is_administrator, members_visible_to, posts_visible_to

# --- messages shared by the services, the import and the API ----------------------------------------


def unknown_subject_message(code: str, kind: str | None) -> str:
    if kind == SubjectKind.MEMBER:
        return f"未知的工号“{code}” (unknown employee number)"
    if kind == SubjectKind.POST:
        return f"未知的岗位编码“{code}” (unknown post code)"
    return f"“{code}”既不是工号也不是岗位编码 (neither an employee number nor a post code)"


def ambiguous_subject_message(code: str) -> str:
    return (
        f"“{code}”既是工号又是岗位编码，请在“对象类型”中注明党员或岗位 "
        f"({code} is both an employee number and a post code: give subject_kind)"
    )


def no_system_message(year: int) -> str:
    return f"{year} 年没有指标体系 (no indicator system for {year})"


def unknown_indicator_message(code: str, year: int) -> str:
    return f"{year} 年指标体系中没有指标“{code}” (no indicator {code} in the {year} system)"


def not_kpi_message(code: str) -> str:
    return f"指标“{code}”不是实绩指标 (not a KPI indicator)"


def not_model_post_message(code: str) -> str:
    return f"“{code}”不是精品岗位，只有精品岗位可以设定目标 (not a model post: only model posts have targets)"


def equal_target_message(value: float) -> str:
    return f"目标值不能等于底线值 {value:g} (the target equals the floor)"


# --- finding what a code means ---------------------------------------------------------------------


def parse_period(value: object) -> Period:
    try:
        return Period.parse(value)
    except ValueError as exc:
        raise DomainError(str(exc)) from exc


def resolve_subject(*, code: str, kind: str | None = None) -> Member | Post:
    """The member (by employee_no) or post (by code) a subject code names; `kind` settles a code that is both."""
    member = Member.objects.filter(employee_no=code).first() if kind != SubjectKind.POST else None
    post = Post.objects.filter(code=code).first() if kind != SubjectKind.MEMBER else None
    if member is not None and post is not None:
        raise DomainError(ambiguous_subject_message(code))
    found = member or post
    if found is None:
        raise DomainError(unknown_subject_message(code, kind))
    return found


def kpi_indicator(*, code: str, period: Period) -> Indicator:
    """The KPI indicator with this code in the system of the period's year."""
    if not IndicatorSystem.objects.filter(year=period.year).exists():
        raise DomainError(no_system_message(period.year))
    indicator = Indicator.objects.select_related("system").filter(system__year=period.year, code=code).first()
    if indicator is None:
        raise DomainError(unknown_indicator_message(code, period.year))
    if indicator.source != Source.KPI:
        raise DomainError(not_kpi_message(code))
    return indicator


def measurements_visible_to(user: Any) -> QuerySet[Measurement]:
    """Administrators: every value. Others: the values of the members and posts they may see."""
    rows = Measurement.objects.select_related("indicator__system", "member", "post", "entered_by")
    if is_administrator(user):
        return rows
    members = members_visible_to(user).values("pk")
    posts = posts_visible_to(user).values("pk")
    return rows.filter(Q(member__in=members) | Q(post__in=posts))


# --- writing ---------------------------------------------------------------------------------------


def _known_user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


@transaction.atomic
def save_measurement(
    *,
    indicator: Indicator,
    period: str | Period,
    value: float,
    member: Member | None = None,
    post: Post | None = None,
    user: Any = None,
    measurement: Measurement | None = None,
) -> Measurement:
    """Record one value under the model's rules. Without `measurement` the value replaces the one
    already stored for the same subject, indicator and period (if any); with it, that row changes."""
    if (member is None) == (post is None):
        raise DomainError(
            "实绩须对应一名党员或一个岗位，且只能对应一个 (a measurement belongs to one member or one post)"
        )
    code = period.code if isinstance(period, Period) else parse_period(period).code
    same_key = Measurement.objects.select_for_update().filter(
        indicator=indicator, period=code, member=member, post=post
    )
    existing = same_key.first()
    if measurement is None:
        measurement = existing or Measurement()
    elif existing is not None and existing.pk != measurement.pk:
        raise DomainError("该对象在该期间已有此指标的实绩 (a value for this subject, indicator and period exists)")
    measurement.indicator = indicator
    measurement.member = member
    measurement.post = post
    measurement.period = code
    measurement.value = value
    measurement.entered_by = _known_user(user)
    validated(measurement)
    try:
        with transaction.atomic():
            measurement.save()
    except IntegrityError as exc:
        # Someone recorded the same key between our look-up and our insert.
        raise DomainError(
            "该对象在该期间已有此指标的实绩 (a value for this subject, indicator and period exists)"
        ) from exc
    return measurement


def delete_measurement(*, measurement: Measurement) -> None:
    measurement.delete()


@transaction.atomic
def copy_targets_forward(*, from_year: int, to_year: int, posts: Iterable[Post] | None = None) -> int:
    """Copy from_year's post targets into to_year as a starting point: each period moved by the
    difference of the years (2024-Q2 → 2025-Q2), the indicator found by its code in to_year's system.
    Targets to_year already has are kept; indicators that are no longer KPIs there and posts that are
    no longer model posts are left out. Returns how many targets were created."""
    if from_year == to_year:
        raise DomainError("源年度与目标年度相同 (the two years are the same)")
    if not IndicatorSystem.objects.filter(year=to_year).exists():
        raise DomainError(f"{to_year} 年没有指标体系，请先建立或复制体系 (no indicator system for {to_year})")
    shift = to_year - from_year
    indicators = dict(Indicator.objects.filter(system__year=to_year, source=Source.KPI).values_list("code", "pk"))
    source = PostTarget.objects.filter(indicator__system__year=from_year, post__is_model=True)
    if posts is not None:
        source = source.filter(post__in=[post.pk for post in posts])
    existing = set(
        PostTarget.objects.filter(indicator__system__year=to_year).values_list("post_id", "indicator_id", "period")
    )
    created = []
    for post_id, code, period, floor, target in source.values_list(
        "post_id", "indicator__code", "period", "floor", "target"
    ).order_by("post_id", "indicator__code", "period"):
        indicator_id = indicators.get(code)
        if indicator_id is None:
            continue
        then = Period.parse(period)
        moved = Period(then.year + shift, then.stage).code
        if (post_id, indicator_id, moved) in existing:
            continue
        existing.add((post_id, indicator_id, moved))
        created.append(PostTarget(post_id=post_id, indicator_id=indicator_id, period=moved, floor=floor, target=target))
    PostTarget.objects.bulk_create(created, batch_size=500)
    return len(created)
