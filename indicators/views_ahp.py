"""The AHP page (administrators): pairwise judgements → weights of a draft system, and their history.

One form carries the upper triangle of the matrix; 计算 shows the weights and the consistency, 应用到草稿
computes again from the posted judgements and writes them. Everyone else gets a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.errors import DomainError
from indicators.models import AhpJudgement, Dimension, Indicator, IndicatorSystem, SystemStatus
from indicators.services.ahp import (
    AhpPreview,
    AhpScope,
    InconsistentJudgementsError,
    ahp_scope,
    apply_ahp,
    full_matrix,
    judgements_of,
    last_judgement,
    prefilled_upper,
    preview_ahp,
)
from indicators.views import localized_name
from indicators.weighting import TOP_INCONSISTENT, format_judgement, nearest_saaty
from org.models import MemberCategory
from org.scope import is_administrator

# Saaty's scale, strongest first; the even values sit between their neighbours and carry no word.
SCALE: list[tuple[str, Any]] = [
    ("9", gettext_lazy("9 极端重要")),
    ("8", "8"),
    ("7", gettext_lazy("7 强烈重要")),
    ("6", "6"),
    ("5", gettext_lazy("5 明显重要")),
    ("4", "4"),
    ("3", gettext_lazy("3 稍微重要")),
    ("2", "2"),
    ("1", gettext_lazy("1 同等重要")),
    ("1/2", "1/2"),
    ("1/3", gettext_lazy("1/3 稍微次要")),
    ("1/4", "1/4"),
    ("1/5", gettext_lazy("1/5 明显次要")),
    ("1/6", "1/6"),
    ("1/7", gettext_lazy("1/7 强烈次要")),
    ("1/8", "1/8"),
    ("1/9", gettext_lazy("1/9 极端次要")),
]
SCALE_VALUES = {value for value, _label in SCALE}
CATEGORY_PREFIX, DIMENSION_PREFIX = "category:", "dimension:"


@dataclass
class Cell:
    name: str
    value: str  # the chosen scale value ("3", "1/5"); for cells below the diagonal the reciprocal shown
    editable: bool
    column: str = ""
    diagonal: bool = False
    flagged: bool = False  # one of the most inconsistent judgements


@dataclass
class Row:
    label: str
    cells: list[Cell]


def _targets(system: IndicatorSystem) -> tuple[list[tuple[str, str]], list[tuple[str, str, int]]]:
    """The categories (all of them: a category may get its first profile here) and the dimensions
    with the number of indicators each has in the system."""
    categories = [(f"{CATEGORY_PREFIX}{c.code}", localized_name(c)) for c in MemberCategory.objects.order_by("code")]
    counts: dict[int, int] = {}
    for dimension_id in Indicator.objects.filter(system=system).values_list("dimension_id", flat=True):
        counts[dimension_id] = counts.get(dimension_id, 0) + 1
    dimensions = [
        (f"{DIMENSION_PREFIX}{d.key}", localized_name(d), counts.get(d.pk, 0))
        for d in Dimension.objects.order_by("order")
    ]
    return categories, dimensions


def _scope_of(system: IndicatorSystem, target: str) -> AhpScope:
    if target.startswith(CATEGORY_PREFIX):
        category = MemberCategory.objects.filter(code=target.removeprefix(CATEGORY_PREFIX)).first()
        if category is None:
            raise Http404
        return ahp_scope(system=system, category=category)
    if target.startswith(DIMENSION_PREFIX):
        dimension = Dimension.objects.filter(key=target.removeprefix(DIMENSION_PREFIX)).first()
        if dimension is None:
            raise Http404
        return ahp_scope(system=system, dimension=dimension)
    raise Http404


def _display_labels(scope: AhpScope) -> list[str]:
    if scope.category is not None:
        by_key = {d.key: localized_name(d) for d in Dimension.objects.all()}
    else:
        indicators = Indicator.objects.filter(system=scope.system, code__in=scope.items)
        by_key = {i.code: localized_name(i) for i in indicators}
    return [by_key.get(item, label) for item, label in zip(scope.items, scope.labels, strict=True)]


def _posted_upper(data: Any, n: int) -> tuple[dict[tuple[int, int], str], list[str]]:
    upper: dict[tuple[int, int], str] = {}
    errors: list[str] = []
    for i in range(n):
        for j in range(i + 1, n):
            value = str(data.get(f"a-{i}-{j}", "")).strip()
            if value not in SCALE_VALUES:
                errors.append(
                    _("第 %(row)s 行第 %(column)s 列的判断须取 1/9–9 标度上的值。") % {"row": i + 1, "column": j + 1}
                )
                value = "1"  # shown again as 1, with the message above it
            upper[(i, j)] = value
    return upper, errors


def _matrix_rows(labels: list[str], upper: dict[tuple[int, int], str], flagged: set[tuple[int, int]]) -> list[Row]:
    n = len(labels)
    rows = []
    for i in range(n):
        cells = []
        for j in range(n):
            if i == j:
                cells.append(Cell(name="", value="1", editable=False, diagonal=True))
            elif i < j:
                cells.append(
                    Cell(f"a-{i}-{j}", upper.get((i, j), "1"), True, column=labels[j], flagged=(i, j) in flagged)
                )
            else:
                above = upper.get((j, i), "1")
                shown = above[2:] if above.startswith("1/") else ("1" if above == "1" else f"1/{above}")
                cells.append(Cell(f"a-{j}-{i}", shown, False, flagged=(j, i) in flagged))
        rows.append(Row(label=labels[i], cells=cells))
    return rows


def _result_context(preview: AhpPreview, labels: list[str]) -> dict[str, Any]:
    result = preview.result
    rows = [
        {"label": label, "current": current, "weight": weight}
        for label, current, weight in zip(labels, preview.scope.current, preview.weights, strict=True)
    ]
    worst = [
        {
            "row": labels[p.row],
            "column": labels[p.column],
            "given": format_judgement(p.judgement),
            "implied": p.implied,
            "suggested": p.suggested,
            "cr_after": p.cr_if_suggested,
        }
        for p in result.most_inconsistent
    ]
    return {
        "preview": preview,
        "result": result,
        "weight_rows": rows,
        "worst": worst,
        "chart": {
            "labels": labels,
            "series": [
                {"key": "current", "name": _("当前权重"), "values": list(preview.scope.current)},
                {"key": "ahp", "name": _("AHP 权重"), "values": preview.weights},
            ],
        },
    }


def _history(system: IndicatorSystem) -> list[dict[str, Any]]:
    """The system's judgements, newest first; the newest of each group says whether its weights are
    still the ones in force (someone may have edited them by hand since)."""
    rows = []
    seen: set[tuple[str, int]] = set()
    category_weights: dict[tuple[int, str], float] = {}
    for category_id, key, weight in system.categoryweight_set.values_list("category_id", "dimension__key", "weight"):
        category_weights[(category_id, key)] = weight
    indicator_weights = dict(Indicator.objects.filter(system=system).values_list("code", "weight"))
    for judgement in judgements_of(system=system):
        group = ("c", judgement.category_id) if judgement.category_id else ("d", judgement.dimension_id or 0)
        in_force = None
        if group not in seen:
            seen.add(group)
            if judgement.category_id:
                now = [category_weights.get((judgement.category_id, key)) for key in judgement.items]
            else:
                now = [indicator_weights.get(code) for code in judgement.items]
            in_force = all(w is not None and abs(w - v) < 1e-9 for w, v in zip(now, judgement.weights, strict=True))
        rows.append(_history_row(judgement, in_force))
    return rows


def _history_row(judgement: AhpJudgement, in_force: bool | None) -> dict[str, Any]:
    labels = judgement.labels or judgement.items
    return {
        "judgement": judgement,
        "scope": localized_name(judgement.category) if judgement.category else localized_name(judgement.dimension),
        "kind": _("人员类别") if judgement.category_id else _("维度"),
        "weights": list(zip(labels, judgement.weights, strict=True)),
        "matrix": [
            (labels[i], [format_judgement(v) if i != j else "1" for j, v in enumerate(row)])
            for i, row in enumerate(judgement.matrix)
        ],
        "labels": labels,
        "in_force": in_force,
        "who": judgement.created_by.get_username() if judgement.created_by else "—",
    }


def _page_url(system: IndicatorSystem, target: str) -> str:
    return f"{reverse('indicators:ahp')}?{urlencode({'system': str(system.year), 'target': target})}"


@login_required
def ahp_page(request: HttpRequest) -> HttpResponse:
    if not is_administrator(request.user):
        raise Http404
    systems = list(IndicatorSystem.objects.order_by("-year"))
    params = request.POST if request.method == "POST" else request.GET
    year = str(params.get("system", "")).strip()
    if year:
        system = next((s for s in systems if str(s.year) == year), None)
        if system is None:
            raise Http404
    else:
        drafts = [s for s in systems if s.status == SystemStatus.DRAFT]
        system = drafts[0] if drafts else (systems[0] if systems else None)
    context: dict[str, Any] = {"systems": systems, "system": system, "scale": SCALE}
    if system is None:
        return render(request, "indicators/ahp.html", context)

    categories, dimensions = _targets(system)
    target = str(params.get("target", "")).strip() or (categories[0][0] if categories else "")
    context.update(categories=categories, dimensions=dimensions, target=target, history=_history(system))
    if not target:
        return render(request, "indicators/ahp.html", context)
    try:
        scope = _scope_of(system, target)
    except DomainError as exc:
        context["scope_problem"] = exc.message
        return render(request, "indicators/ahp.html", context)
    labels = _display_labels(scope)
    context.update(scope=scope, labels=labels, editable=not system.is_frozen)

    preview: AhpPreview | None = None
    if request.method == "POST" and not system.is_frozen:
        upper, errors = _posted_upper(request.POST, len(scope.items))
        items = str(request.POST.get("items", "")).split(",")
        if items != scope.items:
            errors.append(_("比较项已变化（指标被增删），请重新填写。"))
        if errors:
            for error in errors:
                messages.error(request, error)
        else:
            matrix = full_matrix(dict(upper), len(scope.items))
            try:
                if request.POST.get("action") == "apply":
                    apply_ahp(
                        system=system,
                        category=scope.category,
                        dimension=scope.dimension,
                        matrix=matrix,
                        items=items,
                        force=bool(request.POST.get("force")),
                        user=request.user,
                    )
                    messages.success(request, _("已将 AHP 权重写入 %(system)s。") % {"system": system.name})
                    return HttpResponseRedirect(_page_url(system, target))
                preview = preview_ahp(
                    system=system, category=scope.category, dimension=scope.dimension, matrix=matrix, items=items
                )
            except InconsistentJudgementsError as exc:
                preview = exc.preview
                messages.error(request, _("一致性比率 CR ≥ 0.1，未写入。请修改判断，或勾选“强制应用”。"))
            except DomainError as exc:
                messages.error(request, exc.message)
    else:
        judgement = last_judgement(scope=scope)
        cells = prefilled_upper(scope=scope, judgement=judgement)
        upper = {cell: nearest_saaty(value) for cell, value in cells.items()}
        context["prefilled_from"] = judgement

    flagged: set[tuple[int, int]] = set()
    if preview is not None and not preview.consistent:
        flagged = {(p.row, p.column) for p in preview.result.most_inconsistent[:TOP_INCONSISTENT]}
    context.update(rows=_matrix_rows(labels, upper, flagged), items=",".join(scope.items))
    if preview is not None:
        context.update(_result_context(preview, labels))
    return render(request, "indicators/ahp.html", context)
