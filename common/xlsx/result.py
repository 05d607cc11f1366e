"""What an import did, per kind of row."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from common.xlsx.labels import label_of


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


@dataclass
class ImportResult:
    counts: dict[str, KindCounts] = field(default_factory=dict)
    # Anything else the import did that is no row count (e.g. `published`).
    notes: list[str] = field(default_factory=list)
    extra_changes: bool = False

    def of(self, kind: str) -> KindCounts:
        return self.counts.setdefault(kind, KindCounts())

    def add(self, kind: str, *, created: int = 0, updated: int = 0, unchanged: int = 0, deleted: int = 0) -> None:
        counts = self.of(kind)
        counts.created += created
        counts.updated += updated
        counts.unchanged += unchanged
        counts.deleted += deleted

    @property
    def changed(self) -> bool:
        return self.extra_changes or any(counts.changed for counts in self.counts.values())

    def summary(self) -> str:
        """One line in Chinese: `组织：新增 3，更新 1，未变 0；…`."""
        parts = []
        for kind, c in self.counts.items():
            text = f"{label_of(kind)}：新增 {c.created}，更新 {c.updated}，未变 {c.unchanged}"
            if c.deleted:
                text += f"，删除 {c.deleted}"
            parts.append(text)
        lines = ["；".join(parts) if parts else "没有数据 (nothing to import)", *self.notes]
        if not self.changed:
            lines.append("数据与系统中一致，未作任何修改 (nothing changed)")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "changed": self.changed,
            "counts": {kind: asdict(counts) for kind, counts in self.counts.items()},
            "notes": list(self.notes),
            "summary": self.summary(),
        }
