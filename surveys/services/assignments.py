"""Creating assignments: who is asked to rate whom on a questionnaire."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from common.errors import DomainError
from indicators.models import RaterRole
from org.models import Member, MemberStatus, Unit
from org.services.units import subtree_q
from surveys.models import Assignment, AssignmentStatus, Questionnaire
from surveys.services.raters import RaterRules


@dataclass
class AssignmentSummary:
    created: dict[str, int] = field(default_factory=dict)
    existing: int = 0

    @property
    def total_created(self) -> int:
        return sum(self.created.values())


def _peer_sample(*, candidates: list[int], k: int | None, seed: str) -> list[int]:
    if k is None or len(candidates) <= k:
        return candidates
    # Seeded by questionnaire and subject: the same branch gives the same peers on every run.
    return sorted(random.Random(seed).sample(sorted(candidates), k))


def planned_assignments(
    *, questionnaire: Questionnaire, peers_per_member: int | None = None, unit: Unit | None = None
) -> list[tuple[int, int, str]]:
    """(rater, subject, role) for every active member in scope, following the rater rules."""
    rules = RaterRules.load()
    members = Member.objects.filter(status=MemberStatus.ACTIVE)
    if unit is not None:
        members = members.filter(subtree_q([unit.path], field="unit__path"))
    rows = list(members.values_list("pk", "employee_no"))
    number_of = dict(rows)
    by_branch: dict[int, list[int]] = defaultdict(list)
    for pk, _number in rows:
        branch = rules.branch_of_member.get(pk)
        if branch is not None:
            by_branch[branch].append(pk)

    roles = set(questionnaire.roles)
    planned: list[tuple[int, int, str]] = []
    if RaterRole.SELF in roles:
        planned += [(pk, pk, RaterRole.SELF.value) for pk, _ in rows]
    for branch, member_ids in by_branch.items():
        secretary = rules.secretary_of_branch.get(branch)
        if RaterRole.SECRETARY in roles and secretary is not None:
            planned += [(secretary, pk, RaterRole.SECRETARY.value) for pk in member_ids if pk != secretary]
        if RaterRole.PEER in roles:
            peers = [pk for pk in member_ids if pk != secretary]
            for subject in member_ids:
                candidates = [pk for pk in peers if pk != subject]
                seed = f"{questionnaire.code}:{number_of[subject]}"
                chosen = _peer_sample(candidates=candidates, k=peers_per_member, seed=seed)
                planned += [(rater, subject, RaterRole.PEER.value) for rater in chosen]
    return planned


@transaction.atomic
def create_assignments(
    *, questionnaire: Questionnaire, peers_per_member: int | None = None, unit: Unit | None = None
) -> AssignmentSummary:
    """Add the missing assignments. Never duplicates, never removes one (nor its answers)."""
    if peers_per_member is not None and peers_per_member < 1:
        raise DomainError("每人互评人数须至少为 1 (peers per member must be at least 1)")
    planned = planned_assignments(questionnaire=questionnaire, peers_per_member=peers_per_member, unit=unit)
    existing = set(Assignment.objects.filter(questionnaire=questionnaire).values_list("rater_id", "subject_id", "role"))
    missing = [row for row in planned if row not in existing]
    Assignment.objects.bulk_create(
        [Assignment(questionnaire=questionnaire, rater_id=r, subject_id=s, role=role) for r, s, role in missing],
        batch_size=2000,
        ignore_conflicts=True,
    )
    summary = AssignmentSummary(existing=len(planned) - len(missing))
    for _r, _s, role in missing:
        summary.created[role] = summary.created.get(role, 0) + 1
    return summary


def remind_pending(*, questionnaire: Questionnaire, unit: Unit | None = None) -> int:
    """Mark the unfinished assignments (in a unit's subtree) as reminded; their raters see a notice."""
    pending = Assignment.objects.filter(questionnaire=questionnaire).exclude(status=AssignmentStatus.SUBMITTED)
    if unit is not None:
        pending = pending.filter(subtree_q([unit.path], field="rater__unit__path"))
    return pending.update(reminded_at=timezone.now())
