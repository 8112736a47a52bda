"""Errors of reships and returns, named, with the fields a message needs."""

from __future__ import annotations

from app.errors import OrderdeskError, VerbNotAllowed
from app.i18n import N_


class ReturnError(OrderdeskError):
    """A reship or return cannot be made as asked."""


class ReturnVerbNotAllowed(ReturnError, VerbNotAllowed):
    pass


class NotShippedYet(ReturnError):
    def __init__(self, ref: str) -> None:
        super().__init__(
            N_("{ref} has not left the warehouse: cancel or change it instead of a return."),
            ref=ref,
        )
        self.ref = ref


class ReturnTooMany(ReturnError):
    def __init__(self, ref: str, sku: str, asked: int, left: int) -> None:
        super().__init__(
            N_("{ref}: {asked} × {sku} cannot come back; {left} shipped and not yet returned."),
            ref=ref,
            sku=sku,
            asked=asked,
            left=left,
        )
        self.ref = ref


class ReturnFeeTooHigh(ReturnError):
    def __init__(self, ref: str, fee: str, allowed: str) -> None:
        super().__init__(
            N_("{ref}: a return fee of {fee} is more than the policy allows ({allowed})."),
            ref=ref,
            fee=fee,
            allowed=allowed,
        )
        self.ref = ref


class NothingToReship(ReturnError):
    def __init__(self, ref: str) -> None:
        super().__init__(N_("{ref}: a reship needs an order whose goods were shipped."), ref=ref)
        self.ref = ref


class InspectionMismatch(ReturnError):
    def __init__(self, ref: str, sku: str, counted: int, expected: int) -> None:
        super().__init__(
            N_("{ref}: {counted} × {sku} inspected, but {expected} came back."),
            ref=ref,
            sku=sku,
            counted=counted,
            expected=expected,
        )
        self.ref = ref


class NothingToReplace(ReturnError):
    def __init__(self, ref: str) -> None:
        super().__init__(
            N_("{ref}: a replacement needs an order whose goods were shipped."), ref=ref
        )


class ReplacementItemRefused(ReturnError):
    """A replacement item the warehouse cannot send: unknown or inactive SKU, bad count."""

    translated_values = ("why",)

    def __init__(self, ref: str, sku: str, why: str) -> None:
        super().__init__(N_("{ref}: replacement item {sku}: {why}."), ref=ref, sku=sku, why=why)
        self.sku = sku
