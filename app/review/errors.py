"""Errors of the review desk, named, with the fields a message needs (as app.errors)."""

from __future__ import annotations

from app.errors import OrderdeskError
from app.i18n import N_


class ReviewError(OrderdeskError):
    """A review desk action cannot be done as asked."""


class BlockingFindings(ReviewError):
    def __init__(self, ref: str, codes: tuple[str, ...]) -> None:
        super().__init__(
            N_(
                "{ref} cannot be approved while blocking findings stand ({codes}). A "
                "supervisor may override with a written reason."
            ),
            ref=ref,
            codes=", ".join(codes),
        )
        self.ref = ref
        self.codes = codes


class NotInQueue(ReviewError):
    """The action belongs to another queue than the one the order is in."""

    def __init__(self, ref: str, status: str, action: str, expected: tuple[str, ...]) -> None:
        super().__init__(
            N_("{ref} is {status}; {action} is only possible in {expected}."),
            ref=ref,
            status=status,
            action=action,
            expected=" / ".join(expected),
        )
        self.ref = ref
        self.status = status
        self.action = action
        self.expected = expected


class ContactAlreadyOpen(ReviewError):
    def __init__(self, ref: str, task_id: int) -> None:
        super().__init__(
            N_("{ref} already has an open contact task (#{task_id})."), ref=ref, task_id=task_id
        )
        self.ref = ref
        self.task_id = task_id


class SubstituteNotOffered(ReviewError):
    def __init__(self, ref: str, line_no: int, sku: str) -> None:
        super().__init__(
            N_(
                "{sku} is not a substitute for line {line} of {ref} (same category, similar "
                "price and enough in stock)."
            ),
            sku=sku,
            line=line_no,
            ref=ref,
        )
        self.ref = ref
        self.line_no = line_no
        self.sku = sku
