"""Domain errors raised by services. Views, commands and the API turn them into messages."""

from __future__ import annotations

from collections.abc import Iterable

MAX_LISTED_ERRORS = 100


class DomainError(Exception):
    """A request the rules refuse. `message` is shown to the user as it is."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def messages(self) -> list[str]:
        return [self.message]


class NotInScope(DomainError):
    """The object exists, but not for this user: reported exactly like a missing object."""

    status_code = 404


class NotAllowed(DomainError):
    """The user may see the thing but not do this with it."""

    status_code = 403


class FrozenSystemError(DomainError):
    """A published or archived indicator system is never changed."""

    status_code = 409


class WeightSumError(DomainError):
    pass


class ImportErrors(DomainError):
    """An import refused as a whole: every problem as `sheet!cell: message`."""

    def __init__(self, errors: Iterable[str]) -> None:
        self.errors = list(errors)
        super().__init__(self.summary())

    def summary(self) -> str:
        return "\n".join(self.messages)

    @property
    def messages(self) -> list[str]:
        shown = self.errors[:MAX_LISTED_ERRORS]
        hidden = len(self.errors) - len(shown)
        if hidden:
            shown = [*shown, f"… 另有 {hidden} 个错误 ({hidden} more errors)"]
        return shown


class ApprovedListError(DomainError):
    """An approved list (the year's commendation) is never changed."""

    status_code = 409
