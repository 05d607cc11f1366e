from typing import Any

from django.http import HttpRequest

from org.scope import role_of


def roles(request: HttpRequest) -> dict[str, Any]:
    return {"user_role": role_of(getattr(request, "user", None))}
