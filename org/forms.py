from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from org.models import Unit

_INDENT = "\u3000"  # an ideographic space: as wide as one Chinese character


class LoginForm(AuthenticationForm):
    """The login form: members log in with their employee number."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("工号或密码不正确。请注意密码区分大小写。"),
        "inactive": _("该账号已停用，请联系管理员。"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("工号")
        self.fields["username"].widget.attrs.update({"autocapitalize": "none", "inputmode": "text"})
        self.fields["password"].label = _("密码")


class ActivationForm(forms.Form):
    employee_no = forms.CharField(
        label=_("工号"), max_length=64, widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True})
    )
    code = forms.CharField(
        label=_("激活码"),
        max_length=32,
        help_text=_("激活码印在组织发给您的纸条上，不区分大小写。"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}),
    )
    password1 = forms.CharField(
        label=_("新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("再次输入新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("两次输入的密码不一致。"))
        return cleaned


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        # A select cannot nest; indenting by depth keeps the tree readable in the drop-down.
        return f"{_INDENT * obj.depth}{obj.name} · {obj.get_kind_display()}"


class IssueCodesForm(forms.Form):
    unit = UnitChoiceField(label=_("组织"), queryset=Unit.objects.none(), to_field_name="code")
    include_active = forms.BooleanField(
        label=_("同时为已激活的成员重新发放"),
        required=False,
        help_text=_("已激活成员的密码不变；新激活码可用于重新设置密码。"),
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, UnitChoiceField)
        field.queryset = units.order_by("path")
