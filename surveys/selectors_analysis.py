"""What the empirical analysis reads: a questionnaire's items, its submitted responses and their numeric
answers (optionally only about members of one unit's subtree or of one category), and the response
rate per branch. Answers come in as columns (`common.frames.read_frame`: COPY on PostgreSQL), the
rest as aggregates; nothing loops over rows in Python.

The unit and category filters apply to the member rated (the subject), as in the answer export:
the questionnaire measures the subject, and an anonymous masses form has no rater to filter on.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Count, Q, QuerySet

from common.frames import read_frame
from indicators.models import Dimension, RaterRole
from org.models import MemberCategory, Unit, UnitKind
from org.services.units import subtree_q
from surveys.models import (
    SCORED_TYPES,
    WHOLE_NUMBER_TYPES,
    Answer,
    Assignment,
    AssignmentStatus,
    Question,
    Questionnaire,
    Response,
    ResponseStatus,
)

RATE_COLUMNS = ["unit", "unit_name", "assigned", "submitted", "draft", "pending", "rate", "masses_forms", "responses"]


def _about(queryset: QuerySet, *, prefix: str, unit: Unit | None, category: MemberCategory | None) -> QuerySet:
    """Only rows whose subject (`prefix`subject) is in the unit's subtree and of the category."""
    if unit is not None:
        queryset = queryset.filter(subtree_q([unit.path], field=f"{prefix}subject__unit__path"))
    if category is not None:
        queryset = queryset.filter(**{f"{prefix}subject__category": category})
    return queryset


def analysis_questions(*, questionnaire: Questionnaire) -> pd.DataFrame:
    """The scored-type questions in questionnaire order, with their indicator and dimension keys."""
    rows = (
        Question.objects.filter(questionnaire=questionnaire, type__in=SCORED_TYPES)
        .order_by("order", "pk")
        .values_list(
            "pk",
            "code",
            "text",
            "text_en",
            "type",
            "lo",
            "hi",
            "reverse",
            "order",
            "indicator__code",
            "indicator__dimension__key",
        )
    )
    columns = [
        "question_id",
        "code",
        "text",
        "text_en",
        "type",
        "lo",
        "hi",
        "reverse",
        "order",
        "indicator",
        "dimension",
    ]
    frame = pd.DataFrame.from_records(list(rows), columns=columns)
    frame["discrete"] = frame["type"].isin([str(t) for t in WHOLE_NUMBER_TYPES])
    frame["reverse"] = frame["reverse"].astype(bool)
    # None, not NaN, for an item linked to no indicator: the keys are text.
    frame["indicator"] = frame["indicator"].astype(object).where(frame["indicator"].notna(), None)
    frame["dimension"] = frame["dimension"].astype(object).where(frame["dimension"].notna(), None)
    return frame


def dimensions_frame() -> pd.DataFrame:
    return pd.DataFrame.from_records(
        list(Dimension.objects.order_by("order").values_list("key", "name", "name_en", "order")),
        columns=["dimension", "name", "name_en", "order"],
    )


def _sql(queryset: QuerySet) -> tuple[str, tuple[object, ...]]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


def submitted_responses(
    *, questionnaire: Questionnaire, unit: Unit | None = None, category: MemberCategory | None = None
) -> pd.DataFrame:
    """One row per submitted response: response_id, role, subject_id."""
    responses = _about(
        Response.objects.filter(questionnaire=questionnaire, status=ResponseStatus.SUBMITTED),
        prefix="",
        unit=unit,
        category=category,
    )
    sql, params = _sql(responses.order_by("pk").values_list("pk", "role", "subject_id"))
    return read_frame(
        sql,
        params,
        ["response_id", "role", "subject_id"],
        {"response_id": "int64", "role": "category", "subject_id": "int64"},
    )


def submitted_answers(
    *,
    questionnaire: Questionnaire,
    question_ids: list[int],
    unit: Unit | None = None,
    category: MemberCategory | None = None,
) -> pd.DataFrame:
    """Numeric answers to `question_ids` in the submitted responses: response_id, question_id, value."""
    # By question id rather than by a join on the question's type: the ids are known and few.
    answers = _about(
        Answer.objects.filter(
            response__questionnaire=questionnaire,
            response__status=ResponseStatus.SUBMITTED,
            question_id__in=question_ids,
            value__isnull=False,
        ),
        prefix="response__",
        unit=unit,
        category=category,
    )
    sql, params = _sql(answers.order_by().values_list("response_id", "question_id", "value"))
    return read_frame(
        sql,
        params,
        ["response_id", "question_id", "value"],
        {"response_id": "int64", "question_id": "int64", "value": "float64"},
    )


def _branches() -> pd.DataFrame:
    """Every unit with the branch it counts in: a 党小组 counts in its 党支部, any other unit in itself."""
    units = pd.DataFrame.from_records(
        list(Unit.objects.values_list("pk", "code", "name", "kind", "parent_id", "path")),
        columns=["unit_id", "code", "name", "kind", "parent_id", "path"],
    )
    in_group = (units["kind"] == UnitKind.GROUP.value) & units["parent_id"].notna()
    parents = units["parent_id"].fillna(0).astype("int64")
    units["branch_id"] = np.where(in_group, parents, units["unit_id"]).astype("int64")
    return units


def response_rates(
    *, questionnaire: Questionnaire, unit: Unit | None = None, category: MemberCategory | None = None
) -> pd.DataFrame:
    """Per branch of the members rated: assignments assigned, submitted, draft, pending and the rate
    submitted / assigned (NaN with nothing assigned); the anonymous masses forms received, which have
    no assignment and so no rate; and all submitted responses (what the analysis reads)."""
    assignments = _about(
        Assignment.objects.filter(questionnaire=questionnaire), prefix="", unit=unit, category=category
    )
    by_status = pd.DataFrame.from_records(
        list(
            assignments.order_by()
            .values("subject__unit_id")
            .annotate(
                assigned=Count("pk"),
                submitted=Count("pk", filter=Q(status=AssignmentStatus.SUBMITTED)),
                draft=Count("pk", filter=Q(status=AssignmentStatus.DRAFT)),
                pending=Count("pk", filter=Q(status=AssignmentStatus.PENDING)),
            )
            .values_list("subject__unit_id", "assigned", "submitted", "draft", "pending")
        ),
        columns=["unit_id", "assigned", "submitted", "draft", "pending"],
    ).astype("int64")  # also when empty (a questionnaire of anonymous forms only has no assignments)
    responses = _about(
        Response.objects.filter(questionnaire=questionnaire, status=ResponseStatus.SUBMITTED),
        prefix="",
        unit=unit,
        category=category,
    )
    received = pd.DataFrame.from_records(
        list(
            responses.order_by()
            .values("subject__unit_id")
            .annotate(
                masses_forms=Count("pk", filter=Q(role=RaterRole.MASSES)),
                responses=Count("pk"),
            )
            .values_list("subject__unit_id", "masses_forms", "responses")
        ),
        columns=["unit_id", "masses_forms", "responses"],
    ).astype("int64")
    counts = by_status.merge(received, on="unit_id", how="outer").fillna(0)
    if counts.empty:
        return pd.DataFrame(columns=RATE_COLUMNS)
    units = _branches()
    counts = counts.merge(units[["unit_id", "branch_id"]], on="unit_id", how="left")
    numbers = ["assigned", "submitted", "draft", "pending", "masses_forms", "responses"]
    per_branch = counts.groupby("branch_id")[numbers].sum().astype("int64").reset_index()
    per_branch = per_branch.merge(
        units[["unit_id", "code", "name", "path"]], left_on="branch_id", right_on="unit_id", how="left"
    ).sort_values("path")
    assigned = per_branch["assigned"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_branch["rate"] = np.where(assigned > 0, per_branch["submitted"] / assigned, np.nan)
    per_branch = per_branch.rename(columns={"code": "unit", "name": "unit_name"})
    return per_branch[RATE_COLUMNS].reset_index(drop=True)


def rates_total(rates: pd.DataFrame) -> dict[str, float | int | None]:
    """The sums over the branches, with the overall rate (None with nothing assigned)."""
    numbers = ["assigned", "submitted", "draft", "pending", "masses_forms", "responses"]
    total: dict[str, float | int | None] = {key: int(rates[key].sum()) if len(rates) else 0 for key in numbers}
    assigned = total["assigned"] or 0
    total["rate"] = (total["submitted"] or 0) / assigned if assigned else None
    return total


def questionnaire_choices() -> list[dict[str, Any]]:
    """Every questionnaire, newest period first, with how many submitted responses it has."""
    rows = (
        Questionnaire.objects.order_by("-period", "code")
        .annotate(submitted=Count("responses", filter=Q(responses__status=ResponseStatus.SUBMITTED)))
        .values_list("code", "title", "title_en", "period", "submitted")
    )
    keys = ("code", "title", "title_en", "period", "submitted")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def unit_choices() -> list[dict[str, Any]]:
    """Every unit in tree order with its depth (0 at the top)."""
    return [
        {"code": code, "name": name, "depth": max(path.strip("/").count("/"), 0)}
        for code, name, path in Unit.objects.order_by("path").values_list("code", "name", "path")
    ]


def category_choices() -> list[dict[str, Any]]:
    return [
        {"code": code, "name": name, "name_en": name_en}
        for code, name, name_en in MemberCategory.objects.order_by("code").values_list("code", "name", "name_en")
    ]
