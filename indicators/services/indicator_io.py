"""The indicator-system workbook (FORMATS.md "Indicator system"): indicators, category weights,
rater-role weights and grades of one year's draft system, replaced as a whole by the file."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import transaction
from openpyxl import Workbook

from common.errors import DomainError, FrozenSystemError
from common.imports import ImportOption, register_import
from common.xlsx import (
    Column,
    ImportResult,
    Row,
    Sheet,
    SheetData,
    WorkbookReader,
    WorkbookSource,
    choice_pairs,
    first_seen,
    sum_text,
    template_workbook,
)
from indicators.models import (
    DEFAULT_GRADES,
    DIMENSIONS,
    CategoryWeight,
    Dimension,
    Grade,
    Indicator,
    IndicatorSystem,
    RaterRole,
    RaterWeight,
    Source,
)
from indicators.services.systems import WEIGHT_TOLERANCE, publish_system
from org.models import MemberCategory

CHUNK = 500

INDICATORS = Sheet(
    "indicators",
    (
        Column("code", required=True, is_text=True),
        Column("dimension", required=True, dropdown=tuple(zh for _key, zh, _en in DIMENSIONS)),
        Column("name", required=True, width=28),
        Column("name_en", width=28),
        Column("weight", required=True, note="维度内权重，同一维度合计为 1 (weight inside the dimension)"),
        Column("source", required=True, dropdown=tuple(label for _key, label in choice_pairs(Source))),
        # In this sheet `unit` is the KPI's unit of measure, not an organisation.
        Column("unit", label="计量单位", aliases=("单位", "所在组织")),
        Column("floor", note="仅实绩指标 (KPI only)"),
        Column("target", note="仅实绩指标，不等于底线值 (KPI only; differs from the floor)"),
        Column("description", label="说明", width=30),
    ),
)
CATEGORY_WEIGHTS = Sheet(
    "category_weights",
    (
        Column("category", required=True, is_text=True, note="人员类别编码 (category code)"),
        *(Column(key, label=zh, required=True) for key, zh, _en in DIMENSIONS),
    ),
)
RATER_WEIGHTS = Sheet(
    "rater_weights",
    (
        Column("role", required=True, dropdown=tuple(label for _key, label in choice_pairs(RaterRole))),
        Column("weight", required=True),
    ),
)
GRADES = Sheet(
    "grades",
    (
        Column("grade", required=True),
        Column("min_score", required=True),
        Column("max_share", note="0–1，仅最高等级 (top grade only)"),
    ),
    required=False,
)
SHEETS = (INDICATORS, CATEGORY_WEIGHTS, RATER_WEIGHTS, GRADES)

EXAMPLES: dict[str, list[list[object]]] = {
    "indicators": [
        ["perf_target", "绩效", "岗位目标完成率", "Job target completion", 0.6, "实绩", "%", 60, 100, ""],
        ["perf_q", "绩效", "工作业绩评价", "Work performance", 0.4, "问卷", "", None, None, ""],
        ["exec_q", "执行", "执行力", "Execution", 0.7, "问卷", "", None, None, ""],
        ["exec_rating", "执行", "执行纪律评分", "Discipline rating", 0.3, "评分", "", None, None, ""],
        ["wisdom_q", "智慧", "学习与创新", "Learning and innovation", 0.5, "问卷", "", None, None, ""],
        ["wisdom_ideas", "智慧", "合理化建议", "Improvement proposals", 0.5, "实绩", "件", 0, 5, "年度采纳件数"],
        ["culture_q", "文化", "文化认同", "Cultural identity", 1, "问卷", "", None, None, ""],
        ["team_q", "团队", "团队协作", "Teamwork", 0.6, "问卷", "", None, None, ""],
        ["team_rating", "团队", "带动作用评分", "Leading by example", 0.4, "评分", "", None, None, ""],
        ["belief_q", "信仰", "理想信念", "Ideals and conviction", 1, "问卷", "", None, None, ""],
    ],
    "category_weights": [
        ["management", 0.2, 0.2, 0.15, 0.15, 0.15, 0.15],
        ["technical", 0.2, 0.15, 0.25, 0.1, 0.1, 0.2],
        ["frontline", 0.3, 0.2, 0.1, 0.1, 0.15, 0.15],
    ],
    "rater_weights": [["自评", 0.2], ["互评", 0.3], ["书记评价", 0.3], ["群众评议", 0.2]],
    "grades": [["优秀", 90, 0.3], ["合格", 70, None], ["基本合格", 60, None], ["不合格", 0, None]],
}


def indicators_template() -> Workbook:
    return template_workbook(SHEETS, examples=EXAMPLES)


def system_name(year: int) -> str:
    return f"{year}年党员模范力指标体系"


def _frozen(year: int) -> FrozenSystemError:
    return FrozenSystemError(f"{year} 年指标体系已发布，不能导入 (the {year} indicator system is published and frozen)")


# --- what the file says -----------------------------------------------------------------------------


class IndicatorIn(NamedTuple):
    """One indicator row; name_en, unit and description are None where their column is absent."""

    dimension: str
    name: str
    name_en: str | None
    weight: float
    source: str
    unit: str | None
    floor: float | None
    target: float | None
    description: str | None
    order: int


@dataclass
class _File:
    indicators: dict[str, IndicatorIn] = field(default_factory=dict)
    category_weights: dict[tuple[str, str], float] = field(default_factory=dict)
    rater_weights: dict[str, float] = field(default_factory=dict)
    grades: dict[str, tuple[float, float | None]] = field(default_factory=dict)


def _optional_text(sheet: SheetData, row: Row, key: str) -> str | None:
    return (row.text(key) or "") if sheet.has(key) else None


def _require_rows(sheet: SheetData, what: str) -> bool:
    if not sheet.rows:
        sheet.error(f"A{sheet.header_row + 1}", f"没有{what} (the sheet has no rows)")
    return bool(sheet.rows)


def _kpi_problems(row: Row, source: str, floor: float | None, target: float | None) -> None:
    if source == Source.KPI:
        if floor is None:
            row.error("floor", "实绩指标须有底线值 (a KPI indicator needs a floor)")
        if target is None:
            row.error("target", "实绩指标须有目标值 (a KPI indicator needs a target)")
        if floor is not None and target is not None and floor == target:
            row.error("target", f"目标值不能等于底线值 {floor:g} (the target equals the floor)")
        return
    for key, value in (("floor", floor), ("target", target)):
        if value is not None:
            row.error(key, "只有实绩指标有底线值和目标值 (only KPI indicators have a floor and a target)")


def _read_indicators(sheet: SheetData | None, dimensions: dict[str, str], into: _File) -> None:
    if sheet is None or not _require_rows(sheet, "指标"):
        return
    parsed = []
    for row in sheet:
        code = row.text("code", required=True)
        values = (
            row.choice("dimension", dimensions, required=True),
            row.text("name", required=True),
            row.numeric("weight", required=True, minimum=0.0, maximum=1.0),
            row.choice("source", Source, required=True),
        )
        floor, target = row.numeric("floor"), row.numeric("target")
        if values[3] is not None:
            _kpi_problems(row, values[3], floor, target)
        parsed.append((row, code, values, floor, target))
    unique = first_seen(((code, row) for row, code, *_rest in parsed), key="code", what="指标编码")

    weights: dict[str, list[tuple[Row, float | None]]] = defaultdict(list)
    for order, (row, code, (dimension, name, weight, source), floor, target) in enumerate(parsed):
        if dimension is not None:
            weights[dimension].append((row, weight))
        if code is None or unique.get(code) is not row or None in (dimension, name, weight, source):
            continue
        assert dimension is not None and name is not None and weight is not None and source is not None
        into.indicators[code] = IndicatorIn(
            dimension, name, _optional_text(sheet, row, "name_en"), weight, source,
            _optional_text(sheet, row, "unit"), floor, target, _optional_text(sheet, row, "description"), order,
        )  # fmt: skip
    for dimension, entries in weights.items():
        if any(weight is None for _row, weight in entries):
            continue  # the unreadable weight is already reported; a sum of the rest would only mislead
        total = sum(weight or 0.0 for _row, weight in entries)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            name, shown = dimensions[dimension], sum_text(total)
            entries[0][0].error(
                "weight",
                f"维度“{name}”的指标权重合计为 {shown}，应为 1 "
                f"(indicator weights of {dimension} sum to {shown}, not 1)",
            )


def _read_category_weights(sheet: SheetData | None, categories: set[str], into: _File) -> None:
    if sheet is None or not _require_rows(sheet, "人员类别权重"):
        return
    parsed = []
    for row in sheet:
        code = row.text("category", required=True)
        if code is not None and code not in categories:
            row.error("category", f"未知的人员类别编码“{code}” (unknown category code)")
        weights = {key: row.numeric(key, minimum=0.0, maximum=1.0) for key, _zh, _en in DIMENSIONS}
        parsed.append((row, code, weights))
    unique = first_seen(((code, row) for row, code, _w in parsed), key="category", what="人员类别")
    for row, code, weights in parsed:
        if code is None or unique.get(code) is not row:
            continue
        # An empty cell is a weight of 0; a cell that could not be read is already an error.
        if any(weight is None and row.raw(key) not in (None, "") for key, weight in weights.items()):
            continue
        total = sum(weight or 0.0 for weight in weights.values())
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            shown = sum_text(total)
            row.error(
                "category",
                f"人员类别“{code}”的维度权重合计为 {shown}，应为 1 "
                f"(dimension weights of category {code} sum to {shown}, not 1)",
            )
        for key, weight in weights.items():
            into.category_weights[(code, key)] = weight or 0.0


def _read_rater_weights(sheet: SheetData | None, into: _File) -> None:
    if sheet is None or not _require_rows(sheet, "评价主体权重"):
        return
    parsed = [
        (
            row,
            row.choice("role", RaterRole, required=True),
            row.numeric("weight", required=True, minimum=0.0, maximum=1.0),
        )
        for row in sheet
    ]
    unique = first_seen(((role, row) for row, role, _w in parsed), key="role", what="评价主体")
    for row, role, weight in parsed:
        if role is not None and weight is not None and unique.get(role) is row:
            into.rater_weights[role] = weight
    if all(weight is not None for _row, _role, weight in parsed):
        total = sum(weight or 0.0 for _row, _role, weight in parsed)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            shown = sum_text(total)
            sheet.error(
                sheet.header_ref("weight"),
                f"评价主体权重合计为 {shown}，应为 1 (rater-role weights sum to {shown}, not 1)",
            )


def _read_grades(sheet: SheetData | None, into: _File) -> None:
    if sheet is None or not sheet.rows:
        into.grades = {label: (minimum, share) for label, minimum, share in DEFAULT_GRADES}
        return
    parsed = [
        (
            row,
            row.text("grade", required=True),
            row.numeric("min_score", required=True, minimum=0.0, maximum=100.0),
            row.numeric("max_share", minimum=0.0, maximum=1.0),
        )
        for row in sheet
    ]
    labels = first_seen(((label, row) for row, label, _m, _s in parsed), key="grade", what="等级")
    minimums = first_seen(
        ((None if m is None else f"{m:g}", row) for row, _l, m, _s in parsed), key="min_score", what="最低分"
    )
    top = max((m for _row, _l, m, _s in parsed if m is not None), default=None)
    for row, label, minimum, share in parsed:
        if share is not None and minimum is not None and minimum != top:
            row.error("max_share", "只有最高等级可以设定最高比例 (only the top grade may carry a share cap)")
        if label is None or minimum is None or labels.get(label) is not row or minimums.get(f"{minimum:g}") is not row:
            continue
        into.grades[label] = (minimum, share)


# --- comparing and writing ----------------------------------------------------------------------------


@dataclass
class _Diff:
    """Rows of one kind: to create, to update (with the stored pk) and to delete (stored pks)."""

    create: dict[Any, Any] = field(default_factory=dict)
    update: dict[Any, tuple[int, Any]] = field(default_factory=dict)
    delete: list[int] = field(default_factory=list)


def _diff(result: ImportResult, kind: str, desired: dict[Any, Any], stored: dict[Any, tuple[int, Any]]) -> _Diff:
    diff = _Diff()
    for key, values in desired.items():
        if key not in stored:
            diff.create[key] = values
        elif stored[key][1] != values:
            diff.update[key] = (stored[key][0], values)
    diff.delete = [pk for key, (pk, _values) in stored.items() if key not in desired]
    unchanged = len(desired) - len(diff.create) - len(diff.update)
    result.add(kind, created=len(diff.create), updated=len(diff.update), unchanged=unchanged, deleted=len(diff.delete))
    return diff


def _keep(value: str | None, old: tuple[Any, ...] | None, index: int) -> str:
    """A text from the file, or what is stored where its column is absent."""
    return value if value is not None else (old[index] if old else "")


def _desired_indicators(
    data: _File, stored: dict[str, tuple[int, tuple[Any, ...]]], dimension_pk: dict[str, int]
) -> dict[str, tuple[Any, ...]]:
    desired = {}
    for code, row in data.indicators.items():
        old = stored[code][1] if code in stored else None
        desired[code] = (
            dimension_pk[row.dimension], row.name, _keep(row.name_en, old, 2), row.weight, row.source,
            _keep(row.unit, old, 5), row.floor, row.target, _keep(row.description, old, 8), row.order,
        )  # fmt: skip
    return desired


INDICATOR_FIELDS = (
    "dimension_id", "name", "name_en", "weight", "source", "measure_unit", "floor", "target", "description", "order",
)  # fmt: skip


def _stored(queryset: Any, key_fields: Iterable[str], value_fields: Iterable[str]) -> dict[Any, tuple[int, Any]]:
    keys, values = list(key_fields), list(value_fields)
    found: dict[Any, tuple[int, Any]] = {}
    for row in queryset.values_list("pk", *keys, *values):
        key = row[1] if len(keys) == 1 else tuple(row[1 : 1 + len(keys)])
        value = row[1 + len(keys) :]
        found[key] = (row[0], value if len(values) > 1 else value[0])
    return found


def _parts(model: Any, system: IndicatorSystem | None) -> Any:
    return model.objects.filter(system=system) if system is not None else model.objects.none()


def _apply(model: Any, diff: _Diff, build: Any, fields: list[str]) -> None:
    for start in range(0, len(diff.delete), CHUNK):
        model.objects.filter(pk__in=diff.delete[start : start + CHUNK]).delete()
    model.objects.bulk_update(
        [build(key, values, pk) for key, (pk, values) in diff.update.items()], fields, batch_size=CHUNK
    )
    model.objects.bulk_create([build(key, values, None) for key, values in diff.create.items()], batch_size=CHUNK)


def _check_year(year: int) -> None:
    if not 1900 <= year <= 2999:
        raise DomainError(f"年度 {year} 无效 (invalid year)")


def import_indicators(*, source: WorkbookSource, year: int, publish: bool = False, user: Any = None) -> ImportResult:
    """Replace the year's draft system with the file, all or nothing; optionally publish it."""
    _check_year(year)
    system = IndicatorSystem.objects.filter(year=year).first()
    if system is not None and system.is_frozen:
        raise _frozen(year)

    dimensions = dict(Dimension.objects.values_list("key", "name"))
    data = _File()
    with WorkbookReader(source) as reader:
        _read_indicators(reader.sheet(INDICATORS), dimensions, data)
        categories = set(MemberCategory.objects.values_list("code", flat=True))
        _read_category_weights(reader.sheet(CATEGORY_WEIGHTS), categories, data)
        _read_rater_weights(reader.sheet(RATER_WEIGHTS), data)
        _read_grades(reader.sheet(GRADES), data)
        errors = reader.errors
    errors.raise_if_any()

    dimension_pk = dict(Dimension.objects.values_list("key", "pk"))
    category_pk = dict(MemberCategory.objects.values_list("code", "pk"))
    result = ImportResult()
    if system is None:
        result.add("system", created=1)
    stored_indicators = _stored(_parts(Indicator, system), ["code"], INDICATOR_FIELDS)
    desired_indicators = _desired_indicators(data, stored_indicators, dimension_pk)
    stored_category_weights = _stored(_parts(CategoryWeight, system), ["category__code", "dimension__key"], ["weight"])
    diffs = {
        Indicator: _diff(result, "indicators", desired_indicators, stored_indicators),
        CategoryWeight: _diff(result, "category_weights", dict(data.category_weights), stored_category_weights),
        RaterWeight: _diff(
            result,
            "rater_weights",
            dict(data.rater_weights),
            _stored(_parts(RaterWeight, system), ["role"], ["weight"]),
        ),
        Grade: _diff(
            result, "grades", dict(data.grades), _stored(_parts(Grade, system), ["label"], ["min_score", "max_share"])
        ),
    }
    if result.changed or publish:
        _write(
            year=year,
            system=system,
            diffs=diffs,
            keys=(dimension_pk, category_pk),
            publish=publish,
            user=user,
            result=result,
        )
    return result


@transaction.atomic
def _write(
    *,
    year: int,
    system: IndicatorSystem | None,
    diffs: dict[Any, _Diff],
    keys: tuple[dict[str, int], dict[str, int]],
    publish: bool,
    user: Any,
    result: ImportResult,
) -> None:
    dimension_pk, category_pk = keys
    if system is None:
        system = IndicatorSystem.objects.create(year=year, name=system_name(year))
    # Lock the system row so that a publish racing this import waits for it (and is then frozen).
    locked = IndicatorSystem.objects.select_for_update().get(pk=system.pk)
    if locked.is_frozen:
        raise _frozen(year)
    _apply(
        Indicator,
        diffs[Indicator],
        lambda code, v, pk: Indicator(pk=pk, system=locked, code=code, **dict(zip(INDICATOR_FIELDS, v, strict=True))),
        [name.removesuffix("_id") for name in INDICATOR_FIELDS],
    )
    _apply(
        CategoryWeight,
        diffs[CategoryWeight],
        lambda key, weight, pk: CategoryWeight(
            pk=pk, system=locked, category_id=category_pk[key[0]], dimension_id=dimension_pk[key[1]], weight=weight
        ),
        ["weight"],
    )
    _apply(
        RaterWeight,
        diffs[RaterWeight],
        lambda role, weight, pk: RaterWeight(pk=pk, system=locked, role=role, weight=weight),
        ["weight"],
    )
    _apply(
        Grade,
        diffs[Grade],
        lambda label, v, pk: Grade(pk=pk, system=locked, label=label, min_score=v[0], max_share=v[1]),
        ["min_score", "max_share"],
    )
    if publish:
        publish_system(system=locked, user=user)
        result.notes.append(f"已发布 {year} 年指标体系 (the {year} system is published)")
        result.extra_changes = True


def _import_for_registry(*, source: WorkbookSource, user: Any = None, year: int, publish: bool = False) -> ImportResult:
    return import_indicators(source=source, year=year, publish=publish, user=user)


register_import(
    "indicators",
    label="指标体系 (indicator system)",
    importer=_import_for_registry,
    template_builder=indicators_template,
    options=(
        ImportOption("year", "年度", "int", required=True, help_text="指标体系所属年度 (the system's year)"),
        ImportOption("publish", "导入后发布", "bool", help_text="导入成功后立即发布（冻结）(publish after import)"),
    ),
)
