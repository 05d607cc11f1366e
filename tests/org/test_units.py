from typing import cast

import pytest

from org.models import Unit
from org.services.units import ancestors, branch_of, path_for, rebuild_unit_paths, subtree
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


def test_paths_follow_the_tree(org_tree):
    committee, branch, group = org_tree["committee"], org_tree["branch_a"], org_tree["group_a"]
    assert group.path == path_for(path_for(path_for(None, committee.pk), branch.pk), group.pk)
    assert group.depth == 2


def test_a_subtree_holds_the_unit_and_everything_below(org_tree):
    assert set(subtree(org_tree["branch_a"]).values_list("code", flat=True)) == {"B1", "G1"}
    assert set(subtree(org_tree["committee"]).values_list("code", flat=True)) == {"C1", "B1", "G1", "B2"}


def test_moving_a_unit_moves_its_subtree(org_tree):
    group = org_tree["group_a"]
    branch_a = org_tree["branch_a"]
    branch_a.parent = org_tree["branch_b"]
    branch_a.save()
    group.refresh_from_db()
    assert group.path.startswith(org_tree["branch_b"].path)
    assert set(subtree(org_tree["branch_b"]).values_list("code", flat=True)) == {"B2", "B1", "G1"}


def test_rebuild_repairs_paths_after_bulk_writes(org_tree):
    Unit.objects.update(path="")
    assert rebuild_unit_paths() == 4
    group = Unit.objects.get(code="G1")
    assert [u.code for u in ancestors(group)] == ["C1", "B1"]
    assert rebuild_unit_paths() == 0


def test_a_group_ranks_in_its_branch(org_tree):
    assert branch_of(org_tree["group_a"]) == org_tree["branch_a"]
    assert branch_of(org_tree["branch_b"]) == org_tree["branch_b"]


def test_a_unit_that_would_be_its_own_ancestor_fails_validation(org_tree):
    from django.core.exceptions import ValidationError

    committee = org_tree["committee"]
    committee.parent = org_tree["group_a"]
    with pytest.raises(ValidationError):
        committee.full_clean()


def test_paths_sort_in_tree_order_whatever_the_ids(db):
    top = cast(Unit, UnitFactory(code="T", kind="committee"))
    units = [UnitFactory(code=f"F{n}", parent=top) for n in range(12)]
    UnitFactory(code="F0-child", kind="group", parent=units[0])
    ordered = [u.code for u in Unit.objects.filter(path__startswith=top.path).order_by("path")]
    assert ordered[:3] == ["T", "F0", "F0-child"]


def test_a_prefix_of_another_units_id_does_not_leak_into_its_subtree(db):
    top = UnitFactory(code="T", kind="committee")
    one = cast(Unit, UnitFactory(code="X1", parent=top))
    for n in range(12):  # make ids with shared prefixes such as 3 and 13
        UnitFactory(code=f"F{n}", parent=top)
    codes = set(subtree(one).values_list("code", flat=True))
    assert codes == {"X1"}
