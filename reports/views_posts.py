"""The secretary's model-posts pages: the posts' progress against targets and last year, and the
page where he sets his branch's target tasks. Secretaries and administrators only; anyone else, and
any post or unit outside scope, gets a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.errors import DomainError, NotInScope
from indicators.services.measurements import copy_targets_forward
from indicators.services.targets import TargetProblems, set_post_targets
from reports.services.post_targets_page import TargetChoices, read_target_choices, target_rows
from reports.services.posts_page import can_follow_posts, posts_page, read_choices


@login_required
def posts_view(request: HttpRequest) -> HttpResponse:
    if not can_follow_posts(request.user):
        raise Http404
    try:
        choices = read_choices(user=request.user, params=request.GET.dict())
    except NotInScope as exc:
        raise Http404 from exc
    for error in choices.errors:
        messages.warning(request, error)
    data = posts_page(user=request.user, choices=choices)
    targets_query = {"period": choices.period.code} if choices.period else {}
    context = {
        "choices": choices,
        **data,
        "targets_url": f"{reverse('reports:post-targets')}?{urlencode(targets_query)}",
    }
    return render(request, "reports/posts.html", context)


def _back(choices: TargetChoices) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse('reports:post-targets')}?{urlencode(choices.query())}")


@login_required
@require_http_methods(["GET", "POST"])
def post_targets_view(request: HttpRequest) -> HttpResponse:
    if not can_follow_posts(request.user):
        raise Http404
    params = request.POST.dict() if request.method == "POST" else request.GET.dict()
    try:
        choices = read_target_choices(user=request.user, params=params)
    except NotInScope as exc:
        raise Http404 from exc
    for error in choices.errors:
        messages.warning(request, error)
    typed: dict[str, tuple[str, str]] = {}
    problems: dict[str, str] = {}
    status = 200
    if request.method == "POST" and choices.post is not None and choices.period is not None:
        if request.POST.get("action") == "copy":
            return _copy(request, choices)
        typed = {
            code: (request.POST.get(f"floor-{code}", ""), request.POST.get(f"target-{code}", ""))
            for code in request.POST.getlist("indicator")
        }
        try:
            changes = set_post_targets(user=request.user, post=choices.post, period=choices.period.code, entries=typed)
        except NotInScope as exc:
            raise Http404 from exc
        except TargetProblems as exc:
            problems = exc.problems
            messages.error(request, _("目标未保存：请改正标出的指标后再保存 (nothing was saved)"))
            status = 400
        except DomainError as exc:
            messages.error(request, exc.message)
            status = 400
        else:
            messages.success(
                request,
                _("已保存 %(post)s %(period)s 的目标：新增 %(created)s 项，修改 %(changed)s 项，清除 %(removed)s 项。")
                % {
                    "post": choices.post.name,
                    "period": choices.period.code,
                    "created": changes.created,
                    "changed": changes.changed,
                    "removed": changes.removed,
                },
            )
            return _back(choices)
    rows = target_rows(choices=choices, typed=typed, problems=problems)
    shown = {row["code"] for row in rows}
    for code, problem in problems.items():
        if code not in shown:  # an indicator the page does not offer (a forged or stale form)
            messages.error(request, f"{code}: {problem}")
    context: dict[str, Any] = {
        "choices": choices,
        "rows": rows,
        "posts_url": f"{reverse('reports:posts')}?{urlencode(_period_query(choices))}",
    }
    return render(request, "reports/post_targets.html", context, status=status)


def _period_query(choices: TargetChoices) -> dict[str, str]:
    return {"period": choices.period.code} if choices.period else {}


def _copy(request: HttpRequest, choices: TargetChoices) -> HttpResponse:
    """Copy last year's target tasks of every post the user manages into the chosen year; targets
    the year already has are kept."""
    assert choices.period is not None
    year = choices.period.year
    try:
        created = copy_targets_forward(from_year=year - 1, to_year=year, posts=choices.posts)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("已将 %(from)s 年的岗位目标复制到 %(to)s 年：新增 %(count)s 项，已有的目标保持不变。")
            % {"from": year - 1, "to": year, "count": created},
        )
    return _back(choices)
