"""Query filters of the organisation API. `unit=CODE` means that unit and everything below it, and a
unit outside the user's scope is not found (404), never an empty list."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from org.models import Member, MemberCategory, MemberStatus, Post, Unit, UnitKind
from org.services.directory import unit_in_scope, within_unit


class _SubtreeFilterSet(django_filters.FilterSet):
    unit = django_filters.CharFilter(method="filter_unit", label=_("组织编码（含下级组织）"))
    unit_path_field = "unit__path"

    def filter_unit(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        unit = unit_in_scope(user=getattr(self.request, "user", None), code=value)
        return within_unit(queryset, unit=unit, field=self.unit_path_field)


class UnitFilter(_SubtreeFilterSet):
    unit_path_field = "path"
    kind = django_filters.ChoiceFilter(choices=UnitKind.choices, label=_("类型"))
    parent = django_filters.CharFilter(field_name="parent__code", label=_("上级组织编码"))

    class Meta:
        model = Unit
        fields = ["kind", "parent", "unit"]


class MemberFilter(_SubtreeFilterSet):
    category = django_filters.CharFilter(field_name="category__code", label=_("人员类别编码"))
    status = django_filters.ChoiceFilter(choices=MemberStatus.choices, label=_("状态"))
    search = django_filters.CharFilter(method="filter_search", label=_("按姓名或工号搜索"))

    class Meta:
        model = Member
        fields = ["unit", "category", "status", "search"]

    def filter_search(self, queryset: QuerySet[Member], name: str, value: str) -> QuerySet[Member]:
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(Q(name__icontains=text) | Q(employee_no__icontains=text))


class CategoryFilter(django_filters.FilterSet):
    class Meta:
        model = MemberCategory
        fields = ["code"]


class PostFilter(_SubtreeFilterSet):
    model_post = django_filters.BooleanFilter(field_name="is_model", label=_("精品岗位"))

    class Meta:
        model = Post
        fields = ["unit", "model_post"]
