"""Every error a user or an operator can cause, named, with the fields a message needs.

An error carries a code (its class name), a source sentence with ``{placeholders}`` and the
values that fill them; it becomes a sentence in the reader's language only when read
(``error.message`` or ``str(error)`` go through the catalogue at that moment), so a
language switch applies to errors made before it, and ``--json`` output can carry the code
and values. No message here ever carries a password, a hash or a full card number.
"""

from __future__ import annotations

from app.i18n import N_, Sentence, _


class OrderdeskError(Exception):
    """Base of every expected error. Anything else is a bug and is logged as one.

    ``OrderdeskError(N_("{ref} is locked"), ref=number)``; an error made from an already
    finished English sentence (no values) still works, it is just not translated.
    """

    # Values that are themselves marked source text (a noun, an expected form), translated
    # with the sentence.
    translated_values: tuple[str, ...] = ()

    def __init__(self, template: str, /, **values: object) -> None:
        super().__init__(template)
        self.template = template
        self.values = values

    @property
    def code(self) -> str:
        return type(self).__name__

    @property
    def message(self) -> str:
        """The sentence in the current language (English when no translation fits)."""
        return self._say(self.template, self.values)

    def _say(self, template: str, values: dict[str, object]) -> str:
        if not values:
            return _(template)
        values = {name: self._value_text(name, value) for name, value in values.items()}
        try:
            return _(template).format(**values)
        except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder
            return template.format(**values)

    def _value_text(self, name: str, value: object) -> object:
        if isinstance(value, Sentence):
            return value.translated()
        if name in self.translated_values and isinstance(value, str):
            return _(value)
        return value

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------- database


class DatabaseError(OrderdeskError):
    """The database cannot be used as asked."""


class BadDatabaseUrl(DatabaseError):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__(
            N_("Not a usable database URL: {url!r} ({reason})."), url=url, reason=reason
        )
        self.url = url
        self.reason = reason


class DatabaseUnavailable(DatabaseError):
    def __init__(self, target: str, reason: str) -> None:
        super().__init__(
            N_("Cannot open the database at {target}: {reason}"), target=target, reason=reason
        )
        self.target = target
        self.reason = reason


class NotADatabase(DatabaseError):
    def __init__(self, path: str) -> None:
        super().__init__(N_("{path} is not an orderdesk database (not a SQLite file)."), path=path)
        self.path = path


class SchemaMismatch(DatabaseError):
    """The database schema is not the one this program was built for."""

    def __init__(self, target: str, database_version: str | None, program_version: str) -> None:
        self.target = target
        self.database_version = database_version
        self.program_version = program_version
        super().__init__(
            self._template(), target=target, found=database_version, program=program_version
        )

    def _template(self) -> str:
        if self.database_version is None:
            return N_(
                "The database at {target} is empty (no orderdesk schema), this program needs "
                "{program}. An administrator must run `orderdesk db upgrade`."
            )
        return N_(
            "The database at {target} has schema version {found}, this program needs "
            "{program}. An administrator must run `orderdesk db upgrade`."
        )


class SchemaTooNew(SchemaMismatch):
    def _template(self) -> str:
        return N_(
            "The database at {target} has schema version {found}, made by a newer orderdesk; "
            "this program knows versions up to {program}. Install the newer orderdesk on this "
            "desk."
        )


# --------------------------------------------------------------------------- people


class AuthError(OrderdeskError):
    pass


class LoginFailed(AuthError):
    # One message for unknown user and wrong password, so names cannot be probed.
    def __init__(self) -> None:
        super().__init__(N_("Wrong user name or password."))


class LoginThrottled(AuthError):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            N_("Too many failed attempts. Try again in {seconds} seconds."),
            seconds=retry_after_seconds,
        )
        self.retry_after_seconds = retry_after_seconds


class AccountDisabled(AuthError):
    def __init__(self, username: str) -> None:
        super().__init__(
            N_("The account “{username}” is disabled. Ask an administrator."), username=username
        )
        self.username = username


class PermissionDenied(AuthError):
    def __init__(self, username: str, permission: str) -> None:
        super().__init__(
            N_("{username} may not {permission}."),
            username=username,
            permission=permission.replace(".", " ").replace("_", " "),
        )
        self.username = username
        self.permission = permission


# --------------------------------------------------------------------------- input


class InvalidInput(OrderdeskError):
    """A value typed or imported is not what was expected (``expected`` marked with N_)."""

    translated_values = ("expected",)

    def __init__(self, field: str, value: object, expected: str) -> None:
        super().__init__(
            N_("{field}: {value!r} is not valid; expected {expected}."),
            field=field,
            value=value,
            expected=expected,
        )
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
            N_(
                "{field}: this looks like a full card number (ending {last4}). Card numbers "
                "are never kept: enter only the brand, the last four digits, the expiry and "
                "the card terminal's reference."
            ),
            field=field,
            last4=last4,
        )
        self.field = field
        self.value = f"…{last4}"
        self.expected = "no full card number"
        self.last4 = last4


# The things an error can name as not found or already there (translated when shown).
ENTITY_WORDS = (
    N_("order"),
    N_("user"),
    N_("product"),
    N_("customer"),
    N_("exception"),
    N_("demo user"),
)


class NotFound(OrderdeskError):
    translated_values = ("what",)

    def __init__(self, what: str, key: object) -> None:
        super().__init__(N_("No {what} {key}."), what=what, key=key)
        self.what = what
        self.key = key


class AlreadyExists(OrderdeskError):
    translated_values = ("what",)

    def __init__(self, what: str, key: object) -> None:
        super().__init__(N_("A {what} {key} already exists."), what=what, key=key)
        self.what = what
        self.key = key


# --------------------------------------------------------------------------- workflow


class InvalidTransition(OrderdeskError):
    def __init__(self, entity: str, ref: str, from_state: str, to_state: str) -> None:
        super().__init__(
            N_("{ref} cannot go from {old} to {new}."), ref=ref, old=from_state, new=to_state
        )
        self.entity = entity
        self.ref = ref
        self.from_state = from_state
        self.to_state = to_state


class ConcurrentUpdate(OrderdeskError):
    """Another desk changed the record between reading and writing it."""

    def __init__(self, ref: str = "") -> None:
        if ref:
            super().__init__(
                N_("{ref} was changed at another desk. It has been reloaded."), ref=ref
            )
        else:
            super().__init__(N_("The record was changed at another desk. It has been reloaded."))
        self.ref = ref
