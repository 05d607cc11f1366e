"""Query filters of the questionnaire API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from indicators.models import RaterRole
from indicators.periods import normalise_period_code, validate_period_code
from surveys.models import Assignment, AssignmentStatus, Question, Questionnaire, QuestionnaireStatus, QuestionType


def _period(queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
    return queryset.filter(**{name: normalise_period_code(value)})


class QuestionnaireFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(field_name="system__year", label=_("指标体系年度"))
    period = django_filters.CharFilter(method=_period, label=_("期间"), validators=[validate_period_code])
    status = django_filters.ChoiceFilter(choices=QuestionnaireStatus.choices, label=_("状态"))

    class Meta:
        model = Questionnaire
        fields = ["year", "period", "status"]


class QuestionFilter(django_filters.FilterSet):
    indicator = django_filters.CharFilter(field_name="indicator__code", label=_("指标编码"))
    dimension = django_filters.CharFilter(field_name="indicator__dimension__key", label=_("维度"))
    type = django_filters.ChoiceFilter(choices=QuestionType.choices, label=_("题型"))

    class Meta:
        model = Question
        fields = ["indicator", "dimension", "type"]


class AssignmentFilter(django_filters.FilterSet):
    questionnaire = django_filters.CharFilter(field_name="questionnaire__code", label=_("问卷编码"))
    period = django_filters.CharFilter(
        field_name="questionnaire__period", method=_period, label=_("期间"), validators=[validate_period_code]
    )
    role = django_filters.ChoiceFilter(choices=RaterRole.choices, label=_("评价主体"))
    status = django_filters.ChoiceFilter(choices=AssignmentStatus.choices, label=_("状态"))

    class Meta:
        model = Assignment
        fields = ["questionnaire", "period", "role", "status"]
