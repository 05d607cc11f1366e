"""Who may rate whom (DESIGN.md, "Who rates whom"), decided from two small lookups so that checking
a million imported rows costs a dictionary lookup each, not a query each."""

from __future__ import annotations

from dataclasses import dataclass

from indicators.models import RaterRole
from org.models import Member, Unit, UnitKind


@dataclass(frozen=True)
class RaterRules:
    branch_of_member: dict[int, int | None]
    secretary_of_branch: dict[int, int | None]

    @classmethod
    def load(cls) -> RaterRules:
        units = {pk: (kind, parent) for pk, kind, parent in Unit.objects.values_list("pk", "kind", "parent_id")}

        def branch_of_unit(unit_id: int) -> int | None:
            kind, parent = units[unit_id]
            if kind == UnitKind.BRANCH:
                return unit_id
            if kind == UnitKind.GROUP and parent is not None and units[parent][0] == UnitKind.BRANCH:
                return parent
            return None

        branch_of_member = {pk: branch_of_unit(unit) for pk, unit in Member.objects.values_list("pk", "unit_id")}
        secretaries: dict[int, int | None] = dict(
            Unit.objects.filter(kind=UnitKind.BRANCH).values_list("pk", "secretary_id")
        )
        return cls(branch_of_member=branch_of_member, secretary_of_branch=secretaries)

    def secretary_of(self, member_id: int) -> int | None:
        branch = self.branch_of_member.get(member_id)
        return self.secretary_of_branch.get(branch) if branch is not None else None

    def may_rate(self, *, rater_id: int | None, subject_id: int, role: str) -> bool:
        if role == RaterRole.MASSES:
            return rater_id is None
        if rater_id is None:
            return False
        if role == RaterRole.SELF:
            return rater_id == subject_id
        if rater_id == subject_id:
            return False
        branch = self.branch_of_member.get(subject_id)
        if branch is None:
            return False
        secretary = self.secretary_of_branch.get(branch)
        if role == RaterRole.SECRETARY:
            return secretary == rater_id
        if role == RaterRole.PEER:
            return self.branch_of_member.get(rater_id) == branch and rater_id != secretary
        return False

    def why_not(self, *, rater_id: int | None, subject_id: int, role: str) -> str:
        """The reason `may_rate` said no, in words a person who typed the row understands."""
        if role == RaterRole.MASSES:
            return "群众评议为匿名，评价人须为空 (masses forms are anonymous: leave the rater empty)"
        if rater_id is None:
            return "评价人不能为空 (the rater is required for this role)"
        if role == RaterRole.SELF:
            return "自评的评价人须为被评价人本人 (a self-assessment is by the subject himself)"
        if rater_id == subject_id:
            return "不能以自评以外的身份评价自己 (nobody rates himself except in the self role)"
        if role == RaterRole.SECRETARY:
            return "评价人不是被评价人所在党支部的书记 (the rater is not the secretary of the subject's branch)"
        if self.branch_of_member.get(rater_id) != self.branch_of_member.get(subject_id):
            return "互评只在同一党支部内进行 (peers rate within their own branch)"
        return "党支部书记不参与互评 (the branch secretary rates as secretary, not as a peer)"
