"""Errors of the service desk's cases, named, with the fields a message needs."""

from __future__ import annotations

from app.errors import OrderdeskError
from app.i18n import N_


class CaseError(OrderdeskError):
    """A case action cannot be done as asked."""


class CaseVerbNotAllowed(CaseError):
    translated_values = ("verb", "status")

    def __init__(self, ref: str, verb: str, status: str) -> None:
        super().__init__(
            N_("{ref} is {status}: “{verb}” is not possible now."),
            ref=ref,
            verb=verb,
            status=status,
        )
        self.ref = ref


class CaseNeeds(CaseError):
    translated_values = ("what",)

    def __init__(self, ref: str, what: str) -> None:
        super().__init__(N_("{ref}: {what} is needed."), ref=ref, what=what)
        self.ref = ref
        self.what = what
