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


# --------------------------------------------------------------------------- shop counter


class DraftProblems(InvalidInput):
    """Every field of a counter order that is not right, found at once.

    It is the first problem as an ``InvalidInput`` (so callers that handle one still work)
    and carries them all in ``problems``, in the order of the form.
    """

    def __init__(self, problems: tuple[InvalidInput, ...]) -> None:
        first = problems[0]
        InvalidInput.__init__(self, first.field, first.value, first.expected)
        self.args = (
            f"{len(problems)} fields need attention: " + "; ".join(p.message for p in problems),
        )
        self.message = self.args[0]
        self.problems = problems


class DatabaseBusy(DatabaseError):
    """Every desk is saving at once and the database stayed busy through every retry."""

    def __init__(self, attempts: int) -> None:
        super().__init__(
            f"The database stayed busy through {attempts} attempts; nothing was saved. "
            "Press save again in a moment: everything typed is still there."
        )
        self.attempts = attempts
