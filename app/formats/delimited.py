"""Reading delimited text files (tab- or comma-separated) as a stream of records.

Shared by the Amazon flat-file reader and the partner CSV template; each knows its own
columns, this module knows files: encodings, line ends, delimiters, the header, blank and
repeated header lines, rows with the wrong number of fields or an over-long cell, and
grouping the rows of one order together.

- Encoding: each line is read as UTF-8 (a BOM is dropped) when it is valid UTF-8 — valid
  UTF-8 is never decoded again in another code page. A line that is not is read in the
  file's legacy code page: the one named with ``--encoding``, else Windows-1252 (Europe,
  the Americas) or Shift-JIS/cp932 (a Japanese marketplace's file). When the file started
  out as UTF-8, such a line carries a note for review (its names may be garbled).
- Line ends: LF, CRLF and CR alone all end a line, in any mix; a carriage return inside a
  quoted CSV value stays part of it.
- Limits: a line (or a quoted CSV record) longer than ``MAX_LINE_CHARS`` is skipped while it
  is read — never held whole — and its row rejected with the reason; a cell longer than
  ``MAX_CELL_CHARS`` rejects its row. The process-wide ``csv.field_size_limit`` is left as
  it is: no record that reaches the csv module can exceed it.

Memory stays flat whatever the file size: lines are read one at a time. Grouping takes
two passes over the file: the first notes only the last row of each order id (a small
dict), so the second pass can hand out each order as soon as its last row is read, even
when an order's rows are not next to each other.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from app.errors import InvalidInput
from app.formats.common import (
    CONTROL_BUT_TAB,
    MAX_CELL_CHARS,
    MissingColumns,
    UnreadableFile,
    clean_text,
)
from app.i18n import N_
from app.i18n import Sentence as S

SNIFF_BYTES = 64 * 1024
# A whole line (or quoted CSV record): far more than any order row, and below the csv
# module's own field limit (131,072), which therefore never needs raising.
MAX_LINE_CHARS = 100_000
_READ_BYTES = 4 * MAX_LINE_CHARS  # UTF-8 takes up to four bytes a character
LEGACY_CODE_PAGE = "cp1252"  # Windows-1252: Seller Central in Europe and the Americas
JAPANESE_CODE_PAGE = "cp932"  # Shift-JIS as Windows writes it: Amazon.co.jp downloads
_BINARY_SIGNATURES = {
    b"PK\x03\x04": N_(
        "it is a ZIP archive or an Excel .xlsx workbook; save it as tab-delimited text"
    ),
    b"\xd0\xcf\x11\xe0": N_("it is an old Excel .xls workbook; save it as tab-delimited text"),
    b"%PDF": N_("it is a PDF document"),
    b"\x1f\x8b": N_("it is a gzip archive; unpack it first"),
    b"SQLite format 3": N_("it is a SQLite database"),
}
_SEPARATORS = {"\t": N_("tabs"), ",": N_("commas"), ";": N_("semicolons"), "|": N_("bars")}


@dataclass(slots=True)  # hundreds of thousands per file: a frozen one costs twice as much
class Record:
    row: int  # line number where the record starts; the header is line 1
    cells: Sequence[str]
    problem: str | None = None  # why the row cannot be split into the header's fields
    note: str | None = None  # a doubt for review (a row read in the legacy code page)

    @property
    def width_ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class Encoding:
    """How a file's lines become text: UTF-8 first, else ``fallback`` (see the module text)."""

    fallback: str
    started_utf8: bool  # a BOM, or the start of the file is valid UTF-8

    @property
    def fallback_name(self) -> str:
        return {"cp1252": "Windows-1252", "cp932": "Shift-JIS (cp932)"}.get(
            self.fallback, self.fallback
        )


@dataclass(frozen=True)
class Layout:
    path: Path
    encoding: Encoding
    delimiter: str
    header: tuple[str, ...]
    columns: dict[str, int]  # lower-cased header name → position (first wins)

    @property
    def width(self) -> int:
        return len(self.header)

    def find(self, *names: str) -> int | None:
        for name in names:
            if name in self.columns:
                return self.columns[name]
        return None


# --------------------------------------------------------------------------- bytes


def read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(SNIFF_BYTES)
    except IsADirectoryError as error:
        raise UnreadableFile(str(path), S("it is a folder")) from error
    except OSError as error:
        raise UnreadableFile(str(path), error.strerror or str(error)) from error


def refuse_binary(path: Path, head: bytes) -> None:
    if not head.strip():
        raise UnreadableFile(str(path), S("the file is empty"))
    for signature, what in _BINARY_SIGNATURES.items():
        if head.startswith(signature):
            raise UnreadableFile(str(path), S(what))
    if b"\x00" in head:
        raise UnreadableFile(str(path), S("it is a binary file, not text"))


def check_encoding_name(name: str | None) -> str | None:
    """A code page named by the person (``--encoding``), checked; None when not named."""
    if not name:
        return None
    try:
        return codecs.lookup(name.strip()).name
    except LookupError as error:
        expected = "a code page such as cp1252, cp932 or utf-8"
        raise InvalidInput("encoding", name, expected) from error


def choose_encoding(head: bytes, named: str | None = None) -> Encoding:
    """Decided once per file, from its first bytes (``SNIFF_BYTES``) and the name given.

    The legacy code page is the named one, else Shift-JIS/cp932 when the file is a Japanese
    marketplace's (Amazon.co.jp, yen), else Windows-1252.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the end of the sample is fine
        started_utf8 = True
    except UnicodeDecodeError:
        # UTF-8 with a few rows that are not (pasted from elsewhere): its other non-ASCII
        # characters decode as UTF-8, which text in a legacy code page practically never does.
        text = head.decode("utf-8", errors="replace")
        started_utf8 = head.startswith(codecs.BOM_UTF8) or _UTF8_TEXT.search(text) is not None
    fallback = check_encoding_name(named)
    if fallback is None or fallback in ("utf-8", "utf-8-sig"):
        japanese = b"Amazon.co.jp" in head or b"\tJPY\t" in head or b",JPY," in head
        fallback = JAPANESE_CODE_PAGE if japanese else LEGACY_CODE_PAGE
    return Encoding(fallback, started_utf8)


class _Flagged(str):
    """A line that is not plain: over-long (its text dropped) or read in the legacy code
    page. Rare; ordinary lines are plain ``str``."""

    problem: str | None = None
    note: str | None = None


def _flagged(text: str, *, problem: str | None = None, note: str | None = None) -> _Flagged:
    line = _Flagged(text)
    line.problem, line.note = problem, note
    return line


def _decode(raw: bytes, encoding: Encoding) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        try:
            text = raw.decode(encoding.fallback)
        except UnicodeDecodeError:
            if encoding.fallback != LEGACY_CODE_PAGE:
                return _flagged(
                    "",
                    problem=f"is neither UTF-8 nor {encoding.fallback_name} "
                    f"(byte {raw[error.start]:#04x}); name the file's code page with --encoding",
                )
            # cp1252 leaves five bytes undefined; latin-1 keeps them as characters instead
            # of losing the row, and clean_text removes the control ones.
            text = raw.decode("latin-1")
        if not encoding.started_utf8:
            return text  # a legacy file: its code page is the file's, nothing to say
        return _flagged(
            text,
            note=f"a row is not UTF-8 like the rest of the file; it was read as "
            f"{encoding.fallback_name}: check the names and address",
        )


_OVERLONG = object()
_UTF8_TEXT = re.compile("[^\x00-\x7f\ufffd]")


def _raw_lines(handle) -> Iterator[bytes | object]:
    """The file's lines without their ends (LF, CRLF or CR alone, in any mix), read in
    pieces of at most ``_READ_BYTES``: a longer line is skipped as it is read and comes
    out as ``_OVERLONG``, so no line is ever held whole."""
    pending: list[bytes] = []
    size = 0
    overlong = False
    for chunk in iter(partial(handle.readline, _READ_BYTES), b""):
        plain = not (pending or overlong)  # no part of this line was read before
        if b"\r" not in chunk:
            if plain and chunk.endswith(b"\n"):
                yield chunk[:-1]  # the usual line
                continue
            pieces = chunk.split(b"\n")
        elif plain and chunk.endswith(b"\r\n") and chunk.count(b"\r") == 1:
            yield chunk[:-2]  # the usual Windows line
            continue
        else:
            if chunk.endswith(b"\r") and handle.peek(1)[:1] == b"\n":
                chunk += handle.read(1)  # a CRLF cut in two by the read size
            pieces = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        # Between two pieces a line ended; the last piece is the start of the next line.
        for piece in pieces[:-1]:
            if overlong or size + len(piece) > _READ_BYTES:
                yield _OVERLONG
            else:
                yield b"".join([*pending, piece]) if pending else piece
            pending, size, overlong = [], 0, False
        rest = pieces[-1]
        if rest:
            if overlong or size + len(rest) > _READ_BYTES:
                pending, size, overlong = [], 0, True
            else:
                pending.append(rest)
                size += len(rest)
    if overlong:
        yield _OVERLONG
    elif pending:
        yield b"".join(pending)


def iter_lines(path: Path, encoding: Encoding) -> Iterator[str]:
    """Decoded lines without their line ends, BOM removed from the first. An over-long
    line or one that cannot be decoded comes out empty, flagged with the reason."""
    too_long = (
        f"is longer than {MAX_LINE_CHARS:,} characters; skipped unread (a cell is at most "
        f"{MAX_CELL_CHARS:,})"
    )
    with path.open("rb") as handle:
        first = True
        for raw in _raw_lines(handle):
            if raw is _OVERLONG:
                text: str = _flagged("", problem=too_long)
            else:
                text = _decode(raw, encoding)  # type: ignore[arg-type]
                if len(text) > MAX_LINE_CHARS:
                    text = _flagged("", problem=too_long)
            if first:
                if text.startswith("\ufeff"):
                    text = text[1:]
                first = False
            yield text


# --------------------------------------------------------------------------- header


def normalise_name(name: str) -> str:
    return name.strip().strip('"').strip().lower()


def open_layout(
    path: Path,
    *,
    key_names: Sequence[str],
    required: dict[str, Sequence[str]],
    delimiters: Sequence[str] = ("\t", ","),
    named: str | None = None,
) -> Layout:
    """Read the header and decide the delimiter: the one whose header holds the key column.

    ``required`` maps the name shown in a message to the header names accepted for it.
    """
    head = read_head(path)
    refuse_binary(path, head)
    encoding = choose_encoding(head, named)
    header_line = next((line for line in iter_lines(path, encoding) if line.strip()), "")
    for delimiter in delimiters:
        cells = _split_header(header_line, delimiter)
        columns: dict[str, int] = {}
        for index, name in enumerate(cells):
            columns.setdefault(normalise_name(name), index)
        if any(name in columns for name in key_names):
            layout = Layout(path, encoding, delimiter, tuple(cells), columns)
            missing = [label for label, names in required.items() if layout.find(*names) is None]
            if missing:
                raise MissingColumns(str(path), missing)
            return layout
    for other in (";", "|", "\t", ","):
        if other not in delimiters and header_line.count(other) >= 2:
            shown = _SEPARATORS[other]
            names = [S(_SEPARATORS[d]) for d in delimiters]
            expected = (
                S("{first} or {second}", first=names[0], second=names[1])
                if len(names) == 2
                else names[0]
            )
            raise UnreadableFile(
                str(path),
                S(
                    "its header is separated by {shown}; expected {expected}",
                    shown=S(shown),
                    expected=expected,
                ),
            )
    raise MissingColumns(str(path), [key_names[0]])


def _split_header(line: str, delimiter: str) -> list[str]:
    if delimiter == "\t":
        return line.split("\t")
    return next(csv.reader([line], delimiter=delimiter), [])


# --------------------------------------------------------------------------- records


def iter_records(layout: Layout) -> Iterator[Record]:
    """Data records after the header; blank lines and repeated header lines are skipped.

    Cells come out free of control characters (a line that has any is cleaned cell by
    cell; the usual clean line is left alone), but not yet stripped of white space.
    """
    lines = iter_lines(layout.path, layout.encoding)
    header_seen = False
    header_key = tuple(normalise_name(name) for name in layout.header)
    for row, cells, problem, note in _split_rows(lines, layout.delimiter):
        if problem:
            yield Record(row, cells, problem)
            continue
        if not header_seen:
            if any(cell.strip() for cell in cells):
                header_seen = True
            continue
        if not any(cells):
            continue
        if len(cells) == layout.width:
            if cells[0].strip().lower() == header_key[0] and _is_header(cells, header_key):
                continue  # a report concatenated from pages repeats its header line
            yield Record(row, cells, None, note)
        elif not any(cell.strip() for cell in cells):
            continue
        else:
            problem = f"has {len(cells)} fields where the header has {layout.width}"
            yield Record(row, cells, problem)


def _is_header(cells: Sequence[str], header_key: tuple[str, ...]) -> bool:
    return tuple(normalise_name(cell) for cell in cells) == header_key


def _long_cell(cells: Sequence[str]) -> str | None:
    for position, cell in enumerate(cells, start=1):
        if len(cell) > MAX_CELL_CHARS:
            return (
                f"has a value of {len(cell):,} characters in field {position}; "
                f"at most {MAX_CELL_CHARS:,}"
            )
    return None


def _split_rows(
    lines: Iterator[str], delimiter: str
) -> Iterator[tuple[int, list[str], str | None, str | None]]:
    """(first line number, cells, why the row cannot be read, a note for review)."""
    if delimiter == "\t":
        # Amazon's flat files never quote: a quote character is part of the text.
        for number, line in enumerate(lines, start=1):
            if type(line) is _Flagged and line.problem:
                yield number, [], line.problem, None
                continue
            cells = line.split("\t")
            if len(line) > MAX_CELL_CHARS and (problem := _long_cell(cells)):
                yield number, [], problem, None
                continue
            if CONTROL_BUT_TAB.search(line):
                cells = [clean_text(cell) for cell in cells]
            yield number, cells, None, getattr(line, "note", None)
        return
    counted = _CountingLines(lines)
    reader = csv.reader(counted, delimiter=delimiter)
    while True:
        counted.start_record()
        start = counted.count + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (csv.Error, _RecordTooLong) as error:
            # The csv module cannot go on after this: a new reader starts on the next line.
            why = (
                f"is longer than {MAX_LINE_CHARS:,} characters (a quote never closed?); "
                "skipped unread"
                if isinstance(error, _RecordTooLong)
                else f"cannot be split into fields ({error})"
            )
            yield start, [], why, None
            reader = csv.reader(counted, delimiter=delimiter)
            continue
        if counted.problem:
            yield start, [], counted.problem, None
            continue
        if counted.chars > MAX_CELL_CHARS and (problem := _long_cell(cells)):
            yield start, [], problem, None
            continue
        if any(CONTROL_BUT_TAB.search(cell) or "\t" in cell for cell in cells):
            cells = [clean_text(cell) for cell in cells]
        yield start, cells, None, counted.note


class _RecordTooLong(Exception):
    pass


class _CountingLines:
    """Feeds lines to csv.reader and counts them, so a record knows its first line; and
    stops a record (a quoted value running over many lines) at ``MAX_LINE_CHARS``."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.count = 0
        self.chars = 0
        self.problem: str | None = None
        self.note: str | None = None

    def start_record(self) -> None:
        self.chars = 0
        self.problem = self.note = None

    def __iter__(self) -> _CountingLines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.count += 1
        self.chars += len(line)
        if type(line) is _Flagged:
            self.problem = self.problem or line.problem
            self.note = self.note or line.note
        if self.chars > MAX_LINE_CHARS:
            raise _RecordTooLong
        # With its line end back, a line break inside a quoted value stays a break (which
        # clean_text makes a space) instead of gluing two words together.
        return line + "\n"


# --------------------------------------------------------------------------- grouping


@dataclass
class Grouping:
    """Pass one: where each order's rows end, and how many data rows there are."""

    last_row_of: dict[str, int]
    good_keys: set[str]
    total_rows: int


def scan_keys(layout: Layout, key_index: int) -> Grouping:
    last_row_of: dict[str, int] = {}
    good_keys: set[str] = set()
    total = 0
    for record in iter_records(layout):
        total += 1
        key = record_key(record, key_index)
        if key is None:
            continue
        last_row_of[key] = record.row
        if record.width_ok:
            good_keys.add(key)
    return Grouping(last_row_of, good_keys, total)


def record_key(record: Record, key_index: int) -> str | None:
    if key_index >= len(record.cells):
        return None
    return record.cells[key_index].strip() or None


def group_records(
    layout: Layout, key_index: int, grouping: Grouping
) -> Iterator[tuple[str | None, list[Record]]]:
    """Pass two: each order's records together, in the order their last rows appear.

    A row with the wrong number of fields belongs to an order only if the value where
    the order id should be is an order id that well-formed rows also carry; otherwise its
    values are shifted and it stands alone, with no order id.
    """
    open_groups: dict[str, list[Record]] = {}
    for record in iter_records(layout):
        key = record_key(record, key_index)
        if not record.width_ok and key not in grouping.good_keys:
            yield None, [record]
            continue
        if key is None:
            yield None, [record]
            continue
        group = open_groups.setdefault(key, [])
        group.append(record)
        if grouping.last_row_of.get(key) == record.row:
            del open_groups[key]
            yield key, group
    for key, group in open_groups.items():  # only if the file changed between passes
        yield key, group
