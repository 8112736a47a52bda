"""Errors of the service desk's cases, named, with the fields a message needs."""

from __future__ import annotations

from app.errors import OrderdeskError, VerbNotAllowed
from app.i18n import N_


class CaseError(OrderdeskError):
    """A case action cannot be done as asked."""


class CaseVerbNotAllowed(CaseError, VerbNotAllowed):
    pass


class CaseNeeds(CaseError):
    translated_values = ("what",)

    def __init__(self, ref: str, what: str) -> None:
        super().__init__(N_("{ref}: {what} is needed."), ref=ref, what=what)
        self.ref = ref
        self.what = what
