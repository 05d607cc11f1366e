"""The unit tree: materialised paths, subtrees, ancestors."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q, QuerySet

from org.models import Unit

# Ids are zero-padded to a fixed width so that ordering by path is tree order under any collation
# (some ignore "/" and would otherwise sort "/1/12/" among "/1/1/…"), and so that one unit's
# path is never a prefix of an unrelated unit's.
PATH_DIGITS = 10


def path_for(parent_path: str | None, pk: int) -> str:
    return f"{parent_path or '/'}{pk:0{PATH_DIGITS}d}/"


def refresh_unit_path(unit: Unit) -> None:
    """Give one saved unit its path and carry the change to its subtree."""
    parent_path = Unit.objects.values_list("path", flat=True).get(pk=unit.parent_id) if unit.parent_id else None
    new_path = path_for(parent_path, unit.pk)
    if new_path == unit.path:
        return
    old_path, unit.path = unit.path, new_path
    with transaction.atomic():
        Unit.objects.filter(pk=unit.pk).update(path=new_path)
        if old_path:
            moved = list(Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk))
            for descendant in moved:
                descendant.path = new_path + descendant.path[len(old_path) :]
            Unit.objects.bulk_update(moved, ["path"], batch_size=1000)


def rebuild_unit_paths() -> int:
    """Recompute every path from the parent links (after a bulk import). Returns units changed."""
    rows = list(Unit.objects.values_list("pk", "parent_id", "path"))
    parent_of = {pk: parent for pk, parent, _ in rows}
    computed: dict[int, str] = {}

    def compute(pk: int) -> str:
        chain = []
        node: int | None = pk
        while node is not None and node not in computed:
            chain.append(node)
            node = parent_of[node]
        prefix = computed[node] if node is not None else "/"
        for item in reversed(chain):
            prefix = path_for(prefix, item)
            computed[item] = prefix
        return computed[pk]

    changed = [Unit(pk=pk, path=compute(pk)) for pk, _, path in rows if compute(pk) != path]
    Unit.objects.bulk_update(changed, ["path"], batch_size=1000)
    return len(changed)


def subtree_q(paths: Iterable[str], field: str = "path") -> Q:
    """Q matching every unit (or row via `field`) inside any of the given subtrees; empty → nothing."""
    query = Q(pk__in=[])
    for path in set(paths):
        query |= Q(**{f"{field}__startswith": path})
    return query


def subtree(unit: Unit) -> QuerySet[Unit]:
    return Unit.objects.filter(path__startswith=unit.path)


def ancestors(unit: Unit) -> list[Unit]:
    """From the top of the tree down to the unit's parent."""
    ids = [int(part) for part in unit.path.strip("/").split("/")[:-1] if part]
    by_id = Unit.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def branch_of(unit: Unit) -> Unit:
    """The 党支部 a member of this unit ranks in: a 党小组 ranks in its parent branch."""
    if unit.kind == "group" and unit.parent_id:
        return unit.parent  # type: ignore[return-value]
    return unit
