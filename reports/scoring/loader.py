"""Reading one period from the database into the engine's inputs (DESIGN.md "Data flow")."""

from __future__ import annotations

import pandas as pd
from django.db import connection

from common.errors import DomainError
from common.frames import read_frame
from indicators.models import (
    CategoryWeight,
    Grade,
    Indicator,
    IndicatorSystem,
    Measurement,
    PostTarget,
    RaterWeight,
    SystemStatus,
)
from indicators.periods import Period
from org.models import Member, Post, Unit, UnitKind
from reports.scoring.types import ScoringInputs
from surveys.models import Answer, Question, Questionnaire, Response, ResponseStatus


def system_for(*, period: Period, preview: bool) -> IndicatorSystem:
    """The published system of the period's year; a preview may use a draft one."""
    system = IndicatorSystem.objects.filter(year=period.year).first()
    if system is None:
        raise DomainError(f"{period.year} 年没有指标体系 (no indicator system for {period.year})")
    if system.status == SystemStatus.DRAFT and not preview:
        raise DomainError(
            f"{period.year} 年指标体系尚未发布，只能预览计分 "
            f"(the {period.year} system is a draft: score it with --preview)"
        )
    return system


def _table(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)  # type: ignore[attr-defined]


def load_answers(*, period: Period) -> pd.DataFrame:
    """Submitted numeric answers of the period's questionnaires, one row each, keyed for the engine."""
    sql = f"""
        SELECT r.subject_id, COALESCE(r.rater_id, -r.id), r.role, a.question_id, a.value
        FROM {_table(Answer)} a
        JOIN {_table(Response)} r ON r.id = a.response_id
        JOIN {_table(Questionnaire)} q ON q.id = r.questionnaire_id
        WHERE q.period = %s AND r.status = %s AND a.value IS NOT NULL
    """
    return read_frame(
        sql,
        [period.code, ResponseStatus.SUBMITTED.value],
        ["subject_id", "rater_key", "role", "question_id", "value"],
        # role as a categorical: four values, not one Python string per answer.
        {"subject_id": "int64", "rater_key": "int64", "role": "category", "question_id": "int64", "value": "float64"},
    )


def load_inputs(*, period: Period, system: IndicatorSystem) -> ScoringInputs:
    questions = pd.DataFrame.from_records(
        Question.objects.filter(questionnaire__period=period.code, indicator__system=system).values_list(
            "pk", "indicator_id", "lo", "hi", "reverse"
        ),
        columns=["question_id", "indicator_id", "lo", "hi", "reverse"],
    )
    indicators = pd.DataFrame.from_records(
        Indicator.objects.filter(system=system).values_list(
            "pk", "code", "dimension__key", "weight", "source", "floor", "target"
        ),
        columns=["indicator_id", "code", "dimension", "weight", "source", "floor", "target"],
    )
    return ScoringInputs(
        answers=load_answers(period=period),
        questions=questions,
        indicators=indicators,
        members=load_members(),
        category_weights=pd.DataFrame.from_records(
            CategoryWeight.objects.filter(system=system).values_list("category_id", "dimension__key", "weight"),
            columns=["category_id", "dimension", "weight"],
        ),
        rater_weights=dict(RaterWeight.objects.filter(system=system).values_list("role", "weight")),
        grades=list(Grade.objects.filter(system=system).values_list("label", "min_score", "max_share")),
        measurements=load_measurements(period=period, system=system),
        post_targets=pd.DataFrame.from_records(
            PostTarget.objects.filter(period=period.code, indicator__system=system).values_list(
                "post_id", "indicator_id", "floor", "target"
            ),
            columns=["post_id", "indicator_id", "floor", "target"],
        ),
        post_holders=pd.DataFrame.from_records(
            Post.holders.through.objects.filter(post__is_model=True).values_list("post_id", "member_id"),
            columns=["post_id", "member_id"],
        ),
    )


def load_members() -> pd.DataFrame:
    """Every member with the branch he ranks in (a 党小组's member ranks in its parent 党支部)."""
    units = pd.DataFrame.from_records(
        Unit.objects.values_list("pk", "kind", "parent_id"), columns=["unit_id", "kind", "parent_id"]
    )
    members = pd.DataFrame.from_records(
        Member.objects.values_list("pk", "employee_no", "unit_id", "category_id"),
        columns=["member_id", "employee_no", "unit_id", "category_id"],
    )
    members = members.merge(units, on="unit_id", how="left")
    in_group = members["kind"] == UnitKind.GROUP.value
    members["branch_id"] = members["unit_id"].where(~in_group, members["parent_id"]).astype("int64")
    return members[["member_id", "employee_no", "branch_id", "category_id", "unit_id"]]


def load_measurements(*, period: Period, system: IndicatorSystem) -> pd.DataFrame:
    rows = Measurement.objects.filter(period=period.code, indicator__system=system).values_list(
        "member_id", "post_id", "indicator_id", "value"
    )
    frame = pd.DataFrame.from_records(rows, columns=["member_id", "post_id", "indicator_id", "value"])
    if frame.empty:
        return pd.DataFrame(columns=["subject_kind", "subject_id", "indicator_id", "value"])
    is_member = frame["member_id"].notna()
    return pd.DataFrame(
        {
            "subject_kind": is_member.map({True: "member", False: "post"}),
            "subject_id": frame["member_id"].where(is_member, frame["post_id"]).astype("int64"),
            "indicator_id": frame["indicator_id"].astype("int64"),
            "value": frame["value"].astype("float64"),
        }
    )
