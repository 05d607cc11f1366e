"""Pages: home, the unit tree and unit pages, issuing activation codes, activating an account."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.errors import DomainError, NotInScope
from org.forms import ActivationForm, IssueCodesForm
from org.models import Member, MemberStatus, Unit
from org.scope import member_of, members_visible_to, role_of, units_visible_to
from org.services.activation import (
    PasswordRejected,
    activate_account,
    activation_sheet,
    activation_sheet_filename,
    issuable_units,
    issue_activation_codes,
    unit_for_issuing,
)
from org.services.units import ancestors

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TREE_ROLES = ("admin", "secretary")
OPEN_DEPTH = 2  # tree levels shown unfolded on the home page


@dataclass
class UnitNode:
    unit: Unit
    direct: int
    depth: int = 0
    total: int = 0
    children: list[UnitNode] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.depth < OPEN_DEPTH


def _with_member_counts(units: QuerySet[Unit]) -> QuerySet[Unit]:
    # One aggregated query for the whole tree: each unit with its own active members counted.
    return units.select_related("secretary").annotate(
        direct_members=Count("members", filter=Q(members__status=MemberStatus.ACTIVE))
    )


def unit_tree(units: QuerySet[Unit]) -> list[UnitNode]:
    """The visible units as a forest: a unit whose parent is not visible is a root."""
    nodes = {
        u.pk: UnitNode(unit=u, direct=getattr(u, "direct_members", 0))
        for u in _with_member_counts(units).order_by("path")
    }
    roots: list[UnitNode] = []
    for node in nodes.values():  # ordered by path: parents come before their children
        parent = nodes.get(node.unit.parent_id) if node.unit.parent_id else None
        if parent is None:
            roots.append(node)
        else:
            node.depth = parent.depth + 1
            parent.children.append(node)

    def add_up(node: UnitNode) -> int:
        node.total = node.direct + sum(add_up(child) for child in node.children)
        return node.total

    for root in roots:
        add_up(root)
    return roots


@login_required
def home(request: HttpRequest) -> HttpResponse:
    role = role_of(request.user)
    member = member_of(request.user)
    if member is not None:
        member = Member.objects.select_related("unit", "category").get(pk=member.pk)
    context: dict[str, Any] = {
        "role": role,
        "member": member,
        "tree": unit_tree(units_visible_to(request.user)) if role in TREE_ROLES else [],
        "secretary_of": list(member.secretary_of.order_by("path")) if member is not None else [],
        "can_issue": role in TREE_ROLES,
    }
    return render(request, "org/home.html", context)


@login_required
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    if role_of(request.user) not in TREE_ROLES:
        raise Http404
    visible = units_visible_to(request.user)
    unit = get_object_or_404(visible.select_related("secretary", "parent"), code=code)
    members = (
        members_visible_to(request.user)
        .filter(unit=unit)
        .select_related("category", "user")
        .order_by("status", "employee_no")
    )
    children = unit_tree(visible.filter(path__startswith=unit.path).exclude(pk=unit.pk))
    visible_ids = set(visible.values_list("pk", flat=True))
    context = {
        "unit": unit,
        "members": members,
        "children": children,
        "breadcrumbs": [u for u in ancestors(unit) if u.pk in visible_ids],
        "can_issue": issuable_units(user=request.user).filter(pk=unit.pk).exists(),
    }
    return render(request, "org/unit_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def issue_codes(request: HttpRequest) -> HttpResponse:
    units = issuable_units(user=request.user)
    if not units.exists():
        raise Http404
    chosen = request.POST.get("unit") or request.GET.get("unit")
    if chosen:
        try:
            unit_for_issuing(user=request.user, code=chosen)
        except NotInScope as exc:
            raise Http404 from exc
    if request.method == "POST":
        form = IssueCodesForm(request.POST, units=units)
        if form.is_valid():
            unit = form.cleaned_data["unit"]
            codes = issue_activation_codes(
                unit=unit, issued_by=request.user, include_active=form.cleaned_data["include_active"]
            )
            if not codes:
                messages.info(request, _("%(unit)s 没有需要激活的成员。") % {"unit": unit.name})
                return redirect(f"{request.path}?unit={unit.code}")
            sheet = activation_sheet(
                unit=unit, codes=codes, activate_url=request.build_absolute_uri(reverse("activate"))
            )
            response = HttpResponse(sheet, content_type=XLSX_TYPE)
            response["Content-Disposition"] = f'attachment; filename="{activation_sheet_filename(unit=unit)}"'
            return response
    else:
        form = IssueCodesForm(initial={"unit": chosen} if chosen else None, units=units)
    return render(request, "org/issue_codes.html", {"form": form})


@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest) -> HttpResponse:
    form = ActivationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = activate_account(
                employee_no=form.cleaned_data["employee_no"],
                code=form.cleaned_data["code"],
                password=form.cleaned_data["password1"],
            )
        except DomainError as exc:
            target = "password1" if isinstance(exc, PasswordRejected) else None
            for message in exc.messages:
                form.add_error(target, message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("账号已激活，欢迎使用党员模范力。"))
            return redirect("home")
    return render(request, "registration/activate.html", {"form": form})
