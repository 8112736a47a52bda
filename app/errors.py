"""Every error a user or an operator can cause, named, with the fields a message needs.

An error carries a code (its class name), a source sentence with ``{placeholders}`` and the
values that fill them; it becomes a sentence in the reader's language only when read
(``error.message`` or ``str(error)`` go through the catalogue at that moment), so a
language switch applies to errors made before it, and ``--json`` output can carry the code
and values. No message here ever carries a password, a hash or a full card number.
"""

from __future__ import annotations

from app.i18n import N_, NP_, PluralText, Sentence, _, ngettext


class OrderdeskError(Exception):
    """Base of every expected error. Anything else is a bug and is logged as one.

    ``OrderdeskError(N_("{ref} is locked"), ref=number)``; an error made from an already
    finished English sentence (no values) still works, it is just not translated. An error
    with a count gives both forms and names the count:
    ``OrderdeskError(NP_("{n} unit is short", "{n} units are short", count="n"), n=3)``;
    the form is chosen by the reader's language's plural rule when it is read.
    """

    # Values that are themselves marked source text (a noun, an expected form), translated
    # with the sentence.
    translated_values: tuple[str, ...] = ()

    def __init__(self, template: str | PluralText, /, **values: object) -> None:
        if isinstance(template, PluralText) and template.count not in values:
            raise TypeError(f"plural error template needs its count {template.count!r}")
        super().__init__(template.english(values) if isinstance(template, PluralText) else template)
        self.template = template
        self.values = values

    @property
    def code(self) -> str:
        return type(self).__name__

    @property
    def message(self) -> str:
        """The sentence in the current language (English when no translation fits)."""
        return self._say(self.template, self.values)

    def _say(self, template: str | PluralText, values: dict[str, object]) -> str:
        if isinstance(template, PluralText):
            source, translated = template.english(values), template.translated(values)
        else:
            source, translated = template, _(template) if template else template
        if not values:
            return translated
        values = {name: self._value_text(name, value) for name, value in values.items()}
        try:
            return translated.format(**values)
        except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder
            return source.format(**values)

    def _value_text(self, name: str, value: object) -> object:
        if isinstance(value, Sentence):
            return value.translated()
        if name in self.translated_values and isinstance(value, str):
            return _(value)
        return value

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):
        # Crosses a process boundary (the import's reader process) whole, whatever the
        # subclass's own __init__ takes: rebuilt from its state, not by calling it again.
        return (_rebuilt_error, (type(self), self.args), self.__dict__)


def _rebuilt_error(kind: type[OrderdeskError], args: tuple) -> OrderdeskError:
    error = kind.__new__(kind)
    Exception.__init__(error, *args)
    return error


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


# --------------------------------------------------------------------------- passwords and
# administration under concurrency (safety-desks)


class WeakPassword(InvalidInput):
    """A new password refused by its shape; the password itself is never echoed back."""

    def __init__(self, problem: str, minimum_length: int) -> None:
        super().__init__("password", "(hidden)", problem)
        self.problem = problem
        self.minimum_length = minimum_length


class AnotherDeskIsUpgrading(DatabaseError):
    """Someone else holds the administration lock (schema upgrade or demo load)."""

    def __init__(self, target: str) -> None:
        super().__init__(
            _(
                "Another desk is upgrading or loading {target}; try again when it has finished."
            ).format(target=target)
        )
        self.target = target


# --------------------------------------------------------------------------- staff login and
# database roles (login tokens, acting as a named user on the command line, desk roles)


class StaffLoginRequired(OrderdeskError):
    """A command that changes or reads business data found nobody to act as."""

    def __init__(self, reason: str = "") -> None:
        if reason:
            super().__init__(
                N_(
                    "This command acts as a named staff user: {reason}; run `orderdesk login` "
                    "first (at a terminal it asks for the password), then run the command again."
                ),
                reason=reason,
            )
        else:
            super().__init__(
                N_(
                    "This command acts as a named staff user: run `orderdesk login` first "
                    "(at a terminal it asks for the password), then run the command again."
                )
            )
        self.reason = reason


class TokenRefused(OrderdeskError):
    """A saved login token that no longer acts for anyone (expired, revoked, disabled)."""

    def __init__(self, reason: str) -> None:
        super().__init__(N_("The saved login {reason}."), reason=reason)
        self.reason = reason


class TokenFileUnsafe(OrderdeskError):
    def __init__(self, path: str) -> None:
        super().__init__(
            N_(
                "The login token file {path} can be read by other users, so it was not used; "
                "run `orderdesk login` again."
            ),
            path=path,
        )
        self.path = path


class DeskRolesNeedPostgres(OrderdeskError):
    def __init__(self, target: str) -> None:
        super().__init__(
            N_(
                "{target} is not PostgreSQL: desk roles are PostgreSQL roles (one desk on "
                "SQLite needs none)."
            ),
            target=target,
        )
        self.target = target


class OwnerOnly(DatabaseError):
    """A desk role was refused something only the tables' owner may do (demo load, DDL)."""

    def __init__(self, target: str, what: str) -> None:
        super().__init__(
            N_("{target}: {what} needs the database owner's URL; desk roles may not do it."),
            target=target,
            what=what,
        )
        self.target = target
        self.what = what


class DeskRoleRefused(OrderdeskError):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(N_("Desk role {name} was not made: {reason}"), name=name, reason=reason)
        self.name = name
        self.reason = reason


# --------------------------------------------------------------------------- input safety


class ReaderStopped(OrderdeskError):
    """The process reading an import file ended without finishing (killed, out of memory)."""

    def __init__(self, exit_code: int | None) -> None:
        if exit_code is None:
            template = N_(
                "The process reading the file stopped unexpectedly. The orders imported "
                "so far are kept whole; import the file again to finish."
            )
        else:
            template = N_(
                "The process reading the file stopped unexpectedly (exit code {exit_code}). "
                "The orders imported so far are kept whole; import the file again to finish."
            )
        super().__init__(template, exit_code=exit_code)
        self.exit_code = exit_code


# --------------------------------------------------------------------------- stock (issue 11)


class StockError(OrderdeskError):
    """A stock action (receive, move, count, incoming, setup) cannot be done as asked."""


class UnknownCode(StockError):
    """A scanned or typed code is no product (barcode or SKU) and no bin of the warehouse."""

    def __init__(self, field: str, code: str, expected: str) -> None:
        super().__init__(
            N_("{field}: {code!r} is not {expected}."), field=field, code=code, expected=expected
        )
        self.field = field
        self.scanned = code  # ``code`` is the error class name (OrderdeskError.code)
        self.expected = expected


class BinInOtherWarehouse(StockError):
    def __init__(self, field: str, bin_code: str, its_warehouse: str, warehouse: str) -> None:
        super().__init__(
            N_("{field}: bin {bin_code} is in warehouse {its_warehouse}, not in {warehouse}."),
            field=field,
            bin_code=bin_code,
            its_warehouse=its_warehouse,
            warehouse=warehouse,
        )
        self.field = field
        self.bin_code = bin_code
        self.its_warehouse = its_warehouse
        self.warehouse = warehouse


class NotEnoughStock(StockError):
    """Fewer free units (on hand less reserved) in the bin than the move asks for."""

    def __init__(self, sku: str, bin_code: str, wanted: int, free: int) -> None:
        super().__init__(
            NP_(
                "Bin {bin_code} has {free} free unit of {sku}; {wanted} cannot be taken from it.",
                "Bin {bin_code} has {free} free units of {sku}; {wanted} cannot be taken from it.",
                count="free",
            ),
            bin_code=bin_code,
            free=free,
            sku=sku,
            wanted=wanted,
        )
        self.sku = sku
        self.bin_code = bin_code
        self.wanted = wanted
        self.free = free


class CountBelowReserved(StockError):
    """A count or adjustment would leave fewer units than are promised to orders."""

    def __init__(self, sku: str, bin_code: str, counted: int, reserved: int) -> None:
        super().__init__(
            NP_(
                "{sku} in bin {bin_code}: {counted} would be fewer than the {reserved} unit "
                "reserved for orders. Release or re-allocate those orders first, or recount.",
                "{sku} in bin {bin_code}: {counted} would be fewer than the {reserved} units "
                "reserved for orders. Release or re-allocate those orders first, or recount.",
                count="reserved",
            ),
            sku=sku,
            bin_code=bin_code,
            counted=counted,
            reserved=reserved,
        )
        self.sku = sku
        self.bin_code = bin_code
        self.counted = counted
        self.reserved = reserved


class StockWouldGoNegative(StockError):
    def __init__(self, sku: str, bin_code: str, on_hand: int, change: int) -> None:
        super().__init__(
            N_("{sku} in bin {bin_code}: {on_hand} on hand {change:+d} would be negative."),
            sku=sku,
            bin_code=bin_code,
            on_hand=on_hand,
            change=change,
        )
        self.sku = sku
        self.bin_code = bin_code
        self.on_hand = on_hand
        self.change = change


class StockChangedSinceCounted(StockError):
    """The system quantity changed between showing the difference and booking the count."""

    def __init__(self, sku: str, bin_code: str, shown: int, now: int) -> None:
        super().__init__(
            N_(
                "{sku} in bin {bin_code} changed at another desk while you counted "
                "(was {shown}, now {now}). Check the difference again before booking."
            ),
            sku=sku,
            bin_code=bin_code,
            shown=shown,
            now=now,
        )
        self.sku = sku
        self.bin_code = bin_code
        self.shown = shown
        self.now = now


class IncomingNotOpen(StockError):
    def __init__(self, reference: str, status: str) -> None:
        super().__init__(
            N_("Incoming delivery {reference} is {status}; it is no longer expected."),
            reference=reference,
            status=status,
        )
        self.reference = reference
        self.status = status


class CsvRejected(StockError):
    """A CSV file had bad rows; nothing of it was imported. ``problems``: one line per row."""

    def __init__(self, file_name: str, problems: tuple[str, ...]) -> None:
        shown = "; ".join(problems[:5]) + (
            _("; … {n} more").format(n=len(problems) - 5) if len(problems) > 5 else ""
        )
        super().__init__(
            NP_(
                "{file_name}: nothing imported, {count} bad row: {shown}",
                "{file_name}: nothing imported, {count} bad rows: {shown}",
                count="count",
            ),
            file_name=file_name,
            count=len(problems),
            shown=shown,
        )
        self.file_name = file_name
        self.problems = problems


# --------------------------------------------------------------------------- labels and printing


class BarcodeNotEncodable(InvalidInput):
    """A value that the barcode symbology cannot carry (empty, non-ASCII in Code 128, a GTIN
    with a wrong check digit)."""

    def __init__(self, symbology: str, value: str, expected: str) -> None:
        OrderdeskError.__init__(
            self,
            N_("{value!r} cannot be printed as a {symbology} barcode: expected {expected}."),
            value=value,
            symbology=symbology,
            expected=expected,
        )
        self.field = symbology
        self.value = value
        self.expected = expected
        self.symbology = symbology


class BarcodeDoesNotFit(OrderdeskError):
    """Even a QR code of this value would be too small to scan in the space the label has."""

    def __init__(self, field: str, value: str, width_mm: float, height_mm: float) -> None:
        super().__init__(
            N_("{field}: {value!r} is too long to print scannably in {width_mm} × {height_mm} mm."),
            field=field,
            value=value,
            width_mm=width_mm,
            height_mm=height_mm,
        )
        self.field = field
        self.value = value
        self.width_mm = width_mm
        self.height_mm = height_mm


class LabelTextDoesNotFit(OrderdeskError):
    """Text that would not fit its place on a label even at the smallest readable size: it
    is refused rather than cut off."""

    def __init__(self, field: str, text: str, label: str) -> None:
        shown = text if len(text) <= 60 else text[:57] + "…"
        super().__init__(
            N_(
                "{field} is too long for the {label} even in the smallest print: {shown!r}. "
                "Shorten it and print again."
            ),
            field=field,
            label=label,
            shown=shown,
        )
        self.field = field
        self.text = text
        self.label = label


class LabelFontMissing(OrderdeskError):
    def __init__(self, paths: tuple[str, ...]) -> None:
        super().__init__(
            N_(
                "No font for Chinese and Japanese text was found for labels (looked in "
                "{paths}). Install the WenQuanYi Micro Hei font (fonts-wqy-microhei)."
            ),
            paths=", ".join(paths),
        )
        self.paths = paths


class PrintFailed(OrderdeskError):
    """A print job did not reach the printer; ``reason`` says why in words for the desk."""

    def __init__(self, printer: str, reason: str) -> None:
        super().__init__(
            N_("Printing to {printer} failed: {reason}"), printer=printer, reason=reason
        )
        self.printer = printer
        self.reason = reason


class PrinterUnreachable(PrintFailed):
    """Nothing answers at the printer's address (off, unplugged, wrong address)."""


class PrinterRefused(PrintFailed):
    """The printer or its queue turned the job away (connection refused, queue disabled)."""


class PrinterTimeout(PrintFailed):
    """The printer stopped taking data (paper out, busy, or the network dropped)."""


# --------------------------------------------------------------------------- shop counter


class DraftProblems(InvalidInput):
    """Every field of a counter order that is not right, found at once.

    It is the first problem as an ``InvalidInput`` (so callers that handle one still work)
    and carries them all in ``problems``, in the order of the form.
    """

    def __init__(self, problems: tuple[InvalidInput, ...]) -> None:
        first = problems[0]
        InvalidInput.__init__(self, first.field, first.value, first.expected)
        self.problems = problems

    @property
    def message(self) -> str:
        """Every problem, each in the reader's language."""
        count = len(self.problems)
        head = ngettext(
            "{count} field needs attention", "{count} fields need attention", count
        ).format(count=count)
        return head + ": " + "; ".join(problem.message for problem in self.problems)


class DatabaseBusy(DatabaseError):
    """Every desk is saving at once and the database stayed busy through every retry."""

    def __init__(self, attempts: int) -> None:
        super().__init__(
            NP_(
                "The database stayed busy through {attempts} attempt; nothing was saved. "
                "Press save again in a moment: everything typed is still there.",
                "The database stayed busy through {attempts} attempts; nothing was saved. "
                "Press save again in a moment: everything typed is still there.",
                count="attempts",
            ),
            attempts=attempts,
        )
        self.attempts = attempts


class VerbNotAllowed(OrderdeskError):
    """A declared verb asked of a record whose status does not allow it (cases, returns)."""

    translated_values = ("verb", "status")

    def __init__(self, ref: str, verb: str, status: str) -> None:
        super().__init__(
            N_("{ref} is {status}: “{verb}” is not possible now."),
            ref=ref,
            verb=verb,
            status=status,
        )
        self.ref = ref
