"""The demo organisation: one 党委, two 党总支, six 党支部 (two with 党小组), 120 members and their posts.

Everything is drawn from `random.Random(seed)`, so a seed always gives the same organisation, and
building it again brings the database back to that plan (rows matched by code and employee number)
without creating duplicates. The company and its people are invented.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from org.models import Member, MemberCategory, MemberStatus, Post, Unit, UnitKind
from org.services.accounts import ensure_accounts
from org.services.units import rebuild_unit_paths

DEFAULT_SEED = 2025
COMMITTEE_CODE = "DW"
MEMBERS_PER_BRANCH = 20
# In a branch with 党小组, the first members sit in the branch itself and the rest in its groups.
MEMBERS_IN_BRANCH_WITH_GROUPS = 8

CATEGORIES = [
    ("management", "管理人员", "Management"),
    ("technical", "专业技术人员", "Technical staff"),
    ("frontline", "生产一线", "Front line"),
]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
)
GIVEN_CHARACTERS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力鹏宇浩凯晨博斌志海峰雪琳颖晓东亮林波"
    "宁欣婷慧佳俊毅鑫丹蕾国庆春光德新永立成振兴思远嘉晶晴欢瑞泽昊然诗雨卫民红梅丽君"
)


@dataclass(frozen=True)
class BranchPlan:
    code: str
    name: str
    general_branch: str
    # Shares of management / technical / frontline among the branch's members.
    mix: tuple[float, float, float]
    posts: tuple[str, ...]
    model_posts: tuple[str, ...]
    groups: tuple[tuple[str, str], ...] = ()


GENERAL_BRANCHES = [("DW-ZZ1", "生产运营党总支"), ("DW-ZZ2", "技术与管理党总支")]

BRANCHES = [
    BranchPlan(
        "DW-ZB01", "总装车间党支部", "DW-ZZ1", (0.10, 0.15, 0.75),
        ("整机装配岗", "部件预装岗", "装配质检岗"),
        ("党员先锋岗·整机装配一次合格率攻关", "党员示范岗·总装现场安全标准化"),
        (("DW-ZB01-XZ1", "总装一班党小组"), ("DW-ZB01-XZ2", "总装二班党小组")),
    ),
    BranchPlan(
        "DW-ZB02", "叶片车间党支部", "DW-ZZ1", (0.10, 0.20, 0.70),
        ("叶片成型岗", "叶片打磨岗", "模具维护岗"),
        ("党员责任区·叶片成型降本增效", "党员突击队·大型叶片交付保障"),
    ),
    BranchPlan(
        "DW-ZB03", "运维服务党支部", "DW-ZZ1", (0.10, 0.25, 0.65),
        ("风场巡检岗", "故障抢修岗", "备件管理岗"),
        ("党员先锋岗·风机可利用率提升", "党员服务队·风场客户满意工程"),
    ),
    BranchPlan(
        "DW-ZB04", "研发设计党支部", "DW-ZZ2", (0.15, 0.75, 0.10),
        ("结构设计岗", "电气设计岗", "仿真分析岗"),
        ("党员攻关岗·新机型载荷优化", "党员创新岗·控制策略国产化"),
        (("DW-ZB04-XZ1", "整机研发党小组"), ("DW-ZB04-XZ2", "控制系统党小组")),
    ),
    BranchPlan(
        "DW-ZB05", "质量安全党支部", "DW-ZZ2", (0.25, 0.50, 0.25),
        ("质量检验岗", "安全监督岗", "计量理化岗"),
        ("党员示范岗·供应商质量帮扶", "党员安全岗·隐患排查零死角"),
    ),
    BranchPlan(
        "DW-ZB06", "机关综合党支部", "DW-ZZ2", (0.70, 0.25, 0.05),
        ("综合文秘岗", "人力资源岗", "财务核算岗"),
        ("党员服务岗·一线服务直通车", "党员先锋岗·精益管理降本"),
    ),
]  # fmt: skip


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    kind: str
    parent: str | None


@dataclass(frozen=True)
class MemberRow:
    employee_no: str
    name: str
    unit: str
    category: str
    joined_on: date


@dataclass(frozen=True)
class PostRow:
    code: str
    name: str
    unit: str
    is_model: bool
    holders: tuple[str, ...]


@dataclass
class DemoPlan:
    units: list[UnitRow] = field(default_factory=list)
    members: list[MemberRow] = field(default_factory=list)
    posts: list[PostRow] = field(default_factory=list)
    # unit code → employee number of its secretary
    secretaries: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoOrg:
    committee: Unit
    members: int
    secretary: Member  # the secretary of the first branch: the demo's branch-secretary login
    member: Member  # an ordinary member of the first branch: the demo's member login
    secretaries: tuple[str, ...]  # employee numbers of every demo secretary
    employee_numbers: tuple[str, ...]


def _name(rng: random.Random, taken: set[str]) -> str:
    while True:
        given = "".join(rng.choice(GIVEN_CHARACTERS) for _ in range(rng.choice((1, 2, 2))))
        name = rng.choice(SURNAMES) + given
        if name not in taken:
            taken.add(name)
            return name


def demo_plan(*, seed: int = DEFAULT_SEED) -> DemoPlan:
    """The whole organisation as plain rows: a pure function of the seed."""
    rng = random.Random(seed)
    plan = DemoPlan(units=[UnitRow(COMMITTEE_CODE, "北辰动力装备有限公司党委", UnitKind.COMMITTEE, None)])
    plan.units += [UnitRow(code, name, UnitKind.GENERAL_BRANCH, COMMITTEE_CODE) for code, name in GENERAL_BRANCHES]
    taken: set[str] = set()
    categories = [code for code, _name_zh, _name_en in CATEGORIES]
    first_joined = date(1986, 1, 1)
    by_branch: dict[str, list[MemberRow]] = {}
    for number, branch in enumerate(BRANCHES, start=1):
        plan.units.append(UnitRow(branch.code, branch.name, UnitKind.BRANCH, branch.general_branch))
        plan.units += [UnitRow(code, name, UnitKind.GROUP, branch.code) for code, name in branch.groups]
        homes = [branch.code] * MEMBERS_PER_BRANCH
        if branch.groups:
            per_group = (MEMBERS_PER_BRANCH - MEMBERS_IN_BRANCH_WITH_GROUPS) // len(branch.groups)
            homes = [branch.code] * MEMBERS_IN_BRANCH_WITH_GROUPS
            for code, _group_name in branch.groups:
                homes += [code] * per_group
        members = []
        for index, home in enumerate(homes, start=1):
            # The first two of each branch lead it (secretary, committee member): managers.
            category = "management" if index <= 2 else rng.choices(categories, weights=branch.mix)[0]
            joined = first_joined + timedelta(days=rng.randrange(37 * 365))
            members.append(MemberRow(f"{number}{index:03d}", _name(rng, taken), home, category, joined))
        plan.members += members
        by_branch[branch.code] = members
        plan.secretaries[branch.code] = members[0].employee_no

        pool = [m.employee_no for m in members]
        for post_no, post_name in enumerate(branch.posts, start=1):
            holders = tuple(sorted(rng.sample(pool, rng.randint(2, 4))))
            plan.posts.append(PostRow(f"{branch.code}-GW{post_no}", post_name, branch.code, False, holders))
        for post_no, post_name in enumerate(branch.model_posts, start=1):
            holders = tuple(sorted(rng.sample(pool, rng.randint(1, 3))))
            plan.posts.append(PostRow(f"{branch.code}-JP{post_no}", post_name, branch.code, True, holders))

    # The general branches and the committee are led by members of their branches (never the
    # branch's own secretary, so each login has one clear scope).
    plan.secretaries["DW-ZZ1"] = by_branch["DW-ZB01"][1].employee_no
    plan.secretaries["DW-ZZ2"] = by_branch["DW-ZB04"][1].employee_no
    plan.secretaries[COMMITTEE_CODE] = by_branch["DW-ZB06"][1].employee_no
    return plan


def _ensure_categories() -> dict[str, MemberCategory]:
    codes = [code for code, _zh, _en in CATEGORIES]
    existing = set(MemberCategory.objects.filter(code__in=codes).values_list("code", flat=True))
    MemberCategory.objects.bulk_create(
        [MemberCategory(code=code, name=zh, name_en=en) for code, zh, en in CATEGORIES if code not in existing]
    )
    return MemberCategory.objects.in_bulk(codes, field_name="code")


def _sync_units(rows: list[UnitRow]) -> dict[str, Unit]:
    """Parents before children: each level is created in one insert, so its parents have ids."""
    units = Unit.objects.in_bulk([row.code for row in rows], field_name="code")
    for kind in (UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH, UnitKind.BRANCH, UnitKind.GROUP):
        level = [row for row in rows if row.kind == kind]
        created, changed = [], []
        for row in level:
            parent_id = units[row.parent].pk if row.parent else None
            unit = units.get(row.code)
            if unit is None:
                created.append(Unit(code=row.code, name=row.name, kind=row.kind, parent_id=parent_id))
            elif (unit.name, unit.kind, unit.parent_id) != (row.name, row.kind, parent_id):
                unit.name, unit.kind, unit.parent_id = row.name, row.kind, parent_id
                changed.append(unit)
        Unit.objects.bulk_update(changed, ["name", "kind", "parent"])
        Unit.objects.bulk_create(created)
        units.update(Unit.objects.in_bulk([row.code for row in level], field_name="code"))
    rebuild_unit_paths()
    return units


def _sync_members(
    rows: list[MemberRow], units: dict[str, Unit], categories: dict[str, MemberCategory]
) -> dict[str, Member]:
    members = Member.objects.in_bulk([row.employee_no for row in rows], field_name="employee_no")
    created, changed = [], []
    fields = ["name", "unit_id", "category_id", "joined_on", "status"]
    for row in rows:
        wanted = (row.name, units[row.unit].pk, categories[row.category].pk, row.joined_on, MemberStatus.ACTIVE)
        member = members.get(row.employee_no)
        if member is None:
            created.append(Member(employee_no=row.employee_no, **dict(zip(fields, wanted, strict=True))))
        elif tuple(getattr(member, f) for f in fields) != wanted:
            for name, value in zip(fields, wanted, strict=True):
                setattr(member, name, value)
            changed.append(member)
    Member.objects.bulk_update(changed, ["name", "unit", "category", "joined_on", "status"], batch_size=500)
    Member.objects.bulk_create(created, batch_size=500)
    return Member.objects.in_bulk([row.employee_no for row in rows], field_name="employee_no")


def _sync_secretaries(secretaries: dict[str, str], units: dict[str, Unit], members: dict[str, Member]) -> None:
    changed = []
    for code, employee_no in secretaries.items():
        unit = units[code]
        if unit.secretary_id != members[employee_no].pk:
            unit.secretary_id = members[employee_no].pk
            changed.append(unit)
    Unit.objects.bulk_update(changed, ["secretary"])


def _sync_posts(rows: list[PostRow], units: dict[str, Unit], members: dict[str, Member]) -> None:
    posts = Post.objects.in_bulk([row.code for row in rows], field_name="code")
    created, changed = [], []
    for row in rows:
        post = posts.get(row.code)
        wanted = (row.name, units[row.unit].pk, row.is_model)
        if post is None:
            created.append(Post(code=row.code, name=row.name, unit_id=units[row.unit].pk, is_model=row.is_model))
        elif (post.name, post.unit_id, post.is_model) != wanted:
            post.name, post.unit_id, post.is_model = wanted
            changed.append(post)
    Post.objects.bulk_update(changed, ["name", "unit", "is_model"])
    Post.objects.bulk_create(created)
    posts = Post.objects.in_bulk([row.code for row in rows], field_name="code")

    through = Post.holders.through
    wanted_pairs = {(posts[row.code].pk, members[no].pk) for row in rows for no in row.holders}
    stored = through.objects.filter(post_id__in=[p.pk for p in posts.values()])
    stored_pairs = set(stored.values_list("post_id", "member_id"))
    extra = stored_pairs - wanted_pairs
    for post_id, member_id in extra:
        through.objects.filter(post_id=post_id, member_id=member_id).delete()
    through.objects.bulk_create([through(post_id=p, member_id=m) for p, m in sorted(wanted_pairs - stored_pairs)])


@transaction.atomic
def build_demo_org(*, seed: int = DEFAULT_SEED) -> DemoOrg:
    """Create the demo organisation, or bring an existing one back to the seed's plan."""
    plan = demo_plan(seed=seed)
    categories = _ensure_categories()
    units = _sync_units(plan.units)
    members = _sync_members(plan.members, units, categories)
    _sync_secretaries(plan.secretaries, units, members)
    _sync_posts(plan.posts, units, members)
    ensure_accounts(members=list(members.values()))

    first_branch = BRANCHES[0].code
    leaders = set(plan.secretaries.values())
    ordinary = next(m for m in plan.members if m.unit == first_branch and m.employee_no not in leaders)
    return DemoOrg(
        committee=Unit.objects.get(code=COMMITTEE_CODE),
        members=len(plan.members),
        secretary=Member.objects.select_related("user", "unit").get(employee_no=plan.secretaries[first_branch]),
        member=Member.objects.select_related("user", "unit").get(employee_no=ordinary.employee_no),
        secretaries=tuple(sorted(leaders)),
        employee_numbers=tuple(m.employee_no for m in plan.members),
    )


@transaction.atomic
def reset_demo_org(*, seed: int = DEFAULT_SEED) -> int:
    """Delete the demo organisation (its units, members, their accounts, posts). Returns units deleted.

    Only the demo committee's subtree and the plan's own codes are touched.
    """
    plan = demo_plan(seed=seed)
    committee = Unit.objects.filter(code=COMMITTEE_CODE).first()
    unit_ids: set[int] = set(
        Unit.objects.filter(code__in=[row.code for row in plan.units]).values_list("pk", flat=True)
    )
    if committee is not None:
        unit_ids |= set(Unit.objects.filter(path__startswith=committee.path).values_list("pk", flat=True))
    numbers = [row.employee_no for row in plan.members]
    members = Member.objects.filter(unit_id__in=unit_ids) | Member.objects.filter(employee_no__in=numbers)
    user_ids = list(members.exclude(user__isnull=True).values_list("user_id", flat=True))

    Post.objects.filter(unit_id__in=unit_ids).delete()
    Post.objects.filter(code__in=[row.code for row in plan.posts]).delete()
    Member.objects.filter(pk__in=list(members.values_list("pk", flat=True))).delete()
    get_user_model().objects.filter(pk__in=user_ids, is_superuser=False).delete()
    # A parent is protected while it has children: delete the deepest units first.
    by_depth = sorted(Unit.objects.filter(pk__in=unit_ids), key=lambda unit: -unit.depth)
    for depth in sorted({unit.depth for unit in by_depth}, reverse=True):
        Unit.objects.filter(pk__in=[unit.pk for unit in by_depth if unit.depth == depth]).delete()
    return len(unit_ids)
