"""The default six-angle catalogue (seeds/catalogue.json) loaded as a year's indicator system.

The file is validated as a whole before anything is written. Loading is idempotent: a draft that
already holds the file's content is left untouched, a draft that differs is brought in line with the
file (rows matched by code, so post targets on kept indicators survive), and a published year is
refused unless it already holds exactly the file's content.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from common.errors import DomainError, FrozenSystemError
from indicators.models import (
    DIMENSION_KEYS,
    CategoryWeight,
    Dimension,
    Grade,
    Indicator,
    IndicatorSystem,
    RaterRole,
    RaterWeight,
    Source,
)
from indicators.services.systems import check_weight_sum, grade_problems, publish_system
from indicators.services.weights import set_category_weights
from org.models import MemberCategory

# Floats read from JSON and floats read back from the database compare equal at this precision.
_DIGITS = 9

# Indicator fields the catalogue sets besides its code and dimension.
_INDICATOR_FIELDS = (
    "name", "name_en", "weight", "source", "measure_unit", "floor", "target", "description", "order",
)  # fmt: skip

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
ALREADY_LOADED = "already_loaded"


def default_catalogue_path() -> Path:
    return Path(settings.BASE_DIR) / "seeds" / "catalogue.json"


@dataclass(frozen=True)
class CatalogueLoad:
    system: IndicatorSystem
    # created | updated | unchanged (a draft already holding the file) | already_loaded (published)
    outcome: str
    published: bool = False


def _number(value: Any, *, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DomainError(f"目录文件：{what} 应为数字 (catalogue: {what} must be a number)")
    return round(float(value), _DIGITS)


def _weight(value: Any, *, what: str) -> float:
    weight = _number(value, what=what)
    if not 0.0 <= weight <= 1.0:
        raise DomainError(f"目录文件：{what} 为 {weight:g}，应在 0 到 1 之间 ({what} must lie in 0..1)")
    return weight


def _optional_number(value: Any, *, what: str) -> float | None:
    return None if value is None else _number(value, what=what)


def read_catalogue(path: Path | None = None) -> dict[str, Any]:
    target = path or default_catalogue_path()
    try:
        data = json.loads(Path(target).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DomainError(f"找不到目录文件 {target} (catalogue file not found)") from exc
    except json.JSONDecodeError as exc:
        raise DomainError(f"目录文件不是有效的 JSON：{exc} (catalogue is not valid JSON)") from exc
    if not isinstance(data, dict):
        raise DomainError("目录文件应为一个 JSON 对象 (catalogue must be a JSON object)")
    return data


def _text(row: dict[str, Any], key: str) -> str:
    return str(row.get(key) or "").strip()


def _indicator_from_file(row: dict[str, Any], order: int) -> tuple[str, dict[str, Any]]:
    code = _text(row, "code")
    if not code:
        raise DomainError(f"目录文件：第 {order + 1} 个指标没有编码 (indicator {order + 1} has no code)")
    if not _text(row, "name"):
        raise DomainError(f"目录文件：指标 {code} 没有名称 (indicator {code} has no name)")
    if row.get("dimension") not in DIMENSION_KEYS:
        raise DomainError(f"目录文件：指标 {code} 的维度 {row.get('dimension')!r} 未知 (unknown dimension)")
    source = row.get("source")
    if source not in Source.values:
        raise DomainError(f"目录文件：指标 {code} 的来源 {source!r} 未知 (unknown source)")
    floor = _optional_number(row.get("floor"), what=f"指标 {code} 的底线值")
    target = _optional_number(row.get("target"), what=f"指标 {code} 的目标值")
    if source == Source.KPI and (floor is None or target is None or floor == target):
        raise DomainError(
            f"目录文件：实绩指标 {code} 须有不相等的底线值和目标值 (KPI {code} needs a floor and a different target)"
        )
    if source != Source.KPI and (floor is not None or target is not None):
        raise DomainError(f"目录文件：只有实绩指标有底线值和目标值，{code} 不是 (only KPIs have floor and target)")
    return code, {
        "dimension": row["dimension"],
        "name": _text(row, "name"),
        "name_en": _text(row, "name_en"),
        "weight": _weight(row.get("weight"), what=f"指标 {code} 的权重"),
        "source": source,
        "measure_unit": _text(row, "unit"),
        "floor": floor,
        "target": target,
        "description": _text(row, "description"),
        "order": order,
    }


def _indicators_from_file(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    indicators: dict[str, dict[str, Any]] = {}
    for order, row in enumerate(rows):
        code, fields = _indicator_from_file(row, order)
        if code in indicators:
            raise DomainError(f"目录文件：指标编码 {code} 重复 (duplicate indicator code {code})")
        indicators[code] = fields
    dimension_names = dict(Dimension.objects.values_list("key", "name"))
    for key in DIMENSION_KEYS:
        name = dimension_names.get(key, key)
        weights = [fields["weight"] for fields in indicators.values() if fields["dimension"] == key]
        if not weights:
            raise DomainError(f"目录文件：维度“{name}”没有指标 (dimension {key} has no indicators)")
        check_weight_sum(weights, what=f"维度“{name}”的指标")
    return indicators


def _categories_from_file(rows: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    categories: dict[str, dict[str, str]] = {}
    for row in rows:
        if not _text(row, "code") or not _text(row, "name"):
            raise DomainError("目录文件：人员类别须有编码和名称 (a category needs a code and a name)")
        categories[_text(row, "code")] = {"name": _text(row, "name"), "name_en": _text(row, "name_en")}
    return categories


def _category_weights_from_file(
    grid: dict[str, dict[str, Any]], categories: dict[str, dict[str, str]]
) -> dict[tuple[str, str], float]:
    if not grid:
        raise DomainError("目录文件：没有人员类别权重 (no category weights)")
    known = categories.keys() | set(MemberCategory.objects.filter(code__in=list(grid)).values_list("code", flat=True))
    weights: dict[tuple[str, str], float] = {}
    for category, row in grid.items():
        if category not in known:
            raise DomainError(f"目录文件：人员类别 {category} 未定义 (category {category} is not defined)")
        unknown = set(row) - set(DIMENSION_KEYS)
        if unknown:
            raise DomainError(f"目录文件：人员类别 {category} 的维度 {sorted(unknown)} 未知 (unknown dimensions)")
        row_weights = {key: _weight(row.get(key, 0), what=f"人员类别 {category} 的权重") for key in DIMENSION_KEYS}
        name = categories.get(category, {}).get("name", category)
        check_weight_sum(row_weights.values(), what=f"人员类别“{name}”")
        weights |= {(category, key): weight for key, weight in row_weights.items()}
    return weights


def _rater_weights_from_file(row: dict[str, Any]) -> dict[str, float]:
    unknown = set(row) - set(RaterRole.values)
    if unknown:
        raise DomainError(f"目录文件：评价主体 {sorted(unknown)} 未知 (unknown rater roles)")
    weights = {role: _weight(weight, what=f"评价主体 {role} 的权重") for role, weight in row.items()}
    check_weight_sum(weights.values(), what="评价主体")
    return weights


def _grades_from_file(rows: list[dict[str, Any]]) -> dict[str, tuple[float, float | None]]:
    grades: dict[str, tuple[float, float | None]] = {}
    for row in rows:
        label = _text(row, "label")
        if not label or label in grades:
            raise DomainError(f"目录文件：等级 {label!r} 为空或重复 (empty or duplicate grade)")
        share = row.get("max_share")
        grades[label] = (
            _number(row.get("min_score"), what=f"等级 {label} 的最低分"),
            None if share is None else _weight(share, what=f"等级 {label} 的最高比例"),
        )
    problems = grade_problems([(label, minimum, share) for label, (minimum, share) in grades.items()])
    if problems:
        raise DomainError("目录文件：" + "；".join(problems))
    return grades


def _content_from_file(data: dict[str, Any]) -> dict[str, Any]:
    """Validate the whole file and return its content in the shape `_content_of_system` gives."""
    categories = _categories_from_file(data.get("categories") or [])
    return {
        "categories": categories,
        "indicators": _indicators_from_file(data.get("indicators") or []),
        "category_weights": _category_weights_from_file(data.get("category_weights") or {}, categories),
        "rater_weights": _rater_weights_from_file(data.get("rater_weights") or {}),
        "grades": _grades_from_file(data.get("grades") or []),
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, _DIGITS)


def _content_of_system(system: IndicatorSystem) -> dict[str, Any]:
    indicators = {
        row["code"]: {
            "dimension": row["dimension__key"],
            "name": row["name"],
            "name_en": row["name_en"],
            "weight": _rounded(row["weight"]),
            "source": row["source"],
            "measure_unit": row["measure_unit"],
            "floor": _rounded(row["floor"]),
            "target": _rounded(row["target"]),
            "description": row["description"],
            "order": row["order"],
        }
        for row in Indicator.objects.filter(system=system).values("code", "dimension__key", *_INDICATOR_FIELDS)
    }
    category_weights = {
        (category, dimension): _rounded(weight)
        for category, dimension, weight in CategoryWeight.objects.filter(system=system).values_list(
            "category__code", "dimension__key", "weight"
        )
    }
    rater_weights = {
        role: _rounded(weight)
        for role, weight in RaterWeight.objects.filter(system=system).values_list("role", "weight")
    }
    grades = {
        label: (_rounded(minimum), _rounded(share))
        for label, minimum, share in Grade.objects.filter(system=system).values_list("label", "min_score", "max_share")
    }
    return {
        "indicators": indicators,
        "category_weights": category_weights,
        "rater_weights": rater_weights,
        "grades": grades,
    }


def _same_content(file_content: dict[str, Any], stored: dict[str, Any]) -> bool:
    return all(file_content[key] == stored[key] for key in stored)


def _ensure_categories(categories: dict[str, dict[str, str]], codes: set[str]) -> None:
    """Create the categories the file names that do not exist yet; never rename existing ones."""
    existing = set(MemberCategory.objects.filter(code__in=codes).values_list("code", flat=True))
    MemberCategory.objects.bulk_create(
        [MemberCategory(code=code, **categories[code]) for code in sorted(codes - existing)]
    )


def _sync_rows(system: IndicatorSystem, content: dict[str, Any]) -> None:
    """Bring a draft's rows in line with the file: update by key, create the missing, delete the rest."""
    dimensions = {d.key: d for d in Dimension.objects.all()}
    _ensure_categories(content["categories"], {category for category, _key in content["category_weights"]})

    existing_indicators = {i.code: i for i in Indicator.objects.filter(system=system)}
    Indicator.objects.filter(system=system).exclude(code__in=list(content["indicators"])).delete()
    for code, fields in content["indicators"].items():
        values = {**fields, "dimension": dimensions[fields["dimension"]]}
        indicator = existing_indicators.get(code) or Indicator(system=system, code=code)
        for name, value in values.items():
            setattr(indicator, name, value)
        indicator.save()

    grid: dict[str, dict[str, float]] = {}
    for (category, dimension), weight in content["category_weights"].items():
        grid.setdefault(category, {})[dimension] = weight
    set_category_weights(system=system, grid=grid, replace=True)

    RaterWeight.objects.filter(system=system).exclude(role__in=list(content["rater_weights"])).delete()
    for role, weight in content["rater_weights"].items():
        RaterWeight.objects.update_or_create(system=system, role=role, defaults={"weight": weight})

    Grade.objects.filter(system=system).exclude(label__in=list(content["grades"])).delete()
    for label, (minimum, share) in content["grades"].items():
        Grade.objects.update_or_create(system=system, label=label, defaults={"min_score": minimum, "max_share": share})


@transaction.atomic
def load_catalogue_outcome(
    *, year: int, publish: bool = False, path: Path | None = None, user: Any = None
) -> CatalogueLoad:
    """`load_catalogue`, also telling what it did (for the command's message)."""
    data = read_catalogue(path)
    content = _content_from_file(data)
    system = IndicatorSystem.objects.select_for_update().filter(year=year).first()

    if system is not None and system.is_frozen:
        if not _same_content(content, _content_of_system(system)):
            raise FrozenSystemError(
                f"{year} 年指标体系已发布，与目录文件内容不同，不能重新载入；请复制为下一年的草稿再修改 "
                f"(the {year} system is published and differs from the catalogue; clone it instead)"
            )
        return CatalogueLoad(system=system, outcome=ALREADY_LOADED)

    if system is None:
        name = str(data.get("name") or "{year}年党员模范力指标体系").replace("{year}", str(year))
        system = IndicatorSystem.objects.create(year=year, name=name)
        outcome = CREATED
    elif _same_content(content, _content_of_system(system)):
        outcome = UNCHANGED
    else:
        outcome = UPDATED
    if outcome != UNCHANGED:
        _sync_rows(system, content)

    if publish:
        publish_system(system=system, user=user)
    return CatalogueLoad(system=system, outcome=outcome, published=publish)


def load_catalogue(*, year: int, publish: bool = False, path: Path | None = None) -> IndicatorSystem:
    """Create (or bring in line) the year's draft system from the catalogue file; publish it if asked."""
    return load_catalogue_outcome(year=year, publish=publish, path=path).system
