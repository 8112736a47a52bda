"""Every error a user or an operator can cause, named, with the fields a message needs.

The UI and the CLI turn these into sentences; ``str(error)`` is already a plain English
sentence for logs and the command line. No message here ever carries a password, a hash
or a full card number.
"""

from __future__ import annotations


class OrderdeskError(Exception):
    """Base of every expected error. Anything else is a bug and is logged as one."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --------------------------------------------------------------------------- database


class DatabaseError(OrderdeskError):
    """The database cannot be used as asked."""


class BadDatabaseUrl(DatabaseError):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"Not a usable database URL: {url!r} ({reason}).")
        self.url = url
        self.reason = reason


class DatabaseUnavailable(DatabaseError):
    def __init__(self, target: str, reason: str) -> None:
        super().__init__(f"Cannot open the database at {target}: {reason}")
        self.target = target
        self.reason = reason


class NotADatabase(DatabaseError):
    def __init__(self, path: str) -> None:
        super().__init__(f"{path} is not an orderdesk database (not a SQLite file).")
        self.path = path


class SchemaMismatch(DatabaseError):
    """The database schema is not the one this program was built for."""

    def __init__(self, target: str, database_version: str | None, program_version: str) -> None:
        self.target = target
        self.database_version = database_version
        self.program_version = program_version
        super().__init__(self._sentence())

    def _sentence(self) -> str:
        found = self.database_version or "empty (no orderdesk schema)"
        return (
            f"The database at {self.target} has schema version {found}, this program needs "
            f"{self.program_version}. An administrator must run `orderdesk db upgrade`."
        )


class SchemaTooNew(SchemaMismatch):
    def _sentence(self) -> str:
        return (
            f"The database at {self.target} has schema version {self.database_version}, made by "
            f"a newer orderdesk; this program knows versions up to {self.program_version}. "
            "Install the newer orderdesk on this desk."
        )


# --------------------------------------------------------------------------- people


class AuthError(OrderdeskError):
    pass


class LoginFailed(AuthError):
    # One message for unknown user and wrong password, so names cannot be probed.
    def __init__(self) -> None:
        super().__init__("Wrong user name or password.")


class LoginThrottled(AuthError):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"Too many failed attempts. Try again in {retry_after_seconds} seconds.")
        self.retry_after_seconds = retry_after_seconds


class AccountDisabled(AuthError):
    def __init__(self, username: str) -> None:
        super().__init__(f"The account {username!r} is disabled. Ask an administrator.")
        self.username = username


class PermissionDenied(AuthError):
    def __init__(self, username: str, permission: str) -> None:
        super().__init__(f"{username} may not {permission.replace('.', ' ').replace('_', ' ')}.")
        self.username = username
        self.permission = permission


# --------------------------------------------------------------------------- input


class InvalidInput(OrderdeskError):
    """A value typed or imported is not what was expected."""

    def __init__(self, field: str, value: object, expected: str) -> None:
        super().__init__(f"{field}: {value!r} is not valid; expected {expected}.")
        self.field = field
        self.value = value
        self.expected = expected


class FullCardNumber(InvalidInput):
    """A full card number was typed or scanned into a field; it is refused, never kept.

    Only the last four digits travel with the error (``value`` and the message), so the
    number cannot reach a log, the database or a screen through it.
    """

    def __init__(self, field: str, last4: str) -> None:
        OrderdeskError.__init__(
            self,
            f"{field}: this looks like a full card number (ending {last4}). Card numbers are "
            "never kept: enter only the brand, the last four digits, the expiry and the "
            "card terminal's reference.",
        )
        self.field = field
        self.value = f"…{last4}"
        self.expected = "no full card number"
        self.last4 = last4


class NotFound(OrderdeskError):
    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"No {what} {key}.")
        self.what = what
        self.key = key


class AlreadyExists(OrderdeskError):
    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"A {what} {key} already exists.")
        self.what = what
        self.key = key


# --------------------------------------------------------------------------- workflow


class InvalidTransition(OrderdeskError):
    def __init__(self, entity: str, ref: str, from_state: str, to_state: str) -> None:
        super().__init__(f"{ref} cannot go from {from_state} to {to_state}.")
        self.entity = entity
        self.ref = ref
        self.from_state = from_state
        self.to_state = to_state


class ConcurrentUpdate(OrderdeskError):
    """Another desk changed the record between reading and writing it."""

    def __init__(self, ref: str = "The record") -> None:
        super().__init__(f"{ref} was changed at another desk. It has been reloaded.")
        self.ref = ref


# --------------------------------------------------------------------------- picking (issue 11)


class PickingError(OrderdeskError):
    """A pick-list or allocation action refused; nothing was changed."""


class PickListNotFound(PickingError, NotFound):
    def __init__(self, code: str) -> None:
        OrderdeskError.__init__(self, f"No pick list {code}.")
        self.what = "pick list"
        self.key = code
        self.code = code


class PickListUnavailable(PickingError):
    """The list is not in a state the verb accepts (claimed by someone else, finished …)."""

    def __init__(self, number: str, status: str, verb: str, picker: str = "") -> None:
        held = f" by {picker}" if picker else ""
        super().__init__(f"{number} is {status}{held}: it cannot {verb} now.")
        self.number = number
        self.status = status
        self.verb = verb
        self.picker = picker


class NotYourList(PickingError):
    def __init__(self, number: str, picker: str) -> None:
        super().__init__(f"{number} is being picked by {picker}; a supervisor may take it over.")
        self.number = number
        self.picker = picker


class WrongBin(PickingError):
    def __init__(self, scanned: str, expected: str) -> None:
        super().__init__(f"Wrong bin {scanned}: go to bin {expected}.")
        self.scanned = scanned
        self.expected = expected


class WrongItem(PickingError):
    def __init__(self, scanned: str, expected_sku: str) -> None:
        super().__init__(f"Wrong item {scanned}: this stop wants {expected_sku}.")
        self.scanned = scanned
        self.expected_sku = expected_sku


class ScanOutOfStep(PickingError):
    """A scan of the right kind of thing at the wrong moment (item before bin …)."""

    def __init__(self, scanned: str, expected: str) -> None:
        super().__init__(f"{scanned} was not expected now: {expected}.")
        self.scanned = scanned
        self.expected = expected


class PickQuantityInvalid(PickingError):
    def __init__(self, given: object, remaining: int) -> None:
        super().__init__(f"Quantity {given}: expected 1 to {remaining}.")
        self.given = given
        self.remaining = remaining


class ConfirmationNeeded(PickingError):
    def __init__(self, sku: str, marks: str) -> None:
        super().__init__(f"{sku} is {marks}: confirm careful handling first.")
        self.sku = sku
        self.marks = marks


class NothingToUndo(PickingError):
    def __init__(self, number: str) -> None:
        super().__init__(f"{number}: there is no scan to undo.")
        self.number = number


class PickListIncomplete(PickingError):
    def __init__(self, number: str, open_stops: int) -> None:
        super().__init__(
            f"{number} still has {open_stops} stop(s) to pick; pick them or mark them short."
        )
        self.number = number
        self.open_stops = open_stops


class ToteUnavailable(PickingError):
    def __init__(self, tote: str, why: str) -> None:
        super().__init__(f"Tote {tote}: {why}.")
        self.tote = tote
        self.why = why


class RoutingLeavesCategoryEmpty(PickingError):
    def __init__(self, category: str) -> None:
        super().__init__(
            f"Category {category!r} would have no warehouse left to ship from; "
            "add another warehouse for it first."
        )
        self.category = category


class DatabaseBusy(PickingError):
    """Transient lock or serialization conflicts outlasted the bounded retries."""

    def __init__(self, action: str, attempts: int) -> None:
        super().__init__(
            f"{action}: other desks kept the same stock busy ({attempts} tries). Try again."
        )
        self.action = action
        self.attempts = attempts
