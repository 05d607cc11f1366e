"""The measurements workbook (FORMATS.md "Measurements and targets"): KPI values of members and posts,
and the floors and targets of model posts.

Rows update the stored value with the same key (subject, indicator, period); nothing is deleted. The
whole file is checked first, then only the rows that differ are written, in one transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from openpyxl import Workbook

from common.errors import DomainError
from common.imports import register_import
from common.xlsx import (
    Column,
    ErrorCollector,
    ImportResult,
    Row,
    Sheet,
    SheetData,
    WorkbookReader,
    WorkbookSource,
    choice_pairs,
    template_workbook,
)
from indicators.models import Indicator, IndicatorSystem, Measurement, PostTarget, Source, SubjectKind
from indicators.periods import Period
from indicators.services.measurements import (
    ambiguous_subject_message,
    equal_target_message,
    no_system_message,
    not_kpi_message,
    not_model_post_message,
    unknown_indicator_message,
    unknown_subject_message,
)
from org.models import Member, Post

CHUNK = 500
PERIOD_NOTE = "2025（年度）、2025-H1（半年）或 2025-Q2（季度）(annual, half or quarter)"

MEASUREMENTS = Sheet(
    "measurements",
    (
        Column(
            "subject",
            required=True,
            is_text=True,
            aliases=("对象", "工号或岗位编码"),
            note="党员的工号或岗位编码 (employee number or post code)",
        ),
        Column(
            "subject_kind",
            dropdown=tuple(label for _key, label in choice_pairs(SubjectKind)),
            note="仅当同一编码既是工号又是岗位编码时必填 (needed only where a code is both)",
        ),
        Column("indicator", required=True, is_text=True, note="实绩指标编码 (KPI indicator code)"),
        Column("period", required=True, is_text=True, note=PERIOD_NOTE),
        Column("value", required=True),
    ),
    required=False,
)
TARGETS = Sheet(
    "targets",
    (
        Column(
            "post", label="岗位", required=True, is_text=True, aliases=("岗位编码",), note="精品岗位编码 (model post)"
        ),
        Column("indicator", required=True, is_text=True, note="实绩指标编码 (KPI indicator code)"),
        Column("period", required=True, is_text=True, note=PERIOD_NOTE),
        Column("floor", required=True),
        Column("target", required=True, note="不等于底线值 (differs from the floor)"),
    ),
    required=False,
)
SHEETS = (MEASUREMENTS, TARGETS)


def _examples(year: int) -> dict[str, list[list[object]]]:
    return {
        "measurements": [
            ["1001", "党员", "perf_task_completion", str(year), 96],
            ["1002", "", "wis_suggestions", str(year), 3],
            ["P01", "岗位", "perf_task_completion", f"{year}-Q2", 88.5],
            ["P01", "岗位", "perf_safety_violations", f"{year}-Q2", 1],
        ],
        "targets": [
            ["P01", "perf_task_completion", f"{year}-Q2", 70, 100],
            ["P01", "perf_safety_violations", f"{year}-Q2", 3, 0],
            ["P01", "perf_task_completion", str(year), 75, 100],
        ],
    }


def _period_codes(year: int) -> tuple[str, ...]:
    return tuple(Period.parse(f"{year}{stage}").code for stage in ("", "-H1", "-H2", "-Q1", "-Q2", "-Q3", "-Q4"))


def measurements_template() -> Workbook:
    """Both sheets, the period column offering the codes of last year and this year (early in a year,
    last year's annual figures are still coming in). Reads no database."""
    year = timezone.localdate().year
    periods = _period_codes(year - 1) + _period_codes(year)

    def with_periods(sheet: Sheet) -> Sheet:
        columns = tuple(
            dataclasses.replace(column, dropdown=periods) if column.key == "period" else column
            for column in sheet.columns
        )
        return dataclasses.replace(sheet, columns=columns)

    return template_workbook([with_periods(sheet) for sheet in SHEETS], examples=_examples(year))


# --- what the file says ------------------------------------------------------------------------------


@dataclass
class _MeasurementIn:
    """One row; a field is None where its cell is empty or unreadable (already reported)."""

    row: Row
    subject: str | None
    kind: str | None
    indicator: str | None
    period: Period | None
    value: float | None


@dataclass
class _TargetIn:
    row: Row
    post: str | None
    indicator: str | None
    period: Period | None
    # None where a cell is missing or the target equals the floor (reported).
    values: tuple[float, float] | None


@dataclass
class _File:
    measurements: list[_MeasurementIn] = field(default_factory=list)
    targets: list[_TargetIn] = field(default_factory=list)
    has_measurements: bool = False
    has_targets: bool = False


def _period(row: Row) -> Period | None:
    text = row.text("period", required=True)
    if text is None:
        return None
    try:
        return Period.parse(text)
    except ValueError as exc:
        row.error("period", str(exc))
        return None


def _read_measurements(sheet: SheetData | None, into: _File) -> None:
    if sheet is None:
        return
    into.has_measurements = True
    for row in sheet:
        into.measurements.append(
            _MeasurementIn(
                row=row,
                subject=row.text("subject", required=True),
                kind=row.choice("subject_kind", SubjectKind),
                indicator=row.text("indicator", required=True),
                period=_period(row),
                value=row.numeric("value", required=True),
            )
        )


def _read_targets(sheet: SheetData | None, into: _File) -> None:
    if sheet is None:
        return
    into.has_targets = True
    for row in sheet:
        post = row.text("post", required=True)
        indicator = row.text("indicator", required=True)
        period = _period(row)
        floor = row.numeric("floor", required=True)
        target = row.numeric("target", required=True)
        values = None if floor is None or target is None else (floor, target)
        if values is not None and floor == target:
            row.error("target", equal_target_message(values[0]))
            values = None
        into.targets.append(_TargetIn(row, post, indicator, period, values))


# --- what is stored ----------------------------------------------------------------------------------


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    items = sorted(set(values))
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


@dataclass
class _Known:
    members: dict[str, int]
    posts: dict[str, tuple[int, bool]]
    years: set[int]
    # (year, code) → (pk, source)
    indicators: dict[tuple[int, str], tuple[int, str]]


def _load_known(data: _File) -> _Known:
    subjects = {item.subject for item in data.measurements if item.subject is not None}
    members: dict[str, int] = {}
    for chunk in _chunks(subjects):
        members.update(Member.objects.filter(employee_no__in=chunk).values_list("employee_no", "pk"))
    posts: dict[str, tuple[int, bool]] = {}
    for chunk in _chunks(subjects | {item.post for item in data.targets if item.post is not None}):
        for code, pk, is_model in Post.objects.filter(code__in=chunk).values_list("code", "pk", "is_model"):
            posts[code] = (pk, is_model)
    rows: list[_MeasurementIn | _TargetIn] = [*data.measurements, *data.targets]
    wanted_years = {r.period.year for r in rows if r.period is not None}
    years = set(IndicatorSystem.objects.filter(year__in=wanted_years).values_list("year", flat=True))
    indicators: dict[tuple[int, str], tuple[int, str]] = {}
    for chunk in _chunks(r.indicator for r in rows if r.indicator is not None):
        found = Indicator.objects.filter(system__year__in=years, code__in=chunk)
        for year, code, pk, source in found.values_list("system__year", "code", "pk", "source"):
            indicators[(year, code)] = (pk, source)
    return _Known(members=members, posts=posts, years=years, indicators=indicators)


# --- cross checks: from codes to keys ------------------------------------------------------------------


def _indicator_pk(item: _MeasurementIn | _TargetIn, known: _Known) -> int | None:
    row, code, period = item.row, item.indicator, item.period
    if period is None:
        return None
    if period.year not in known.years:
        row.error("period", no_system_message(period.year))
        return None
    if code is None:
        return None
    found = known.indicators.get((period.year, code))
    if found is None:
        row.error("indicator", unknown_indicator_message(code, period.year))
        return None
    if found[1] != Source.KPI:
        row.error("indicator", not_kpi_message(code))
        return None
    return found[0]


def _subject(item: _MeasurementIn, known: _Known) -> tuple[str, int] | None:
    code = item.subject
    if code is None:
        return None
    member = known.members.get(code) if item.kind != SubjectKind.POST else None
    post = known.posts.get(code) if item.kind != SubjectKind.MEMBER else None
    if member is not None and post is not None:
        item.row.error("subject", ambiguous_subject_message(code))
        return None
    if member is not None:
        return (SubjectKind.MEMBER.value, member)
    if post is not None:
        return (SubjectKind.POST.value, post[0])
    item.row.error("subject", unknown_subject_message(code, item.kind))
    return None


def _model_post(item: _TargetIn, known: _Known) -> int | None:
    if item.post is None:
        return None
    found = known.posts.get(item.post)
    if found is None:
        item.row.error("post", unknown_subject_message(item.post, SubjectKind.POST))
        return None
    if not found[1]:
        item.row.error("post", not_model_post_message(item.post))
        return None
    return found[0]


def _duplicate(row: Row, first: Row, column: str) -> None:
    row.error(
        column,
        f"同一对象、指标和期间在文件中重复，首次出现于第 {first.number} 行 "
        f"(duplicate row: the same subject, indicator and period as row {first.number})",
    )


# A measurement's key: (subject kind, subject pk, indicator pk, period code).
# A target's key: (post pk, indicator pk, period code).
MeasurementKey = tuple[str, int, int, str]
TargetKey = tuple[int, int, str]


def _measurement_values(data: _File, known: _Known) -> dict[MeasurementKey, float]:
    desired: dict[MeasurementKey, float] = {}
    first: dict[MeasurementKey, Row] = {}
    for item in data.measurements:
        subject = _subject(item, known)
        indicator = _indicator_pk(item, known)
        if subject is None or indicator is None or item.period is None:
            continue
        key = (*subject, indicator, item.period.code)
        if key in first:
            _duplicate(item.row, first[key], "subject")
            continue
        first[key] = item.row
        if item.value is not None:
            desired[key] = item.value
    return desired


def _target_values(data: _File, known: _Known) -> dict[TargetKey, tuple[float, float]]:
    desired: dict[TargetKey, tuple[float, float]] = {}
    first: dict[TargetKey, Row] = {}
    for item in data.targets:
        post = _model_post(item, known)
        indicator = _indicator_pk(item, known)
        if post is None or indicator is None or item.period is None:
            continue
        key = (post, indicator, item.period.code)
        if key in first:
            _duplicate(item.row, first[key], "post")
            continue
        first[key] = item.row
        if item.values is not None:
            desired[key] = item.values
    return desired


# --- comparing and writing -------------------------------------------------------------------------------


@dataclass
class _Plan:
    result: ImportResult
    new_measurements: dict[MeasurementKey, float] = field(default_factory=dict)
    changed_measurements: dict[int, float] = field(default_factory=dict)
    new_targets: dict[TargetKey, tuple[float, float]] = field(default_factory=dict)
    changed_targets: dict[int, tuple[float, float]] = field(default_factory=dict)


def _stored_measurements(desired: dict[MeasurementKey, float]) -> dict[MeasurementKey, tuple[int, float]]:
    indicators = {key[2] for key in desired}
    periods = {key[3] for key in desired}
    stored: dict[MeasurementKey, tuple[int, float]] = {}
    for kind, column in ((SubjectKind.MEMBER.value, "member_id"), (SubjectKind.POST.value, "post_id")):
        for chunk in _chunks(key[1] for key in desired if key[0] == kind):
            rows = Measurement.objects.filter(
                **{f"{column}__in": chunk}, indicator_id__in=indicators, period__in=periods
            ).values_list("pk", column, "indicator_id", "period", "value")
            for pk, subject, indicator, period, value in rows:
                stored[(kind, subject, indicator, period)] = (pk, value)
    return stored


def _stored_targets(desired: dict[TargetKey, tuple[float, float]]) -> dict[TargetKey, tuple[int, tuple[float, float]]]:
    indicators = {key[1] for key in desired}
    stored: dict[TargetKey, tuple[int, tuple[float, float]]] = {}
    for chunk in _chunks(key[0] for key in desired):
        rows = PostTarget.objects.filter(post_id__in=chunk, indicator_id__in=indicators).values_list(
            "pk", "post_id", "indicator_id", "period", "floor", "target"
        )
        for pk, post, indicator, period, floor, target in rows:
            stored[(post, indicator, period)] = (pk, (floor, target))
    return stored


def _plan(
    data: _File, measurements: dict[MeasurementKey, float], targets: dict[TargetKey, tuple[float, float]]
) -> _Plan:
    plan = _Plan(result=ImportResult())
    if data.has_measurements:
        _plan_measurements(plan, measurements)
    if data.has_targets:
        _plan_targets(plan, targets)
    return plan


def _plan_upserts(
    incoming: Mapping[Any, Any],
    stored: Mapping[Any, tuple[int, Any]],
    new: dict[Any, Any],
    changed: dict[int, Any],
    counts: Any,
) -> None:
    """Sort incoming rows into new, changed (by stored id) and unchanged, counting each."""
    for key, value in incoming.items():
        if key not in stored:
            new[key] = value
            counts.created += 1
        elif stored[key][1] != value:
            changed[stored[key][0]] = value
            counts.updated += 1
        else:
            counts.unchanged += 1


def _plan_measurements(plan: _Plan, measurements: dict[MeasurementKey, float]) -> None:
    stored = _stored_measurements(measurements)
    counts = plan.result.of("measurements")
    _plan_upserts(measurements, stored, plan.new_measurements, plan.changed_measurements, counts)


def _plan_targets(plan: _Plan, targets: dict[TargetKey, tuple[float, float]]) -> None:
    stored = _stored_targets(targets)
    _plan_upserts(targets, stored, plan.new_targets, plan.changed_targets, plan.result.of("targets"))


def _write(plan: _Plan, user: Any) -> None:
    entered_by = user if getattr(user, "is_authenticated", False) else None
    now = timezone.now()
    try:
        with transaction.atomic():
            Measurement.objects.bulk_create(
                [
                    Measurement(
                        member_id=subject if kind == SubjectKind.MEMBER else None,
                        post_id=subject if kind == SubjectKind.POST else None,
                        indicator_id=indicator,
                        period=period,
                        value=value,
                        entered_by=entered_by,
                    )
                    for (kind, subject, indicator, period), value in plan.new_measurements.items()
                ],
                batch_size=CHUNK,
            )
            Measurement.objects.bulk_update(
                [
                    Measurement(pk=pk, value=value, entered_by=entered_by, entered_at=now)
                    for pk, value in plan.changed_measurements.items()
                ],
                ["value", "entered_by", "entered_at"],
                batch_size=CHUNK,
            )
            PostTarget.objects.bulk_create(
                [
                    PostTarget(post_id=post, indicator_id=indicator, period=period, floor=floor, target=target)
                    for (post, indicator, period), (floor, target) in plan.new_targets.items()
                ],
                batch_size=CHUNK,
            )
            PostTarget.objects.bulk_update(
                [PostTarget(pk=pk, floor=floor, target=target) for pk, (floor, target) in plan.changed_targets.items()],
                ["floor", "target"],
                batch_size=CHUNK,
            )
    except IntegrityError as exc:
        # Another import or an administrator wrote one of these keys since the file was checked.
        raise DomainError(
            "导入期间数据被他人修改，未写入任何数据，请重新导入 "
            "(the data changed during the import; nothing was written)"
        ) from exc


def import_measurements(*, source: WorkbookSource, user: Any = None) -> ImportResult:
    """Import KPI values and post targets all or nothing; raises ImportErrors listing every problem."""
    data = _File()
    with WorkbookReader(source) as reader:
        measurements_sheet = reader.sheet(MEASUREMENTS)
        targets_sheet = reader.sheet(TARGETS)
        errors: ErrorCollector = reader.errors
        if measurements_sheet is None and targets_sheet is None:
            errors.add_sheet(
                MEASUREMENTS.title,
                f"缺少工作表“{MEASUREMENTS.title}”或“{TARGETS.title}” (missing sheet measurements or targets)",
            )
        _read_measurements(measurements_sheet, data)
        _read_targets(targets_sheet, data)
    known = _load_known(data)
    measurements = _measurement_values(data, known)
    targets = _target_values(data, known)
    errors.raise_if_any()

    plan = _plan(data, measurements, targets)
    if plan.result.changed:
        _write(plan, user)
    return plan.result


register_import(
    "measurements",
    label="实绩与岗位目标 (measurements and targets)",
    importer=import_measurements,
    template_builder=measurements_template,
)
