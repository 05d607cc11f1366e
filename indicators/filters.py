"""Query filters of the indicator API. `system=2025` picks a year's system."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from indicators.models import (
    CategoryWeight,
    Grade,
    Indicator,
    IndicatorSystem,
    PostTarget,
    RaterRole,
    RaterWeight,
    Source,
    SystemStatus,
)
from indicators.periods import normalise_period_code, validate_period_code


class SystemFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=SystemStatus.choices, label=_("状态"))

    class Meta:
        model = IndicatorSystem
        fields = ["year", "status"]


class _PartFilter(django_filters.FilterSet):
    system = django_filters.NumberFilter(field_name="system__year", label=_("指标体系年度"))


class IndicatorFilter(_PartFilter):
    dimension = django_filters.CharFilter(field_name="dimension__key", label=_("维度"))
    source = django_filters.ChoiceFilter(choices=Source.choices, label=_("来源"))

    class Meta:
        model = Indicator
        fields = ["system", "code", "dimension", "source"]


class CategoryWeightFilter(_PartFilter):
    category = django_filters.CharFilter(field_name="category__code", label=_("人员类别编码"))
    dimension = django_filters.CharFilter(field_name="dimension__key", label=_("维度"))

    class Meta:
        model = CategoryWeight
        fields = ["system", "category", "dimension"]


class RaterWeightFilter(_PartFilter):
    role = django_filters.ChoiceFilter(choices=RaterRole.choices, label=_("评价主体"))

    class Meta:
        model = RaterWeight
        fields = ["system", "role"]


class GradeFilter(_PartFilter):
    class Meta:
        model = Grade
        fields = ["system"]


class PostTargetFilter(django_filters.FilterSet):
    post = django_filters.CharFilter(field_name="post__code", label=_("岗位编码"))
    period = django_filters.CharFilter(method="filter_period", label=_("期间"), validators=[validate_period_code])
    indicator = django_filters.NumberFilter(field_name="indicator_id", label=_("指标 id"))
    indicator_code = django_filters.CharFilter(field_name="indicator__code", label=_("指标编码"))
    system = django_filters.NumberFilter(field_name="indicator__system__year", label=_("指标体系年度"))

    class Meta:
        model = PostTarget
        fields = ["post", "period", "indicator", "indicator_code", "system"]

    def filter_period(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(period=normalise_period_code(value))
