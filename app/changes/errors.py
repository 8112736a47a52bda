"""Errors of order changes, named, with what a message needs."""

from __future__ import annotations

from app.errors import InvalidInput, OrderdeskError
from app.i18n import N_


class ChangeRefused(OrderdeskError):
    """We may not make this change to this order now; ``why`` says why (N_-marked)."""

    translated_values = ("why",)

    def __init__(self, ref: str, why: str) -> None:
        super().__init__(N_("{ref} cannot be changed: {why}."), ref=ref, why=why)
        self.ref = ref
        self.why = why


class CancelRefused(ChangeRefused):
    def __init__(self, ref: str, why: str) -> None:
        OrderdeskError.__init__(self, N_("{ref} cannot be cancelled: {why}."), ref=ref, why=why)
        self.ref = ref
        self.why = why


class AddressProblems(InvalidInput):
    """Every problem of a typed address at once: ``problems`` is (field, expected) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        field, expected = problems[0]
        super().__init__(field, "", expected)
        self.problems = problems
