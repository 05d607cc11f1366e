"""Text helpers shared by the apps."""

from __future__ import annotations

from django.utils import translation
from django_stubs_ext import StrOrPromise


def chinese(label: StrOrPromise) -> str:
    """A translatable label in Chinese, whatever language the request runs in: for the Chinese half of
    a domain error message, which carries its English in parentheses of its own."""
    with translation.override("zh-hans"):
        return str(label)
