"""The demo's proposed 2025 commendation list: there for the administrator to review and approve."""

import math
from collections import Counter

import pytest

from reports.models import CommendationCandidate, CommendationRound
from reports.services.commendation import approve_commendations
from reports.services.demo import ADMIN_USERNAME, COMMENDATION_RULES, run_demo


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db):
    return run_demo()


def selected_codes() -> list[tuple[str, str]]:
    return list(
        CommendationCandidate.objects.filter(selected=True).order_by("kind", "position").values_list("kind", "code")
    )


def test_the_demo_proposes_the_2025_list_under_its_rules(demo):
    commendation = CommendationRound.objects.get()
    assert (commendation.year, commendation.status) == (2025, "proposed")
    assert commendation.proposed_by is not None and commendation.proposed_by.username == ADMIN_USERNAME
    rules = {name: getattr(commendation, name) for name in COMMENDATION_RULES}
    assert rules == COMMENDATION_RULES
    for kind in ("post", "member"):
        candidates = list(commendation.candidates.filter(kind=kind))
        chosen = [c for c in candidates if c.selected]
        assert chosen, kind
        assert max(Counter(c.branch for c in chosen).values()) <= 2
        eligible = [c for c in candidates if c.score >= 80 and (c.delta is None or c.delta >= 0)]
        assert len(chosen) <= math.floor(len(eligible) * 0.2 + 1e-9)
        assert all(c.reasons for c in candidates)
    # Some are left out for each reason the committee should be able to check.
    reasons = " ".join(" ".join(c.reasons) for c in commendation.candidates.all())
    for why in ("低于最低分", "超过容差", "超出本支部名额", "超出比例上限"):
        assert why in reasons


def test_running_the_demo_again_gives_the_same_proposal_and_keeps_an_approved_list(demo, django_user_model):
    first = selected_codes()
    run_demo()
    assert selected_codes() == first
    approve_commendations(year=2025, user=django_user_model.objects.get(username=ADMIN_USERNAME))
    ids = set(CommendationCandidate.objects.values_list("pk", flat=True))
    run_demo()
    assert CommendationRound.objects.get().is_approved
    assert set(CommendationCandidate.objects.values_list("pk", flat=True)) == ids
