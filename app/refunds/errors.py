"""Errors of refunds, named, with the amounts a message needs."""

from __future__ import annotations

from app.errors import OrderdeskError
from app.i18n import N_


class RefundError(OrderdeskError):
    """A refund cannot be made as asked."""


class RefundExceedsBalance(RefundError):
    def __init__(self, ref: str, asked: str, available: str) -> None:
        super().__init__(
            N_(
                "{ref}: a refund of {asked} is more than can be given back "
                "({available} left of what was paid)."
            ),
            ref=ref,
            asked=asked,
            available=available,
        )
        self.ref = ref


class RefundNotAllowed(RefundError):
    translated_values = ("verb", "status")

    def __init__(self, ref: str, verb: str, status: str) -> None:
        super().__init__(
            N_("Refund {ref} is {status}: “{verb}” is not possible."),
            ref=ref,
            verb=verb,
            status=status,
        )
        self.ref = ref


class OwnRefundApproval(RefundError):
    def __init__(self, ref: str) -> None:
        super().__init__(
            N_("Refund {ref} was requested by you: another person approves it."), ref=ref
        )
        self.ref = ref


class RefundNeeds(RefundError):
    translated_values = ("what",)

    def __init__(self, ref: str, what: str) -> None:
        super().__init__(N_("Refund {ref}: {what} is needed."), ref=ref, what=what)
        self.ref = ref
