"""Commendation rules (表彰, DESIGN.md "Commendation"): pure functions over one kind's candidates.

Per kind (model posts, members), on the year's official annual scores:

1. eligible: score ≥ the minimum, and not fallen against last year by more than the tolerance (a
   candidate without last year's score is eligible). Every comparison is on values rounded to
   9 decimals (rule 8), so 89.99999999999999 meets a minimum of 90 and a fall of exactly the
   tolerance stays in;
2. order: best score first, ties cut by code (code-point order), so every candidate has a place;
3. caps, in that order: at most N per 党支部 (a post or member of a 党小组 counts in the group's
   branch), then at most ⌊X % × eligible + 1e-9⌋ of the kind. The branch cap goes first so the
   share's places go to the best candidates the branch cap lets through; the other way round a
   strong branch would use up share places the branch cap then empties, and fewer than the share
   would be commended.

A cap takes the first places in that order and nothing else: two candidates tied on score at the
boundary are separated by code, and the one left out is told so in its reasons.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from reports.scoring.types import DECISION_DECIMALS

SHARE_EPSILON = 1e-9
KINDS = ("posts", "members", "both")
# One kind's candidates, as the selection reads them.
CANDIDATE_COLUMNS = ["kind", "member_id", "post_id", "code", "name", "branch", "branch_name", "score", "last_score"]


@dataclass(frozen=True)
class Rules:
    """A year's rules. `share` is a percent (20 means 20 %); None leaves that cap off."""

    kinds: str = "both"
    min_score: float = 0.0
    fall_tolerance: float = 0.0
    per_branch: int | None = None
    share: float | None = None

    def problems(self) -> list[str]:
        """What is wrong with these rules, each Chinese first with English in parentheses."""
        found = []
        if self.kinds not in KINDS:
            found.append(f"表彰对象须为 posts、members 或 both，而不是“{self.kinds}” (kinds: posts, members or both)")
        if not _finite(self.min_score) or not 0 <= self.min_score <= 100:
            found.append("最低年度总分须在 0 到 100 之间 (the minimum score must be between 0 and 100)")
        if not _finite(self.fall_tolerance) or self.fall_tolerance < 0:
            found.append("下降容差不能为负数 (the fall tolerance cannot be negative)")
        if self.per_branch is not None and (isinstance(self.per_branch, bool) or self.per_branch < 1):
            found.append(
                "每支部名额至少为 1，不限请留空 (the per-branch cap must be at least 1; leave it empty for none)"
            )
        if self.share is not None and (not _finite(self.share) or not 0 < self.share <= 100):
            found.append(
                "比例上限须大于 0 且不超过 100（%），不限请留空 "
                "(the share cap must be above 0 and at most 100 %; leave it empty for none)"
            )
        return found

    def share_places(self, eligible: int) -> int | None:
        """⌊X % × eligible + 1e-9⌋, or None without a share cap."""
        if self.share is None:
            return None
        return math.floor(self.share * eligible / 100 + SHARE_EPSILON)


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _r(values: Any) -> Any:
    """Rule 8's rounding, for a column or a scalar alike (NumPy's, as the engine rounds)."""
    return np.round(values, DECISION_DECIMALS)


def number_text(value: float) -> str:
    """A rule's value as people typed it: 80, 0.5, 20."""
    return f"{value:g}"


def shown(value: float, *, against: float | None = None, strict: bool = False) -> str:
    """One decimal, unless one decimal would hide which side of `against` the value lies on
    (`strict`: the side of "more than", else of "at least")."""
    return shown_texts(np.array([value], dtype="float64"), np.array([against]), strict=strict)[0]


def shown_texts(values: np.ndarray, against: np.ndarray, *, strict: bool = False) -> list[str]:
    """`shown` for a whole column at once; `against` per value (None or NaN: plain one decimal)."""
    one = np.round(values, 1)
    texts = [f"{value:.1f}" for value in one.tolist()]
    limit = _r(np.asarray(against, dtype="float64"))
    with np.errstate(invalid="ignore"):
        if strict:
            misleading = (_r(one) > limit) != (_r(values) > limit)
        else:
            misleading = (_r(one) >= limit) != (_r(values) >= limit)
    for position in np.flatnonzero(misleading & ~np.isnan(limit) & ~np.isnan(values)):
        texts[position] = f"{_r(values[position]):.9f}".rstrip("0").rstrip(".")
    return texts


def select(candidates: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """One kind's candidates (CANDIDATE_COLUMNS) in the list's order, with `delta`, `position` (1, 2, …),
    `selected` and `reasons` (a list of texts, Chinese with English) added."""
    frame = candidates[CANDIDATE_COLUMNS].copy()
    frame["score"] = frame["score"].astype("float64")
    frame["last_score"] = frame["last_score"].astype("float64")
    frame["delta"] = frame["score"] - frame["last_score"]
    frame["_score"] = _r(frame["score"])
    frame = frame.sort_values(["_score", "code"], ascending=[False, True], kind="mergesort").reset_index(drop=True)
    frame["position"] = np.arange(1, len(frame) + 1)

    meets = frame["_score"] >= _r(rules.min_score)
    fell = frame["delta"].notna() & (_r(frame["delta"]) < -_r(rules.fall_tolerance))
    eligible = meets & ~fell

    within_branch = eligible.copy()
    tied_at_branch_cap = pd.Series(False, index=frame.index)
    if rules.per_branch is not None:
        place = eligible.astype(int).groupby(frame["branch"]).cumsum()
        within_branch = eligible & (place <= rules.per_branch)
        last_taken = frame.loc[eligible & (place == rules.per_branch)].set_index("branch")["_score"]
        tied_at_branch_cap = eligible & ~within_branch & (frame["branch"].map(last_taken) == frame["_score"])

    share_places = rules.share_places(int(eligible.sum()))
    selected = within_branch.copy()
    tied_at_share_cap = pd.Series(False, index=frame.index)
    if share_places is not None:
        selected = within_branch & (within_branch.astype(int).cumsum() <= share_places)
        taken = frame.loc[selected, "_score"]
        if len(taken):
            tied_at_share_cap = within_branch & ~selected & (frame["_score"] == taken.iloc[-1])
    frame["selected"] = selected.astype(bool)

    # The texts are made for the whole column at once: per-row NumPy rounding would cost seconds at 100k.
    delta = frame["delta"].to_numpy(dtype="float64")
    delta_r = _r(delta)
    change_against = np.where(delta_r < 0, rules.fall_tolerance, 0.0)
    texts = {
        "score": shown_texts(frame["score"].to_numpy(dtype="float64"), np.full(len(frame), rules.min_score)),
        "change": shown_texts(np.abs(delta), change_against, strict=True),
    }
    frame["reasons"] = [
        _reasons(rules, share_places, *row)
        for row in zip(
            texts["score"],
            texts["change"],
            np.sign(np.nan_to_num(delta_r, nan=0.0)).tolist(),
            frame["last_score"].isna().tolist(),
            meets.tolist(),
            fell.tolist(),
            within_branch.tolist(),
            selected.tolist(),
            (tied_at_branch_cap | tied_at_share_cap).tolist(),
            strict=True,
        )
    ]
    return frame.drop(columns=["_score"])


def reason_in(text: str, language: str | None) -> str:
    """One reason in one language. Reasons are kept as "中文 (English)" — an approved list is frozen
    with its words — and shown in the reader's language: the English in the last parentheses."""
    chinese, opening, english = text.rpartition(" (")
    if not opening or not english.endswith(")"):
        return text
    return english[:-1] if (language or "").startswith("en") else chinese


def _reasons(
    rules: Rules,
    share_places: int | None,
    score: str,
    change: str,
    direction: float,
    no_last_year: bool,
    meets: bool,
    fell: bool,
    within_branch: bool,
    selected: bool,
    tied: bool,
) -> list[str]:
    """Why a candidate is in or out: the minimum, the change against last year, then the caps."""
    minimum = number_text(rules.min_score)
    if meets:
        texts = [f"总分 {score} ≥ 最低分 {minimum} (score {score} ≥ the minimum {minimum})"]
    else:
        texts = [f"总分 {score} 低于最低分 {minimum} (score {score} below the minimum {minimum})"]

    tolerance = number_text(rules.fall_tolerance)
    if no_last_year:
        texts.append("去年无成绩，视为符合 (no score last year: eligible)")
    elif fell:
        texts.append(
            f"较去年下降 {change}，超过容差 {tolerance} "
            f"(fell {change} against last year, more than the tolerance {tolerance})"
        )
    elif direction < 0:
        texts.append(f"较去年下降 {change}，未超过容差 {tolerance} (fell {change}, within the tolerance {tolerance})")
    elif direction > 0:
        texts.append(f"较去年上升 {change} (rose {change} against last year)")
    else:
        texts.append("与去年持平 (the same as last year)")

    if not (meets and not fell):
        return texts
    tie = "：与已入选者同分，按编码排在其后" if tied else ""
    tie_en = ": tied with a selected candidate, ties cut by code" if tied else ""
    if not within_branch:
        cap = rules.per_branch
        texts.append(f"超出本支部名额 {cap}{tie} (over the branch's cap of {cap}{tie_en})")
    elif not selected:
        share = number_text(rules.share or 0)
        places = f"{share_places} place" + ("" if share_places == 1 else "s")
        texts.append(
            f"超出比例上限 {share}%（名额 {share_places}）{tie} (over the share cap of {share} %: {places}{tie_en})"
        )
    else:
        texts.append("入选 (selected)")
    return texts
