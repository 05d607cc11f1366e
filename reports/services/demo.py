"""The demo: an organisation, its published indicator systems and three logins, built as a list of steps.

Each step is idempotent, so running the demo again brings the database back to the same data.
Later steps (questionnaires, answers, measurements, scores) are appended to `STEPS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction

from indicators.models import IndicatorSystem
from indicators.periods import Period
from indicators.services.catalogue import load_catalogue_outcome
from indicators.services.demo import ensure_demo_measurements
from indicators.services.systems import clone_system
from org.services.demo import DEFAULT_SEED, DemoOrg, build_demo_org, reset_demo_org
from reports.services.commendation import commendation_round, select_commendations
from reports.services.scoring import compute_scores
from surveys.models import Questionnaire, QuestionnaireStatus
from surveys.services.demo import (
    ensure_demo_answers,
    ensure_demo_assignments,
    ensure_demo_questionnaire,
    reset_demo_surveys,
)

DEMO_YEARS = (2024, 2025)
# Next year's system, a draft cloned from the last demo year, for re-weighting (AHP, entropy weights).
DRAFT_YEAR = 2026
ADMIN_USERNAME = "admin"
# Well-known on purpose: the demo refuses to run outside DEBUG unless forced.
ADMIN_PASSWORD = "demo-admin-2025"
SECRETARY_PASSWORD = "demo-secretary-2025"
MEMBER_PASSWORD = "demo-member-2025"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    name: str
    password: str
    sees: str


@dataclass
class DemoContext:
    seed: int
    log: Callable[[str], None]
    org: DemoOrg | None = None
    systems: dict[int, IndicatorSystem] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)
    questionnaires: dict[int, Questionnaire] = field(default_factory=dict)

    def require_org(self) -> DemoOrg:
        if self.org is None:
            raise RuntimeError("the organisation step must run first")
        return self.org


@dataclass(frozen=True)
class DemoStep:
    name: str
    run: Callable[[DemoContext], None]


def _organisation(context: DemoContext) -> None:
    context.org = build_demo_org(seed=context.seed)
    context.log(f"组织：{context.org.committee.name}，党员 {context.org.members} 名 (organisation ready)")


def _catalogues(context: DemoContext) -> None:
    for year in DEMO_YEARS:
        result = load_catalogue_outcome(year=year, publish=True)
        context.systems[year] = result.system
        context.log(f"指标体系：{result.system}，已发布 ({result.outcome})")


def _next_year_draft(context: DemoContext) -> None:
    existing = IndicatorSystem.objects.filter(year=DRAFT_YEAR).first()
    if existing is not None:
        # Whatever an administrator did to the draft since (weights by AHP, say) is his to keep.
        context.log(f"指标体系：{existing}，{existing.get_status_display()} (unchanged)")
        return
    source = context.systems[DEMO_YEARS[-1]]
    draft = clone_system(source=source, year=DRAFT_YEAR)
    context.log(f"指标体系：{draft}，草稿，复制自 {source.year} 年 (created)")


def _set_password(users: Iterable[Any], password: str) -> int:
    """Give these users the password, hashing it once; users who already have it are left alone."""
    users = list(users)
    checked: dict[str, bool] = {}
    stale = []
    for user in users:
        if user.password not in checked:
            checked[user.password] = check_password(password, user.password)
        if not checked[user.password]:
            stale.append(user)
    if stale:
        # One salted hash shared by every demo account: the password is public anyway, and hashing
        # 120 passwords one by one would take a minute.
        hashed = make_password(password)
        for user in stale:
            user.password = hashed
        get_user_model().objects.bulk_update(stale, ["password"], batch_size=500)
    return len(stale)


def _accounts(context: DemoContext) -> None:
    org = context.require_org()
    user_model = get_user_model()
    admin, _created = user_model.objects.get_or_create(username=ADMIN_USERNAME)
    if not (admin.is_staff and admin.is_superuser and admin.is_active):
        admin.is_staff = admin.is_superuser = admin.is_active = True
        admin.save(update_fields=["is_staff", "is_superuser", "is_active"])
    _set_password([admin], ADMIN_PASSWORD)

    users = {u.username: u for u in user_model.objects.filter(username__in=org.employee_numbers)}
    secretaries = [users[no] for no in org.secretaries if no in users]
    others = [u for no, u in users.items() if no not in set(org.secretaries)]
    _set_password(secretaries, SECRETARY_PASSWORD)
    _set_password(others, MEMBER_PASSWORD)

    unit = org.secretary.unit
    context.logins = [
        DemoLogin("管理员 administrator", ADMIN_USERNAME, "", ADMIN_PASSWORD, "全部组织、指标体系和报表；后台 /admin/"),
        DemoLogin(
            "支部书记 branch secretary",
            org.secretary.employee_no,
            org.secretary.name,
            SECRETARY_PASSWORD,
            f"{unit.name}及其党小组的党员、成绩和报表",
        ),
        DemoLogin("党员 member", org.member.employee_no, org.member.name, MEMBER_PASSWORD, "本人的问卷、答卷和成绩"),
    ]


def _questionnaires(context: DemoContext) -> None:
    for year in DEMO_YEARS:
        questionnaire, created = ensure_demo_questionnaire(system=context.systems[year])
        context.questionnaires[year] = questionnaire
        outcome = "created" if created else "unchanged"
        context.log(f"问卷：{questionnaire}，{questionnaire.get_status_display()} ({outcome})")


def _assignments(context: DemoContext) -> None:
    for questionnaire in context.questionnaires.values():
        summary = ensure_demo_assignments(questionnaire=questionnaire)
        context.log(f"评价任务：{questionnaire.code} 新增 {summary.total_created} 项，已有 {summary.existing} 项")


def _answers(context: DemoContext) -> None:
    member = context.require_org().member
    for questionnaire in context.questionnaires.values():
        # The demo member fills in this year's forms himself, so they wait for him.
        keep = {member.pk} if questionnaire.status == QuestionnaireStatus.OPEN else set()
        summary = ensure_demo_answers(questionnaire=questionnaire, seed=context.seed, keep_pending=keep)
        if summary.skipped:
            context.log(f"答卷：{questionnaire.code} 已有答卷，未改动 (answers present)")
            continue
        context.log(
            f"答卷：{questionnaire.code} 已提交 {summary.submitted} 份、草稿 {summary.drafts} 份、"
            f"未填 {summary.pending} 份、群众评议 {summary.masses_forms} 份，答案 {summary.answers} 条"
        )


def _measurements(context: DemoContext) -> None:
    for year in DEMO_YEARS:
        made = ensure_demo_measurements(system=context.systems[year], seed=context.seed)
        if made.skipped:
            context.log(f"实绩：{year} 年已有数据，未改动 (measurements present)")
        else:
            context.log(f"实绩：{year} 年党员 {made.members} 条、精品岗位 {made.posts} 条、岗位目标 {made.targets} 条")


def _scores(context: DemoContext) -> None:
    # Recomputed every time: the same data gives the same numbers, and the run replaces the last one.
    for year in DEMO_YEARS:
        run = compute_scores(period=str(year))
        context.log(f"计分：{year} 年 {run.counts['cards']} 人有成绩，其中 {run.counts['with_total']} 人有总分")
        # The model posts' stages: each quarter is a run of its own (DESIGN.md "Periods").
        for quarter in Period(year, "Q1").stages_of_year():
            run = compute_scores(period=quarter.code)
            context.log(f"计分：{quarter.code} 精品岗位 {run.counts['posts_scored']} 个有得分")


# The demo's proposed 2025 list: sensible rules, left for the administrator to review and approve.
COMMENDATION_YEAR = 2025
COMMENDATION_RULES: dict[str, Any] = {
    "kinds": "both",
    "min_score": 80.0,
    "fall_tolerance": 0.0,
    "per_branch": 2,
    "share": 20.0,
}


def _commendation(context: DemoContext) -> None:
    year = COMMENDATION_YEAR
    existing = commendation_round(year=year)
    if existing is not None and existing.is_approved:
        # An approved list is frozen: the demo leaves it as the administrator approved it.
        context.log(f"表彰：{year} 年度名单已批准，未改动 (approved list kept)")
        return
    admin = get_user_model().objects.get(username=ADMIN_USERNAME)
    commendation = select_commendations(year=year, **COMMENDATION_RULES, user=admin)
    candidates = commendation.candidates.count()
    selected = commendation.candidates.filter(selected=True).count()
    context.log(f"表彰：{year} 年度建议名单，候选 {candidates}，入选 {selected}，待管理员批准 (proposed)")


STEPS: list[DemoStep] = [
    DemoStep("organisation", _organisation),
    DemoStep("catalogues", _catalogues),
    DemoStep("next-year draft", _next_year_draft),
    DemoStep("accounts", _accounts),
    DemoStep("questionnaires", _questionnaires),
    DemoStep("assignments", _assignments),
    DemoStep("answers", _answers),
    DemoStep("measurements", _measurements),
    DemoStep("scores", _scores),
    DemoStep("commendation", _commendation),
]


@transaction.atomic
def run_demo(*, seed: int = DEFAULT_SEED, reset: bool = False, log: Callable[[str], None] | None = None) -> DemoContext:
    """Build (or rebuild) the whole demo; with `reset`, the demo organisation is deleted first.

    Published indicator systems are never deleted (they are frozen); reloading them is a no-op.
    """
    context = DemoContext(seed=seed, log=log or (lambda _message: None))
    if reset:
        surveys = reset_demo_surveys(years=DEMO_YEARS)
        context.log(f"已删除演示问卷 {surveys} 份 (demo questionnaires wiped)")
        deleted = reset_demo_org(seed=seed)
        context.log(f"已删除演示组织 {deleted} 个 (demo organisation wiped)")
    for step in STEPS:
        step.run(context)
    return context
