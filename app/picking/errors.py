"""Errors of allocation and picking, named, with the fields a message needs."""

from __future__ import annotations

from app.errors import NotFound, OrderdeskError
from app.i18n import N_, NP_


class PickingError(OrderdeskError):
    """A pick-list or allocation action refused; nothing was changed."""


class PickListNotFound(PickingError, NotFound):
    def __init__(self, code: str) -> None:
        OrderdeskError.__init__(self, N_("No pick list {code}."), code=code)
        self.what = "pick list"
        self.key = code
        self.list_code = code


class PickListUnavailable(PickingError):
    """The list is not in a state the verb accepts (claimed by someone else, finished …)."""

    def __init__(self, number: str, status: str, verb: str, picker: str = "") -> None:
        if picker:
            super().__init__(
                N_("{number} is {status} by {picker}: it cannot {verb} now."),
                number=number, status=status, picker=picker, verb=verb,
            )  # fmt: skip
        else:
            super().__init__(
                N_("{number} is {status}: it cannot {verb} now."),
                number=number, status=status, verb=verb,
            )  # fmt: skip
        self.number = number
        self.status = status
        self.verb = verb
        self.picker = picker


class NotYourList(PickingError):
    def __init__(self, number: str, picker: str) -> None:
        super().__init__(
            N_("{number} is being picked by {picker}; a supervisor may take it over."),
            number=number, picker=picker,
        )  # fmt: skip
        self.number = number
        self.picker = picker


class WrongBin(PickingError):
    def __init__(self, scanned: str, expected: str) -> None:
        super().__init__(
            N_("Wrong bin {scanned}: go to bin {expected}."), scanned=scanned, expected=expected
        )
        self.scanned = scanned
        self.expected = expected


class WrongItem(PickingError):
    def __init__(self, scanned: str, expected_sku: str) -> None:
        super().__init__(
            N_("Wrong item {scanned}: this stop wants {sku}."), scanned=scanned, sku=expected_sku
        )
        self.scanned = scanned
        self.expected_sku = expected_sku


class ScanOutOfStep(PickingError):
    """A scan of the right kind of thing at the wrong moment (item before bin …)."""

    def __init__(self, scanned: str, expected: str) -> None:
        super().__init__(
            N_("{scanned} was not expected now: {expected}."), scanned=scanned, expected=expected
        )
        self.scanned = scanned
        self.expected = expected


class PickQuantityInvalid(PickingError):
    def __init__(self, given: object, remaining: int) -> None:
        super().__init__(
            N_("Quantity {given}: expected 1 to {remaining}."), given=given, remaining=remaining
        )
        self.given = given
        self.remaining = remaining


class ConfirmationNeeded(PickingError):
    def __init__(self, sku: str, marks: str) -> None:
        super().__init__(
            N_("{sku} is {marks}: confirm careful handling first."), sku=sku, marks=marks
        )
        self.sku = sku
        self.marks = marks


class NothingToUndo(PickingError):
    def __init__(self, number: str) -> None:
        super().__init__(N_("{number}: there is no scan to undo."), number=number)
        self.number = number


class PickListIncomplete(PickingError):
    def __init__(self, number: str, open_stops: int) -> None:
        super().__init__(
            NP_(
                "{number} still has {open_stops} stop to pick; pick it or mark it short.",
                "{number} still has {open_stops} stops to pick; pick them or mark them short.",
                count="open_stops",
            ),
            number=number, open_stops=open_stops,
        )  # fmt: skip
        self.number = number
        self.open_stops = open_stops


class ToteUnavailable(PickingError):
    def __init__(self, tote: str, why: str) -> None:
        super().__init__(N_("Tote {tote}: {why}."), tote=tote, why=why)
        self.tote = tote
        self.why = why


class RoutingLeavesCategoryEmpty(PickingError):
    def __init__(self, category: str) -> None:
        super().__init__(
            N_(
                "Category “{category}” would have no warehouse left to ship from; "
                "add another warehouse for it first."
            ),
            category=category,
        )
        self.category = category


class StockBusy(PickingError):
    """Transient lock or serialization conflicts outlasted the bounded retries."""

    def __init__(self, action: str, attempts: int) -> None:
        super().__init__(
            NP_(
                "{action}: other desks kept the same stock busy ({attempts} try). Try again.",
                "{action}: other desks kept the same stock busy ({attempts} tries). Try again.",
                count="attempts",
            ),
            action=action,
            attempts=attempts,
        )
        self.action = action
