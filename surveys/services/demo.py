"""The demo's questionnaires and answers: one annual questionnaire per year, its assignments, and
answers drawn from a small latent model so that members, branches and years differ plausibly.

An answer is `base + member ability + the member's facet[dimension] + branch effect + category
profile[dimension] + the member's change since last year (2025 only) + rater-role bias + rater
leniency + item offset + noise`, rounded onto the 1–5 scale (reverse-keyed items stored reversed).
A few items are deliberately poor (`ITEM_QUIRKS`), so that the empirical analysis has weak
questions to find: one mostly guessed and often left blank, one everybody answers at the top, one
reverse-worded item that some raters read the wrong way round. Everything is drawn from
`random.Random` seeded by the demo seed and by codes and employee numbers, never by database ids,
so the same seed gives the same answers after a reset. Rows go in with `bulk_create` in big batches.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import Field

from indicators.models import DIMENSION_KEYS, Indicator, IndicatorSystem, RaterRole, Source
from org.models import Member, Unit, UnitKind
from surveys.models import (
    Answer,
    Assignment,
    AssignmentStatus,
    Question,
    Questionnaire,
    QuestionnaireStatus,
    QuestionType,
    Response,
    ResponseStatus,
)
from surveys.services.assignments import AssignmentSummary, create_assignments

DEMO_CODE_PREFIX = "MP"
PEERS_PER_MEMBER = 5
LIKERT_LABELS = {"1": "很不符合", "2": "不太符合", "3": "一般", "4": "比较符合", "5": "完全符合"}
BATCH = 5000

# (text, English text, reverse-keyed) per indicator code of the default catalogue. Neutral wording
# without a subject, so the same item reads right in a self-assessment and when rating someone else.
QUESTION_BANK: dict[str, list[tuple[str, str, bool]]] = {
    "perf_key_tasks": [
        ("承担的重点工作能按节点拿出成果", "Delivers results on key tasks by their milestones", False),
        ("面对攻坚任务主动请缨、敢挑重担", "Volunteers for hard assignments and takes on heavy loads", False),
        (
            "攻坚遇到阻力时想办法推进，而不是等靠",
            "When key work meets resistance, finds a way forward instead of waiting",
            False,
        ),
        ("重点工作的质量经得起检查验收", "The quality of key work stands up to inspection and acceptance", False),
        ("重点任务常常拖到最后才匆忙完成", "Often leaves key tasks to the last minute and rushes them", True),
    ],
    "perf_quality_efficiency": [
        ("工作成果一次交验合格，很少返工", "Work passes inspection the first time and is rarely redone", False),
        ("合理安排时间，按期完成本职工作", "Plans time well and finishes own work on schedule", False),
        ("主动查找流程中的浪费并加以改进", "Looks for waste in processes and removes it", False),
        ("交办的事情件件有着落、事事有回音", "Every assigned matter gets done and reported back", False),
        ("工作中粗心差错较多，需要别人把关纠正", "Makes careless mistakes that others have to catch", True),
    ],
    "perf_pioneer_role": [
        (
            "在劳动竞赛、技能比武中积极参与并争先",
            "Takes part in labour competitions and skills contests and strives to win",
            False,
        ),
        (
            "工作标准高于一般要求，是身边人学习的榜样",
            "Works to standards above the norm and is a model for colleagues",
            False,
        ),
        ("在急难任务中冲在前面", "Is at the front when tasks are urgent or hard", False),
        ("所在岗位的主要指标在班组中居于前列", "The post's main figures rank near the top of the team", False),
        ("满足于完成任务，缺少争先进位的劲头", "Is content just to get by and lacks the drive to excel", True),
    ],
    "exec_decisions": [
        ("对上级的决策部署理解到位、传达及时", "Understands decisions from above and passes them on promptly", False),
        ("落实工作部署不打折扣、不搞变通", "Carries out decisions in full, without cutting corners", False),
        ("能把上级要求转化为具体的工作措施", "Turns requirements from above into concrete measures", False),
        ("落实中遇到的问题及时反馈报告", "Reports problems met in carrying out decisions promptly", False),
        ("有时对组织安排的任务敷衍了事", "Sometimes goes through the motions on tasks the organisation assigns", True),
    ],
    "exec_rules": [
        ("严格执行安全操作规程和作业标准", "Follows safety procedures and work standards strictly", False),
        ("遵守劳动纪律，不迟到、不早退", "Keeps work discipline: never late, never leaves early", False),
        ("发现违章行为能当场制止并报告", "Stops and reports rule violations on the spot", False),
        ("熟悉本岗位的各项制度和规程", "Knows the rules and procedures of the post well", False),
        ("为图省事偶尔不按流程办事", "Occasionally skips procedures to save effort", True),
    ],
    "exec_urgent_tasks": [
        ("接到急难险重任务能第一时间到岗", "Arrives at once when urgent, hard or dangerous tasks come", False),
        ("夜间和节假日的抢修任务随叫随到", "Comes when called for emergency repairs at night and on holidays", False),
        ("突发情况下沉着冷静、处置得当", "Stays calm and handles emergencies properly", False),
        ("主动承担别人不愿干的苦活累活", "Takes on the tough jobs others avoid", False),
        ("遇到急难任务时常找理由推脱", "Often finds excuses when urgent tasks come up", True),
    ],
    "wis_innovation": [
        ("提出过被采纳的技术改进或管理改进建议", "Has made improvement proposals that were adopted", False),
        (
            "参与QC小组、技术攻关或创新工作室活动",
            "Takes part in QC circles, technical task forces or innovation studios",
            False,
        ),
        ("善于把新技术、新方法用到工作中", "Brings new technology and methods into daily work", False),
        ("创新成果在生产中取得了实际效益", "Innovations have brought real benefits in production", False),
        ("习惯按老办法干，对新方法缺乏兴趣", "Sticks to old ways and shows little interest in new methods", True),
    ],
    "wis_problem_solving": [
        ("遇到疑难问题能找到根本原因", "Finds the root causes of difficult problems", False),
        ("同事遇到技术难题时愿意向其请教", "Colleagues come with their hard technical problems", False),
        ("能独立处理本岗位的复杂情况", "Handles complex situations of the post independently", False),
        ("解决问题后能总结经验、形成规范", "After solving a problem, turns the lesson into a standard", False),
        ("遇到难题容易畏难，习惯往上交", "Shies away from hard problems and passes them upwards", True),
    ],
    "wis_mentoring": [
        ("主动把经验和技能传授给新员工", "Passes experience and skills on to new staff unasked", False),
        (
            "带出的徒弟或新人能较快胜任岗位",
            "Apprentices and newcomers under their guidance soon master the post",
            False,
        ),
        ("乐于在班组内分享操作技巧和窍门", "Shares practical tips within the team willingly", False),
        ("参与编写培训教材或授课", "Helps write training materials or teaches courses", False),
        ("担心“教会徒弟饿死师傅”，不愿传授绝活", "Keeps know-how back for fear of being replaced", True),
    ],
    "cul_core_values": [
        ("言行体现公司倡导的核心价值观", "Words and deeds reflect the company's core values", False),
        (
            "能向同事和客户讲清企业的使命和价值观",
            "Can explain the company's mission and values to colleagues and customers",
            False,
        ),
        ("在工作中维护公司的声誉和利益", "Protects the company's reputation and interests at work", False),
        ("把“质量第一、客户至上”落到日常工作中", 'Puts "quality first, customer first" into daily work', False),
        ("私下里对公司的发展说泄气话", "Talks down the company's prospects in private", True),
    ],
    "cul_integrity": [
        ("不收受供应商和客户的礼品礼金", "Takes no gifts or money from suppliers or customers", False),
        (
            "公私分明，不占用公司财物办私事",
            "Keeps private and company matters apart; no private use of company property",
            False,
        ),
        ("在采购、验收等环节坚持原则", "Holds to principle in purchasing, acceptance and similar steps", False),
        ("发现违规违纪苗头能及时提醒", "Speaks up early at the first signs of misconduct", False),
        ("对“小吃小喝”等现象觉得无所谓", "Thinks small favours such as meals and drinks do not matter", True),
    ],
    "cul_conduct": [
        ("待人接物礼貌得体", "Is courteous and appropriate with people", False),
        ("按规定着装，工作场所整洁有序", "Dresses as required and keeps the workplace tidy", False),
        ("在公共场合注意言行，维护企业形象", "Minds words and conduct in public, upholding the company's image", False),
        ("与同事沟通时尊重他人意见", "Respects others' views when talking with colleagues", False),
        ("有时在工作场所说粗话、发脾气", "Sometimes swears or loses their temper at work", True),
    ],
    "cul_activities": [
        ("积极参加公司组织的文体活动", "Joins the company's sports and cultural activities", False),
        ("为企业文化宣传投稿或讲述身边故事", "Writes for company culture publicity or tells stories from work", False),
        ("在集体活动中发挥组织和带动作用", "Organises and leads others in collective activities", False),
        ("参与志愿服务和公益活动", "Takes part in volunteer and charity work", False),
        ("对集体活动能躲就躲", "Avoids collective activities whenever possible", True),
    ],
    "team_cooperation": [
        ("与同事配合默契，主动补位", "Works well with colleagues and fills gaps unasked", False),
        ("跨班组、跨部门协作时顾全大局", "Keeps the whole in view when working across teams and departments", False),
        ("出现分歧时坦诚沟通、求同存异", "Talks openly in disagreements and seeks common ground", False),
        ("愿意分担同事手上的困难工作", "Is willing to share colleagues' difficult work", False),
        ("只顾自己的一摊事，对别人的求助不太理会", "Minds only their own work and ignores requests for help", True),
    ],
    "team_serving_masses": [
        ("经常与身边职工谈心，了解他们的想法", "Often talks with colleagues and knows what they think", False),
        ("职工有困难时主动伸手帮助", "Helps colleagues in difficulty unasked", False),
        ("把职工反映的问题及时向组织反映", "Passes colleagues' concerns on to the organisation promptly", False),
        ("在职工中有较好的威信和口碑", "Has good standing and a good name among colleagues", False),
        ("与普通职工有距离感，很少主动交流", "Keeps a distance from ordinary staff and rarely talks with them", True),
    ],
    "team_leading_others": [
        ("身边职工愿意跟着一起干", "Colleagues are willing to follow their lead", False),
        ("能带动班组完成急难任务", "Can rally the team to finish urgent tasks", False),
        ("帮助后进职工提高业绩", "Helps colleagues who lag behind to improve", False),
        ("积极向党组织推荐优秀职工", "Recommends outstanding colleagues to the party organisation", False),
        ("在班组里说话没人听，带不动人", "Has little pull in the team; others do not follow", True),
    ],
    "team_goals": [
        ("清楚班组年度目标和自己承担的部分", "Knows the team's annual goals and their own share in them", False),
        ("个人工作安排服从班组整体目标", "Arranges own work around the team's goals", False),
        ("为班组目标的完成做出了突出贡献", "Has contributed notably to meeting the team's goals", False),
        ("主动为班组改进工作提出建议", "Suggests improvements to the team's work", False),
        ("只关心个人考核，不关心班组整体成绩", "Cares about their own appraisal only, not the team's results", True),
    ],
    "bel_conviction": [
        ("对党的事业和企业发展充满信心", "Has confidence in the party's cause and the company's future", False),
        ("在大是大非面前立场坚定", "Stands firm on matters of principle", False),
        ("经常用党员标准对照检查自己", "Regularly measures themselves against the standards of a party member", False),
        ("在困难和挫折面前不动摇", "Does not waver in difficulty or setback", False),
        ("觉得理想信念问题离自己很远", "Feels that ideals and convictions are far from their own life", True),
    ],
    "bel_theory_study": [
        ("按时参加理论学习，认真做好学习笔记", "Attends theory study on time and takes careful notes", False),
        ("能结合本职工作谈学习体会", "Relates what was studied to their own work", False),
        ("主动利用“学习强国”等平台自学", "Studies on their own on platforms such as Xuexi Qiangguo", False),
        ("能向身边职工宣讲党的方针政策", "Explains the party's policies to colleagues", False),
        ("理论学习走过场，应付了事", "Goes through the motions in theory study", True),
    ],
    "bel_discipline": [
        ("按时足额交纳党费", "Pays party dues in full and on time", False),
        ("严格遵守组织纪律，按规定请示报告", "Keeps organisational discipline and reports as required", False),
        ("在组织生活中敢于开展批评和自我批评", "Practises criticism and self-criticism in party meetings", False),
        ("不信谣、不传谣，网上言行规范", "Neither believes nor spreads rumours; behaves properly online", False),
        ("无故缺席组织生活的情况时有发生", "Now and then misses party meetings without good reason", True),
    ],
    "bel_party_identity": [
        ("在工作中主动亮明党员身份", "Shows their party identity openly at work", False),
        ("佩戴党徽，在党员示范岗上做出表率", "Wears the party badge and sets an example on model posts", False),
        ("关键时刻站得出来、冲得上去", "Steps forward when it matters", False),
        ("身边群众认可其党员形象", "Colleagues recognise them as a model party member", False),
        ("平时表现与普通职工没有什么两样", "In daily work cannot be told apart from any other employee", True),
    ],
}

COMMENT_CODE = "comment"
COMMENTS = [
    "工作踏实，希望在理论学习上再加把劲。",
    "业务能力强，建议多带带新同事。",
    "服务意识好，群众基础扎实。",
    "希望多参加支部组织的集体活动。",
    "遇事沉着，关键时刻靠得住。",
    "建议在跨部门协作中更主动一些。",
]

# The latent model. Branch codes are those of the demo organisation; anything else scores neutral.
BASE = 3.85
BRANCH_EFFECT = {"DW-ZB01": 0.10, "DW-ZB02": -0.15, "DW-ZB03": 0.0, "DW-ZB04": 0.20, "DW-ZB05": 0.05, "DW-ZB06": -0.05}
# How a branch moved from 2024 to 2025 on average: 叶片车间 improves, 质量安全 declines.
BRANCH_TREND = {"DW-ZB01": 0.10, "DW-ZB02": 0.40, "DW-ZB03": 0.0, "DW-ZB04": 0.05, "DW-ZB05": -0.40, "DW-ZB06": -0.10}
CATEGORY_PROFILE = {
    "management": {
        "performance": 0.0,
        "execution": 0.15,
        "wisdom": -0.05,
        "culture": 0.10,
        "team": 0.05,
        "belief": 0.20,
    },
    "technical": {
        "performance": 0.05,
        "execution": 0.0,
        "wisdom": 0.25,
        "culture": 0.0,
        "team": -0.10,
        "belief": -0.05,
    },
    "frontline": {
        "performance": 0.15,
        "execution": 0.05,
        "wisdom": -0.15,
        "culture": 0.0,
        "team": 0.15,
        "belief": -0.10,
    },
}
ROLE_BIAS = {RaterRole.SELF: 0.35, RaterRole.PEER: 0.10, RaterRole.SECRETARY: 0.0, RaterRole.MASSES: -0.10}
NOISE = 0.55
# How far a member stands apart from his own overall level in one dimension: without it every
# dimension would measure the same thing and their correlations would all be about 0.9.
FACET_SD = 0.3


@dataclass(frozen=True)
class ItemQuirk:
    loading: float = 1.0  # how much of the member's level the answer follows (0: pure guess)
    offset: float = 0.0
    skip: float = 0.0  # share of raters who leave the item blank (it is then optional)
    misread: float = 0.0  # share of answers to a reverse-worded item given as if it were positive


ITEM_QUIRKS = {
    # Who writes training material is a fact most raters cannot see: they guess or leave it blank.
    "wis_mentoring_4": ItemQuirk(loading=0.1, skip=0.28),
    # Everybody pays the dues on time: nearly every answer is "完全符合".
    "bel_discipline_1": ItemQuirk(offset=1.4),
    # A reverse-worded item that a third of the raters read the wrong way round.
    "cul_activities_5": ItemQuirk(misread=0.35),
}
OPTIONAL_ITEMS = frozenset(code for code, quirk in ITEM_QUIRKS.items() if quirk.skip)
# Shares of the open year's assignments left unfinished, so progress pages and reminders show something.
PENDING_SHARE = 0.04
DRAFT_SHARE = 0.03
MASSES_FORMS_PER_MEMBER = (2, 3)
DEMO_YEARS_STATUS = {2024: QuestionnaireStatus.CLOSED, 2025: QuestionnaireStatus.OPEN}


def questionnaire_code(year: int) -> str:
    return f"{DEMO_CODE_PREFIX}{year}"


def _moment(year: int, rng: random.Random) -> datetime:
    """A time in the last two months of the year, when the annual questionnaire is filled in."""
    start = datetime(year, 11, 1, 8, 0, tzinfo=UTC)
    return start + timedelta(minutes=rng.randrange(55 * 24 * 60))


# ── the questionnaire ────────────────────────────────────────────────────────────────────────────


def _questions_for(indicator: Indicator) -> list[tuple[str, str, bool]]:
    bank = QUESTION_BANK.get(indicator.code)
    if bank:
        return bank
    # An indicator this bank does not know (a changed catalogue) still gets a few plain items.
    return [
        (f"在“{indicator.name}”方面表现突出", f"Stands out in: {indicator.name_en or indicator.name}", False),
        (f"在“{indicator.name}”方面能起带头作用", f"Leads by example in: {indicator.name_en or indicator.name}", False),
        (
            f"在“{indicator.name}”方面还有明显差距",
            f"Clearly falls short in: {indicator.name_en or indicator.name}",
            True,
        ),
    ]


@transaction.atomic
def ensure_demo_questionnaire(*, system: IndicatorSystem, status: str | None = None) -> tuple[Questionnaire, bool]:
    """The year's annual questionnaire with ~5 items per questionnaire or rating indicator. Returns
    (questionnaire, created); an existing one is left exactly as it is."""
    year = system.year
    code = questionnaire_code(year)
    existing = Questionnaire.objects.filter(code=code).first()
    if existing is not None:
        return existing, False
    status = status or DEMO_YEARS_STATUS.get(year, QuestionnaireStatus.OPEN)
    questionnaire = Questionnaire.objects.create(
        code=code,
        title=f"{year}年度党员模范力评价问卷",
        title_en=f"{year} party member model-power survey",
        system=system,
        period=str(year),
        roles=[RaterRole.SELF, RaterRole.PEER, RaterRole.SECRETARY, RaterRole.MASSES],
        opens_at=datetime(year, 11, 1, tzinfo=UTC),
        closes_at=datetime(year, 12, 31, 16, tzinfo=UTC) if status == QuestionnaireStatus.CLOSED else None,
        status=status,
        instructions=(
            "请根据近一年来的实际表现，对每一项描述选择最符合的程度。自评时题目指本人，评价他人时指被评价人。"
            "带“反向”含义的描述，选“完全符合”表示问题越突出。"
        ),
    )
    indicators = (
        Indicator.objects.filter(system=system, source__in=[Source.QUESTIONNAIRE, Source.RATING])
        .select_related("dimension")
        .order_by("dimension__order", "order", "code")
    )
    questions: list[Question] = []
    for indicator in indicators:
        for n, (text, text_en, reverse) in enumerate(_questions_for(indicator), start=1):
            code = f"{indicator.code}_{n}"
            questions.append(
                Question(
                    questionnaire=questionnaire,
                    code=code,
                    indicator=indicator,
                    text=text,
                    text_en=text_en,
                    type=QuestionType.LIKERT,
                    lo=1,
                    hi=5,
                    labels=LIKERT_LABELS,
                    reverse=reverse,
                    required=code not in OPTIONAL_ITEMS,
                    order=len(questions) + 1,
                )
            )
    questions.append(
        Question(
            questionnaire=questionnaire,
            code=COMMENT_CODE,
            text="其他意见和建议",
            text_en="Other comments and suggestions",
            type=QuestionType.TEXT,
            required=False,
            order=len(questions) + 1,
        )
    )
    Question.objects.bulk_create(questions)
    return questionnaire, True


def ensure_demo_assignments(*, questionnaire: Questionnaire) -> AssignmentSummary:
    return create_assignments(questionnaire=questionnaire, peers_per_member=PEERS_PER_MEMBER)


# ── the answers ──────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Trait:
    ability: float
    change: float  # from 2024 to 2025
    branch: str
    category: str
    facets: dict[str, float] = field(default_factory=dict)  # per dimension key


def member_traits(*, seed: int) -> dict[int, Trait]:
    """Each member's latent standing, keyed by member id but drawn in employee-number order."""
    units = {
        pk: (code, kind, parent)
        for pk, code, kind, parent in Unit.objects.values_list("pk", "code", "kind", "parent_id")
    }

    def branch_code(unit_id: int) -> str:
        code, kind, parent = units[unit_id]
        if kind == UnitKind.GROUP and parent is not None:
            return units[parent][0]
        return code

    rows = Member.objects.order_by("employee_no").values_list("pk", "employee_no", "unit_id", "category__code")
    traits: dict[int, Trait] = {}
    for pk, employee_no, unit_id, category in rows:
        rng = random.Random(f"{seed}:member:{employee_no}")
        branch = branch_code(unit_id)
        change = BRANCH_TREND.get(branch, 0.0) + rng.gauss(0, 0.25)
        # Facets from a stream of their own, so the other draws stay what they were.
        facet_rng = random.Random(f"{seed}:facets:{employee_no}")
        facets = {key: facet_rng.gauss(0, FACET_SD) for key in DIMENSION_KEYS}
        traits[pk] = Trait(ability=rng.gauss(0, 0.45), change=change, branch=branch, category=category, facets=facets)
    return traits


# (response id, question id, value, text): one answer as the database stores it.
AnswerRow = tuple[int, int, float | None, str]


@dataclass(frozen=True)
class Item:
    pk: int
    dimension: str
    reverse: bool
    offset: float
    quirk: ItemQuirk = ItemQuirk()


def _items(questionnaire: Questionnaire, seed: int) -> tuple[list[Item], int | None]:
    items: list[Item] = []
    comment: int | None = None
    rows = (
        Question.objects.filter(questionnaire=questionnaire)
        .order_by("order", "pk")
        .values_list("pk", "code", "type", "indicator__dimension__key", "reverse")
    )
    for pk, code, kind, dimension, reverse in rows:
        if kind == QuestionType.TEXT:
            comment = comment or pk
            continue
        if dimension is None:
            continue
        offset = random.Random(f"{seed}:item:{code}").gauss(0, 0.15)
        quirk = ITEM_QUIRKS.get(code, ItemQuirk())
        items.append(Item(pk=pk, dimension=dimension, reverse=reverse, offset=offset + quirk.offset, quirk=quirk))
    return items, comment


class _AnswerModel:
    """Draws the answers of one filled-in form."""

    def __init__(self, *, year: int, traits: dict[int, Trait], items: list[Item], comment: int | None) -> None:
        self.year, self.traits, self.items, self.comment = year, traits, items, comment
        # The first demo year is the baseline; later years carry each member's change.
        self.changed = year >= 2025

    def level(self, subject: int, role: str, leniency: float) -> dict[str, float]:
        trait = self.traits.get(subject) or Trait(0.0, 0.0, "", "")
        profile = CATEGORY_PROFILE.get(trait.category, {})
        shared = (
            BASE
            + trait.ability
            + BRANCH_EFFECT.get(trait.branch, 0.0)
            + (trait.change if self.changed else 0.0)
            + ROLE_BIAS.get(RaterRole(role), 0.0)
            + leniency
        )
        return {
            key: shared + profile.get(key, 0.0) + trait.facets.get(key, 0.0)
            for key in {item.dimension for item in self.items}
        }

    def answers(
        self,
        *,
        response: Response,
        subject: int,
        role: str,
        rng: random.Random,
        leniency: float,
        share: float = 1.0,
    ) -> list[AnswerRow]:
        """Answers to every scored item (a draft answers only about `share` of them)."""
        levels = self.level(subject, role, leniency)
        rows: list[AnswerRow] = []
        for item in self.items:
            if share < 1.0 and rng.random() > share:
                continue
            quirk = item.quirk
            if quirk.skip and rng.random() < quirk.skip:
                continue
            level = BASE + quirk.loading * (levels[item.dimension] - BASE)
            agreement = min(5, max(1, round(level + item.offset + rng.gauss(0, NOISE))))
            reverse = item.reverse and not (quirk.misread and rng.random() < quirk.misread)
            rows.append((response.pk, item.pk, float(6 - agreement if reverse else agreement), ""))
        if self.comment is not None and rng.random() < 0.08:
            rows.append((response.pk, self.comment, None, rng.choice(COMMENTS)))
        return rows


@dataclass
class AnswerSummary:
    submitted: int = 0
    drafts: int = 0
    pending: int = 0
    masses_forms: int = 0
    answers: int = 0
    skipped: bool = False


@transaction.atomic
def ensure_demo_answers(
    *, questionnaire: Questionnaire, seed: int, keep_pending: Collection[int] = (), complete: bool | None = None
) -> AnswerSummary:
    """Fill in the questionnaire's assignments and add anonymous masses forms, once.

    A questionnaire that already has any response is left alone (the demo is idempotent). In an open
    questionnaire (or `complete=False`) a few assignments stay pending or draft; `keep_pending` names
    raters whose assignments all stay pending (the demo member fills in his own).
    """
    summary = AnswerSummary()
    if Response.objects.filter(questionnaire=questionnaire).exists():
        summary.skipped = True
        return summary
    year = questionnaire.system.year
    if complete is None:
        complete = questionnaire.status != QuestionnaireStatus.OPEN
    items, comment = _items(questionnaire, seed)
    model = _AnswerModel(year=year, traits=member_traits(seed=seed), items=items, comment=comment)
    rng = random.Random(f"{seed}:{questionnaire.code}")
    keep = set(keep_pending)

    numbers = dict(Member.objects.values_list("pk", "employee_no"))
    assignments = list(
        Assignment.objects.filter(questionnaire=questionnaire).order_by(
            "rater__employee_no", "role", "subject__employee_no"
        )
    )
    plans: list[tuple[Assignment, Response, float]] = []
    for assignment in assignments:
        draw = rng.random()
        if assignment.rater_id in keep or (not complete and draw < PENDING_SHARE):
            summary.pending += 1
            continue
        draft = not complete and draw < PENDING_SHARE + DRAFT_SHARE
        when = _moment(year, rng)
        response = Response(
            questionnaire=questionnaire,
            rater_id=assignment.rater_id,
            subject_id=assignment.subject_id,
            role=assignment.role,
            status=ResponseStatus.DRAFT if draft else ResponseStatus.SUBMITTED,
            submitted_at=None if draft else when,
        )
        assignment.status = AssignmentStatus.DRAFT if draft else AssignmentStatus.SUBMITTED
        assignment.submitted_at = None if draft else when
        plans.append((assignment, response, rng.uniform(0.3, 0.8) if draft else 1.0))
        if draft:
            summary.drafts += 1
        else:
            summary.submitted += 1

    # Anonymous forms for everybody the questionnaire rates (everybody rates himself, so: every subject).
    subjects = sorted({a.subject_id for a in assignments}, key=lambda pk: numbers[pk])
    masses: list[Response] = []
    if RaterRole.MASSES in questionnaire.roles:
        for pk in subjects:
            for n in range(1, rng.choice(MASSES_FORMS_PER_MEMBER) + 1):
                masses.append(
                    Response(
                        questionnaire=questionnaire,
                        subject_id=pk,
                        role=RaterRole.MASSES,
                        form_id=f"{questionnaire.code}-{numbers[pk]}-{n}",
                        status=ResponseStatus.SUBMITTED,
                        submitted_at=_moment(year, rng),
                    )
                )
    summary.masses_forms = len(masses)

    Response.objects.bulk_create([response for _a, response, _s in plans] + masses, batch_size=2000)
    answers: list[AnswerRow] = []
    for assignment, response, share in plans:
        leniency = _leniency(seed, numbers[assignment.rater_id])
        answers += model.answers(
            response=response,
            subject=assignment.subject_id,
            role=assignment.role,
            rng=rng,
            leniency=leniency,
            share=share,
        )
        if len(answers) >= BATCH * 4:
            summary.answers += _insert(answers)
            answers = []
    for response in masses:
        leniency = rng.gauss(0, 0.3)  # each anonymous form is a rater of its own
        answers += model.answers(
            response=response, subject=response.subject_id, role=RaterRole.MASSES, rng=rng, leniency=leniency
        )
        if len(answers) >= BATCH * 4:
            summary.answers += _insert(answers)
            answers = []
    summary.answers += _insert(answers)
    Assignment.objects.bulk_update([a for a, _r, _s in plans], ["status", "submitted_at"], batch_size=1000)
    return summary


def _leniency(seed: int, employee_no: str) -> float:
    """How mildly a named rater judges, the same on all his forms."""
    return random.Random(f"{seed}:rater:{employee_no}").gauss(0, 0.2)


def _insert(rows: Sequence[AnswerRow]) -> int:
    """Write answer rows as plain tuples.

    The demo writes a quarter of a million answers; `bulk_create` spends about 20 µs a row building
    model objects and SQL (5 s per demo run), where COPY on PostgreSQL and executemany on SQLite take
    well under one. Table and column names come from the model, so a rename still lands here.
    """
    if not rows:
        return 0
    meta = Answer._meta
    columns = [
        cast("Field[Any, Any]", meta.get_field(name)).column for name in ("response", "question", "value", "text")
    ]
    table = connection.ops.quote_name(meta.db_table)
    names = ", ".join(connection.ops.quote_name(str(column)) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            for start in range(0, len(rows), BATCH):
                cursor.executemany(
                    f"INSERT INTO {table} ({names}) VALUES (%s, %s, %s, %s)", rows[start : start + BATCH]
                )
    return len(rows)


def reset_demo_surveys(*, years: Sequence[int]) -> int:
    """Delete the demo's questionnaires (with their questions, assignments and answers)."""
    demo = Questionnaire.objects.filter(code__in=[questionnaire_code(year) for year in years])
    count = demo.count()
    demo.delete()
    return count
