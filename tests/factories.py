"""Factories for test data. `make_system` builds a complete, valid indicator system."""

from __future__ import annotations

from typing import cast

import factory
from django.contrib.auth import get_user_model

from indicators.models import (
    DIMENSION_KEYS,
    DIMENSIONS,
    CategoryWeight,
    Dimension,
    Grade,
    Indicator,
    IndicatorSystem,
    RaterWeight,
)
from indicators.services.systems import publish_system
from org.models import Member, MemberCategory, Post, Unit
from org.services.accounts import ensure_accounts


class UnitFactory(factory.django.DjangoModelFactory[Unit]):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"U{n:03d}")
    name = factory.Sequence(lambda n: f"第{n}党支部")
    kind = "branch"
    parent = None


def default_category(code: str = "management") -> MemberCategory:
    names = {"management": "管理人员", "technical": "专业技术人员", "frontline": "生产一线"}
    category, _ = MemberCategory.objects.get_or_create(code=code, defaults={"name": names.get(code, code)})
    return category


class MemberFactory(factory.django.DjangoModelFactory[Member]):
    class Meta:
        model = Member
        django_get_or_create = ("employee_no",)
        skip_postgeneration_save = True

    employee_no = factory.Sequence(lambda n: f"E{n:05d}")
    name = factory.Sequence(lambda n: f"党员{n}")
    unit = factory.SubFactory(UnitFactory)
    category = factory.LazyFunction(default_category)

    @factory.post_generation
    def with_account(self, create, extracted, **kwargs):
        if create and extracted is not False:
            member = cast(Member, self)
            ensure_accounts(members=[member])
            member.refresh_from_db()


class PostFactory(factory.django.DjangoModelFactory[Post]):
    class Meta:
        model = Post
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"P{n:03d}")
    name = factory.Sequence(lambda n: f"岗位{n}")
    unit = factory.SubFactory(UnitFactory)
    is_model = False


def make_admin(username: str = "admin", password: str = "admin-pass-123"):
    return get_user_model().objects.create_superuser(username=username, password=password)


def ensure_dimensions() -> dict[str, Dimension]:
    """The six dimensions, as the data migration writes them. Transactional tests flush tables, so a
    test that builds a system must not rely on rows a migration left behind."""
    for order, (key, name, name_en) in enumerate(DIMENSIONS, start=1):
        Dimension.objects.get_or_create(key=key, defaults={"name": name, "name_en": name_en, "order": order})
    return {d.key: d for d in Dimension.objects.all()}


def make_system(year: int = 2025, *, publish: bool = False, categories: list[str] | None = None) -> IndicatorSystem:
    """One questionnaire indicator per dimension (weight 1), equal category weights, all four roles."""
    system = IndicatorSystem.objects.create(year=year, name=f"{year}年党员模范力指标体系")
    dimensions = ensure_dimensions()
    for order, key in enumerate(DIMENSION_KEYS):
        Indicator.objects.create(
            system=system, code=f"{key}_q", dimension=dimensions[key], name=f"{key} 问卷", weight=1.0,
            source="questionnaire", order=order,
        )  # fmt: skip
    for code in categories or ["management"]:
        category = default_category(code)
        for key in DIMENSION_KEYS:
            CategoryWeight.objects.create(system=system, category=category, dimension=dimensions[key], weight=1 / 6)
    for role, weight in [("self", 0.2), ("peer", 0.3), ("secretary", 0.3), ("masses", 0.2)]:
        RaterWeight.objects.create(system=system, role=role, weight=weight)
    for label, minimum in [("优秀", 90), ("合格", 70), ("基本合格", 60), ("不合格", 0)]:
        Grade.objects.create(system=system, label=label, min_score=minimum)
    if publish:
        publish_system(system=system)
    return system


def make_questionnaire(
    system: IndicatorSystem,
    *,
    code: str = "Q2025",
    period: str | None = None,
    roles: tuple[str, ...] = ("self", "peer", "secretary", "masses"),
    status: str = "open",
    per_indicator: int = 2,
):
    """A questionnaire with `per_indicator` likert questions (1–5) per questionnaire indicator; the
    second question of each indicator is reverse-keyed; plus one optional text question."""
    from surveys.models import Question, Questionnaire

    questionnaire = Questionnaire.objects.create(
        code=code, title=f"{system.year}年党员模范力问卷", system=system, period=period or str(system.year),
        roles=list(roles), status=status,
    )  # fmt: skip
    order = 0
    scored = Indicator.objects.filter(system=system).exclude(source="kpi").order_by("dimension__order", "order")
    for indicator in scored:
        for n in range(per_indicator):
            order += 1
            Question.objects.create(
                questionnaire=questionnaire, code=f"{indicator.code}_{n + 1}", indicator=indicator,
                text=f"{indicator.name} 第{n + 1}题", type="likert", lo=1, hi=5, reverse=n == 1, order=order,
                labels={"1": "很不符合", "3": "一般", "5": "完全符合"},
            )  # fmt: skip
    Question.objects.create(
        questionnaire=questionnaire, code="comment", text="其他意见", type="text", required=False, order=order + 1
    )
    return questionnaire
