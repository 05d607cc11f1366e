"""The roster workbook (FORMATS.md "Roster"): units, member categories, members and posts.

The whole file is validated against itself and the database first; only a clean file is written,
in one transaction, and only the rows that differ from what is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from openpyxl import Workbook

from common.imports import register_import
from common.xlsx import (
    YES_NO_LABELS,
    Column,
    ImportResult,
    Row,
    Sheet,
    SheetData,
    WorkbookReader,
    WorkbookSource,
    choice_pairs,
    first_seen,
    template_workbook,
)
from org.models import MEMBER_UNIT_KINDS, Member, MemberCategory, MemberStatus, Post, Unit, UnitKind
from org.services.accounts import ensure_accounts
from org.services.units import rebuild_unit_paths

CHUNK = 500


def _labels(choices: Any) -> tuple[str, ...]:
    return tuple(label for _key, label in choice_pairs(choices))


UNITS = Sheet(
    "units",
    (
        Column("code", required=True, is_text=True),
        Column("name", required=True),
        Column("kind", required=True, dropdown=_labels(UnitKind)),
        Column("parent", is_text=True, note="上级组织的编码，最上级留空 (code of the parent unit; empty at the top)"),
        Column("secretary", is_text=True, note="书记的工号 (employee number of the secretary)"),
    ),
)
CATEGORIES = Sheet(
    "categories",
    (Column("code", required=True, is_text=True), Column("name", required=True), Column("name_en")),
    required=False,
)
MEMBERS = Sheet(
    "members",
    (
        Column("employee_no", required=True, is_text=True),
        Column("name", label="姓名", aliases=("名称",), required=True),
        Column("unit", required=True, is_text=True, note="党支部或党小组的编码 (code of a branch or group)"),
        Column("category", required=True, is_text=True, note="人员类别编码 (category code)"),
        Column("joined_on", note="YYYY-MM-DD"),
        Column("status", dropdown=_labels(MemberStatus)),
    ),
)
POSTS = Sheet(
    "posts",
    (
        Column("code", required=True, is_text=True),
        Column("name", required=True),
        Column("unit", required=True, is_text=True),
        Column("holders", is_text=True, width=24, note="多个工号用逗号或顿号分隔 (employee numbers, comma-separated)"),
        Column("model_post", dropdown=YES_NO_LABELS),
    ),
    required=False,
)
SHEETS = (UNITS, CATEGORIES, MEMBERS, POSTS)

EXAMPLES: dict[str, list[list[object]]] = {
    "units": [
        ["C1", "公司党委", "党委", "", ""],
        ["GB1", "生产党总支", "党总支", "C1", ""],
        ["B1", "第一党支部", "党支部", "GB1", "1001"],
        ["G1", "第一党小组", "党小组", "B1", ""],
        ["B2", "机关党支部", "党支部", "C1", "2001"],
    ],
    "categories": [
        ["management", "管理人员", "Management"],
        ["technical", "专业技术人员", "Technical staff"],
        ["frontline", "生产一线", "Front line"],
    ],
    "members": [
        ["1001", "张伟", "B1", "management", "2005-07-01", "在册"],
        ["1002", "李娜", "B1", "technical", "2012-06-15", "在册"],
        ["1003", "王强", "G1", "frontline", "2018-11-20", "在册"],
        ["2001", "刘洋", "B2", "management", "2003-05-04", "在册"],
        ["2002", "陈静", "B2", "technical", "", "在册"],
    ],
    "posts": [
        ["P01", "安全生产示范岗", "B1", "1001、1003", "是"],
        ["P02", "技术攻关岗", "B2", "2002", "是"],
        ["P03", "党员服务岗", "B1", "1002", "否"],
    ],
}


def roster_template() -> Workbook:
    return template_workbook(SHEETS, examples=EXAMPLES)


# --- what the file says -----------------------------------------------------------------------------
# A field is None where the file leaves it to what is stored: its column is absent.


@dataclass
class _UnitIn:
    row: Row
    name: str
    kind: str
    parent: str | None
    secretary: str | None
    has_parent: bool
    has_secretary: bool


@dataclass
class _MemberIn:
    row: Row
    name: str
    unit: str
    category: str
    joined_on: dt.date | None
    status: str | None
    has_joined_on: bool


@dataclass
class _PostIn:
    row: Row
    name: str
    unit: str
    holders: frozenset[str] | None
    is_model: bool | None


@dataclass
class _File:
    categories: dict[str, tuple[Row, str, str | None]] = field(default_factory=dict)
    units: dict[str, _UnitIn] = field(default_factory=dict)
    members: dict[str, _MemberIn] = field(default_factory=dict)
    posts: dict[str, _PostIn] = field(default_factory=dict)


def _read_categories(sheet: SheetData | None, into: _File) -> None:
    if sheet is None:
        return
    parsed = [(row, row.text("code", required=True), row.text("name", required=True)) for row in sheet]
    unique = first_seen(((code, row) for row, code, _name in parsed), key="code", what="编码")
    for row, code, name in parsed:
        if code is not None and name is not None and unique.get(code) is row:
            into.categories[code] = (row, name, (row.text("name_en") or "") if sheet.has("name_en") else None)


def _read_units(sheet: SheetData | None, into: _File) -> None:
    if sheet is None:
        return
    parsed = []
    for row in sheet:
        code = row.text("code", required=True)
        name = row.text("name", required=True)
        kind = row.choice("kind", UnitKind, required=True)
        parsed.append((row, code, name, kind))
    unique = first_seen(((code, row) for row, code, _n, _k in parsed), key="code", what="组织编码")
    for row, code, name, kind in parsed:
        if code is None or name is None or kind is None or unique.get(code) is not row:
            continue
        into.units[code] = _UnitIn(
            row=row,
            name=name,
            kind=kind,
            parent=row.text("parent"),
            secretary=row.text("secretary"),
            has_parent=sheet.has("parent"),
            has_secretary=sheet.has("secretary"),
        )


def _read_members(sheet: SheetData | None, into: _File) -> None:
    if sheet is None:
        return
    parsed = []
    for row in sheet:
        number = row.text("employee_no", required=True)
        values = (
            row.text("name", required=True),
            row.text("unit", required=True),
            row.text("category", required=True),
        )
        joined_on = row.date("joined_on")
        status = row.choice("status", MemberStatus)
        parsed.append((row, number, values, joined_on, status))
    unique = first_seen(((number, row) for row, number, *_rest in parsed), key="employee_no", what="工号")
    for row, number, (name, unit, category), joined_on, status in parsed:
        if number is None or name is None or unit is None or category is None or unique.get(number) is not row:
            continue
        into.members[number] = _MemberIn(
            row=row,
            name=name,
            unit=unit,
            category=category,
            joined_on=joined_on,
            # An empty status is the default; an absent column keeps what is stored.
            status=(status or MemberStatus.ACTIVE.value) if sheet.has("status") else None,
            has_joined_on=sheet.has("joined_on"),
        )


def _read_posts(sheet: SheetData | None, into: _File) -> None:
    if sheet is None:
        return
    parsed = []
    for row in sheet:
        code = row.text("code", required=True)
        name = row.text("name", required=True)
        unit = row.text("unit", required=True)
        is_model = row.yes_no("model_post")
        parsed.append((row, code, name, unit, is_model))
    unique = first_seen(((code, row) for row, code, *_rest in parsed), key="code", what="岗位编码")
    for row, code, name, unit, is_model in parsed:
        if code is None or name is None or unit is None or unique.get(code) is not row:
            continue
        into.posts[code] = _PostIn(
            row=row,
            name=name,
            unit=unit,
            holders=frozenset(row.items("holders")) if sheet.has("holders") else None,
            is_model=bool(is_model) if sheet.has("model_post") else None,
        )


# --- what is stored --------------------------------------------------------------------------------


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    items = sorted(set(values))
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


@dataclass
class _Stored:
    # code → (pk, name, name_en)
    categories: dict[str, tuple[int, str, str]]
    # code → (pk, name, kind, parent code, secretary employee_no)
    units: dict[str, tuple[int, str, str, str | None, str | None]]
    # employee_no → (pk, name, unit code, category code, joined_on, status, has account)
    members: dict[str, tuple[int, str, str, str, dt.date | None, str, bool]]
    # code → (pk, name, unit code, is_model, holders)
    posts: dict[str, tuple[int, str, str, bool, frozenset[str]]]


def _load_stored(data: _File) -> _Stored:
    categories = {
        code: (pk, name, name_en)
        for pk, code, name, name_en in MemberCategory.objects.values_list("pk", "code", "name", "name_en")
    }
    units: dict[str, tuple[int, str, str, str | None, str | None]] = {
        row[1]: (row[0], row[2], row[3], row[4], row[5])
        for row in Unit.objects.values_list("pk", "code", "name", "kind", "parent__code", "secretary__employee_no")
    }
    wanted = set(data.members)
    wanted.update(u.secretary for u in data.units.values() if u.secretary)
    for post in data.posts.values():
        wanted.update(post.holders or ())
    members = {}
    for chunk in _chunks(wanted):
        fields = ("pk", "employee_no", "name", "unit__code", "category__code", "joined_on", "status", "user_id")
        for pk, number, name, unit, category, joined_on, status, user_id in Member.objects.filter(
            employee_no__in=chunk
        ).values_list(*fields):
            members[number] = (pk, name, unit, category, joined_on, status, user_id is not None)
    posts: dict[str, tuple[int, str, str, bool, frozenset[str]]] = {}
    holders: dict[str, set[str]] = {}
    through = Post.holders.through
    for chunk in _chunks(data.posts):
        for pk, code, name, unit, is_model in Post.objects.filter(code__in=chunk).values_list(
            "pk", "code", "name", "unit__code", "is_model"
        ):
            posts[code] = (pk, name, unit, is_model, frozenset())
        for code, number in through.objects.filter(post__code__in=chunk).values_list(
            "post__code", "member__employee_no"
        ):
            holders.setdefault(code, set()).add(number)
    posts = {code: (*values[:4], frozenset(holders.get(code, ()))) for code, values in posts.items()}
    return _Stored(categories=categories, units=units, members=members, posts=posts)


# --- cross checks ------------------------------------------------------------------------------------


def _kind_label(kind: str) -> str:
    return dict(choice_pairs(UnitKind))[kind]


def _check_units(data: _File, stored: _Stored) -> dict[str, str | None]:
    """Parents and secretaries must exist; the resulting tree must have no cycle. Returns each unit's parent."""
    parent_of: dict[str, str | None] = {code: values[3] for code, values in stored.units.items()}
    for code, unit in data.units.items():
        if unit.has_parent:
            parent_of[code] = unit.parent
        elif code not in stored.units:
            parent_of[code] = None
        if unit.parent is not None and unit.parent not in data.units and unit.parent not in stored.units:
            unit.row.error("parent", f"未知的组织编码“{unit.parent}” (unknown unit code)")
        if unit.secretary is not None and unit.secretary not in data.members and unit.secretary not in stored.members:
            unit.row.error("secretary", f"未知的工号“{unit.secretary}” (unknown employee number)")

    reported: set[str] = set()
    for code in sorted(data.units, key=lambda c: data.units[c].row.number):
        chain = [code]
        node = parent_of.get(code)
        while node is not None and node not in chain and node in parent_of:
            chain.append(node)
            node = parent_of.get(node)
        if node != code or code in reported:
            continue
        reported.update(chain)
        path = " → ".join([*chain, code])
        data.units[code].row.error("parent", f"上级关系形成循环：{path} (the unit tree has a cycle)")
    return parent_of


def _kind_of(code: str, data: _File, stored: _Stored) -> str | None:
    if code in data.units:
        return data.units[code].kind
    return stored.units[code][2] if code in stored.units else None


def _check_members(data: _File, stored: _Stored) -> None:
    for member in data.members.values():
        kind = _kind_of(member.unit, data, stored)
        if kind is None:
            member.row.error("unit", f"未知的组织编码“{member.unit}” (unknown unit code)")
        elif kind not in MEMBER_UNIT_KINDS:
            member.row.error(
                "unit",
                f"党员只能属于党支部或党小组，“{member.unit}”是{_kind_label(kind)} "
                f"(a member belongs to a branch or a group, not a {kind})",
            )
        if member.category not in data.categories and member.category not in stored.categories:
            member.row.error("category", f"未知的人员类别编码“{member.category}” (unknown category code)")
    # A unit turned into a committee must not keep members the file leaves where they are.
    demoted = {
        code: unit
        for code, unit in data.units.items()
        if unit.kind not in MEMBER_UNIT_KINDS and code in stored.units and stored.units[code][2] in MEMBER_UNIT_KINDS
    }
    reported: set[str] = set()
    for chunk in _chunks(demoted):
        staying = Member.objects.filter(unit__code__in=chunk).values_list("employee_no", "unit__code")
        for number, code in staying.order_by("employee_no"):
            moving = number in data.members and data.members[number].unit != code
            if moving or code in reported:
                continue
            reported.add(code)
            demoted[code].row.error(
                "kind",
                f"“{code}”下还有党员（如 {number}），不能改为{_kind_label(demoted[code].kind)} "
                f"(the unit still has members, e.g. {number})",
            )


def _check_posts(data: _File, stored: _Stored) -> None:
    for post in data.posts.values():
        if post.unit not in data.units and post.unit not in stored.units:
            post.row.error("unit", f"未知的组织编码“{post.unit}” (unknown unit code)")
        unknown = sorted(n for n in post.holders or () if n not in data.members and n not in stored.members)
        if unknown:
            post.row.error("holders", f"未知的工号“{'、'.join(unknown)}” (unknown employee numbers)")


# --- the plan: what differs ----------------------------------------------------------------------------


@dataclass
class _Plan:
    result: ImportResult
    categories: dict[str, tuple[str, str]] = field(default_factory=dict)
    units: dict[str, tuple[str, str, str | None]] = field(default_factory=dict)
    secretaries: dict[str, str | None] = field(default_factory=dict)
    members: dict[str, tuple[str, str, str, dt.date | None, str]] = field(default_factory=dict)
    posts: dict[str, tuple[str, str, bool]] = field(default_factory=dict)
    holders: dict[str, frozenset[str]] = field(default_factory=dict)
    new: dict[str, set[str]] = field(default_factory=dict)
    accounts: list[str] = field(default_factory=list)

    def is_new(self, kind: str, code: str) -> bool:
        return code in self.new.get(kind, set())


def _compare(plan: _Plan, kind: str, code: str, desired: Any, stored: Any | None) -> bool:
    """Count one row; True when it must be written."""
    if stored is None:
        plan.result.add(kind, created=1)
        plan.new.setdefault(kind, set()).add(code)
        return True
    if desired == stored:
        plan.result.add(kind, unchanged=1)
        return False
    plan.result.add(kind, updated=1)
    return True


def _plan(data: _File, stored: _Stored, parent_of: dict[str, str | None]) -> _Plan:
    plan = _Plan(result=ImportResult())
    for code, (_row, name, name_en) in data.categories.items():
        old = stored.categories.get(code)
        desired = (name, name_en if name_en is not None else (old[2] if old else ""))
        if _compare(plan, "categories", code, desired, old[1:] if old else None):
            plan.categories[code] = desired
    for code, unit in data.units.items():
        old_unit = stored.units.get(code)
        secretary = unit.secretary if unit.has_secretary else (old_unit[4] if old_unit else None)
        desired_unit = (unit.name, unit.kind, parent_of.get(code), secretary)
        if _compare(plan, "units", code, desired_unit, old_unit[1:] if old_unit else None):
            plan.units[code] = desired_unit[:3]
            if secretary != (old_unit[4] if old_unit else None):
                plan.secretaries[code] = secretary
    for number, member in data.members.items():
        old_member = stored.members.get(number)
        joined_on = member.joined_on if member.has_joined_on or not old_member else old_member[4]
        status = member.status or (old_member[5] if old_member else MemberStatus.ACTIVE.value)
        desired_member = (member.name, member.unit, member.category, joined_on, status)
        if _compare(plan, "members", number, desired_member, old_member[1:6] if old_member else None):
            plan.members[number] = desired_member
        if not (old_member and old_member[6]):
            plan.accounts.append(number)
    for code, post in data.posts.items():
        old_post = stored.posts.get(code)
        is_model = post.is_model if post.is_model is not None else (old_post[3] if old_post else False)
        holders = post.holders if post.holders is not None else (old_post[4] if old_post else frozenset())
        desired_post = (post.name, post.unit, is_model, holders)
        if _compare(plan, "posts", code, desired_post, old_post[1:] if old_post else None):
            plan.posts[code] = desired_post[:3]
            if holders != (old_post[4] if old_post else frozenset()):
                plan.holders[code] = holders
    return plan


# --- writing -----------------------------------------------------------------------------------------


def _pks(model: Any, field_name: str, codes: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(codes):
        found.update(model.objects.filter(**{f"{field_name}__in": chunk}).values_list(field_name, "pk"))
    return found


@transaction.atomic
def _write(plan: _Plan) -> int:
    """Write the planned rows; returns how many login accounts were created."""
    MemberCategory.objects.bulk_create(
        [
            MemberCategory(code=c, name=n, name_en=e)
            for c, (n, e) in plan.categories.items()
            if plan.is_new("categories", c)
        ]
    )
    category_pk = dict(MemberCategory.objects.values_list("code", "pk"))
    MemberCategory.objects.bulk_update(
        [
            MemberCategory(pk=category_pk[c], code=c, name=n, name_en=e)
            for c, (n, e) in plan.categories.items()
            if not plan.is_new("categories", c)
        ],
        ["name", "name_en"],
        batch_size=CHUNK,
    )

    # New units first without links (a parent may be new too), then every planned unit with its parent.
    Unit.objects.bulk_create(
        [Unit(code=c, name=n, kind=k) for c, (n, k, _p) in plan.units.items() if plan.is_new("units", c)],
        batch_size=CHUNK,
    )
    unit_pk = dict(Unit.objects.values_list("code", "pk"))
    Unit.objects.bulk_update(
        [
            Unit(pk=unit_pk[c], code=c, name=n, kind=k, parent_id=unit_pk[p] if p else None)
            for c, (n, k, p) in plan.units.items()
        ],
        ["name", "kind", "parent"],
        batch_size=CHUNK,
    )

    member_fields = ("name", "unit", "category", "joined_on", "status")

    def member(number: str, values: tuple[str, str, str, dt.date | None, str], pk: int | None = None) -> Member:
        name, unit, category, joined_on, status = values
        return Member(
            pk=pk, employee_no=number, name=name, unit_id=unit_pk[unit], category_id=category_pk[category],
            joined_on=joined_on, status=status,
        )  # fmt: skip

    Member.objects.bulk_create(
        [member(n, v) for n, v in plan.members.items() if plan.is_new("members", n)], batch_size=CHUNK
    )
    changed_members = [n for n in plan.members if not plan.is_new("members", n)]
    member_pk = _pks(Member, "employee_no", changed_members)
    Member.objects.bulk_update(
        [member(n, plan.members[n], member_pk[n]) for n in changed_members], member_fields, batch_size=CHUNK
    )

    wanted = {n for n in plan.secretaries.values() if n}.union(*plan.holders.values())
    people = _pks(Member, "employee_no", wanted)
    Unit.objects.bulk_update(
        [Unit(pk=unit_pk[c], secretary_id=people[n] if n else None) for c, n in plan.secretaries.items()],
        ["secretary"],
        batch_size=CHUNK,
    )

    Post.objects.bulk_create(
        [
            Post(code=c, name=n, unit_id=unit_pk[u], is_model=m)
            for c, (n, u, m) in plan.posts.items()
            if plan.is_new("posts", c)
        ],
        batch_size=CHUNK,
    )
    post_pk = _pks(Post, "code", plan.posts)
    Post.objects.bulk_update(
        [
            Post(pk=post_pk[c], code=c, name=n, unit_id=unit_pk[u], is_model=m)
            for c, (n, u, m) in plan.posts.items()
            if not plan.is_new("posts", c)
        ],
        ["name", "unit", "is_model"],
        batch_size=CHUNK,
    )
    through = Post.holders.through
    for chunk in _chunks(plan.holders):
        through.objects.filter(post_id__in=[post_pk[c] for c in chunk]).delete()
    through.objects.bulk_create(
        [through(post_id=post_pk[c], member_id=people[n]) for c, numbers in plan.holders.items() for n in numbers],
        batch_size=CHUNK,
    )

    rebuild_unit_paths()
    created = 0
    for chunk in _chunks(plan.accounts):
        created += ensure_accounts(members=[Member(pk=pk) for pk in _pks(Member, "employee_no", chunk).values()])
    return created


def import_roster(*, source: WorkbookSource) -> ImportResult:
    """Import a roster workbook all or nothing; raises ImportErrors listing every problem."""
    data = _File()
    with WorkbookReader(source) as reader:
        _read_categories(reader.sheet(CATEGORIES), data)
        _read_units(reader.sheet(UNITS), data)
        _read_members(reader.sheet(MEMBERS), data)
        _read_posts(reader.sheet(POSTS), data)
        errors = reader.errors
    stored = _load_stored(data)
    parent_of = _check_units(data, stored)
    _check_members(data, stored)
    _check_posts(data, stored)
    errors.raise_if_any()

    plan = _plan(data, stored, parent_of)
    if plan.result.changed or plan.accounts:
        accounts = _write(plan)
        if accounts:
            plan.result.add("accounts", created=accounts)
    return plan.result


def _import_for_registry(*, source: WorkbookSource, user: Any = None) -> ImportResult:
    return import_roster(source=source)


register_import(
    "roster",
    label="党员名册 (roster)",
    importer=_import_for_registry,
    template_builder=roster_template,
)
