"""The organisation API: units, members, member categories, posts, and the token login.

Every queryset starts from `org.scope`, so an object outside the user's scope is a 404; writes are
for administrators and go through `org.services.directory`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from common.pagination import Pagination
from org.filters import CategoryFilter, MemberFilter, PostFilter, UnitFilter
from org.models import Member, MemberCategory, Post, Unit
from org.permissions import IsAdministratorOrReadOnly
from org.scope import members_visible_to, posts_visible_to, units_visible_to
from org.services import directory

# Codes are free text from the roster (they may contain dots), so a lookup takes anything but "/".
CODE_REGEX = r"[^/]+"


class UnitSerializer(serializers.ModelSerializer[Unit]):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    # The stubs see `Field.parent` (the enclosing serializer); here it is the declared field `parent`.
    parent = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="code", queryset=Unit.objects.all(), allow_null=True, required=False, label=_("上级")
    )
    secretary = serializers.SlugRelatedField(
        slug_field="employee_no", queryset=Member.objects.all(), allow_null=True, required=False, label=_("书记")
    )
    secretary_name = serializers.CharField(source="secretary.name", read_only=True, allow_null=True)
    depth = serializers.IntegerField(read_only=True)

    class Meta:
        model = Unit
        fields = ["code", "name", "kind", "kind_label", "parent", "secretary", "secretary_name", "depth"]


class MemberSerializer(serializers.ModelSerializer[Member]):
    unit = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all(), label=_("所在组织"))
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=MemberCategory.objects.all(), label=_("人员类别")
    )
    category_name = serializers.CharField(source="category.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Member
        fields = [
            "employee_no", "name", "unit", "unit_name", "category", "category_name",
            "joined_on", "status", "status_label",
        ]  # fmt: skip


class CategorySerializer(serializers.ModelSerializer[MemberCategory]):
    class Meta:
        model = MemberCategory
        fields = ["code", "name", "name_en"]


class PostSerializer(serializers.ModelSerializer[Post]):
    unit = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all(), label=_("所在组织"))
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    holders = serializers.SlugRelatedField(
        slug_field="employee_no", queryset=Member.objects.all(), many=True, required=False, label=_("岗位人员")
    )
    model_post = serializers.BooleanField(source="is_model", required=False, label=_("精品岗位"))

    class Meta:
        model = Post
        fields = ["code", "name", "unit", "unit_name", "holders", "model_post"]


class _DirectoryViewSet(viewsets.ModelViewSet[Any]):
    """Read in scope, write as administrator through a service; `save`/`delete` name the service calls."""

    permission_classes = [IsAdministratorOrReadOnly]
    pagination_class = Pagination
    lookup_value_regex = CODE_REGEX

    def save(self, instance: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def remove(self, instance: Any) -> None:
        raise NotImplementedError

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = self.save(None, dict(serializer.validated_data))

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = self.save(serializer.instance, dict(serializer.validated_data))

    def perform_destroy(self, instance: Any) -> None:
        self.remove(instance)


@extend_schema(tags=["units"])
class UnitViewSet(_DirectoryViewSet):
    """党组织：党委、党总支、党支部、党小组。`unit=CODE` 含下级组织。"""

    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    lookup_field = "code"

    def get_queryset(self) -> QuerySet[Unit]:
        return units_visible_to(self.request.user).select_related("parent", "secretary")

    def save(self, instance: Unit | None, data: dict[str, Any]) -> Unit:
        return directory.save_unit(unit=instance, **data)

    def remove(self, instance: Unit) -> None:
        directory.delete_unit(unit=instance)


@extend_schema(tags=["members"])
class MemberViewSet(_DirectoryViewSet):
    """党员。党员本人只看到自己，书记看到所辖组织及其下级组织的党员。"""

    serializer_class = MemberSerializer
    filterset_class = MemberFilter
    lookup_field = "employee_no"

    def get_queryset(self) -> QuerySet[Member]:
        return members_visible_to(self.request.user).select_related("unit", "category")

    def save(self, instance: Member | None, data: dict[str, Any]) -> Member:
        return directory.save_member(member=instance, **data)

    def remove(self, instance: Member) -> None:
        directory.delete_member(member=instance)


@extend_schema(tags=["categories"])
class CategoryViewSet(_DirectoryViewSet):
    """人员类别（管理人员、专业技术人员、生产一线……）。"""

    serializer_class = CategorySerializer
    filterset_class = CategoryFilter
    lookup_field = "code"
    queryset = MemberCategory.objects.all()

    def save(self, instance: MemberCategory | None, data: dict[str, Any]) -> MemberCategory:
        return directory.save_category(category=instance, **data)

    def remove(self, instance: MemberCategory) -> None:
        directory.delete_category(category=instance)


@extend_schema(tags=["posts"])
class PostViewSet(_DirectoryViewSet):
    """岗位与精品岗位。"""

    # `posts/scores/` and `posts/comparisons/` belong to the reports API, whatever the route order.
    lookup_value_regex = r"(?!(?:scores|comparisons)/)[^/]+"

    serializer_class = PostSerializer
    filterset_class = PostFilter
    lookup_field = "code"

    def get_queryset(self) -> QuerySet[Post]:
        return posts_visible_to(self.request.user).select_related("unit").prefetch_related("holders")

    def save(self, instance: Post | None, data: dict[str, Any]) -> Post:
        return directory.save_post(post=instance, **data)

    def remove(self, instance: Post) -> None:
        directory.delete_post(post=instance)


class ObtainTokenView(ObtainAuthToken):
    """Exchange a username and password for the API token sent as `Authorization: Token <key>`."""

    @extend_schema(
        tags=["auth"],
        request=AuthTokenSerializer,
        responses=inline_serializer("AuthToken", {"token": serializers.CharField()}),
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


obtain_token = ObtainTokenView.as_view()


def register(router: DefaultRouter) -> None:
    router.register("units", UnitViewSet, basename="unit")
    router.register("members", MemberViewSet, basename="member")
    router.register("categories", CategoryViewSet, basename="category")
    router.register("posts", PostViewSet, basename="post")
