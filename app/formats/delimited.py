"""Reading delimited text files (tab- or comma-separated) as a stream of records.

Shared by the Amazon flat-file reader and the partner CSV template; each knows its own
columns, this module knows files: encodings (UTF-8 with or without BOM, Windows-1252),
delimiters, the header, blank and repeated header lines, rows with the wrong number of
fields, and grouping the rows of one order together.

Memory stays flat whatever the file size: lines are read one at a time. Grouping takes
two passes over the file: the first notes only the last row of each order id (a small
dict), so the second pass can hand out each order as soon as its last row is read, even
when an order's rows are not next to each other.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.formats.common import CONTROL_BUT_TAB, MissingColumns, UnreadableFile, clean_text
from app.i18n import N_
from app.i18n import Sentence as S

SNIFF_BYTES = 64 * 1024
# A quoted comma-separated cell may legitimately be long (a product description); the csv
# module's default limit of 128 KiB would stop the whole file on one such cell.
CSV_FIELD_LIMIT = 16 * 1024 * 1024
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

    @property
    def width_ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class Layout:
    path: Path
    encoding: str
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


def choose_encoding(head: bytes) -> str:
    """UTF-8 (a BOM is dropped) when the start of the file is valid UTF-8, else Windows-1252.

    Seller Central downloads are UTF-8 or, from older accounts and Excel, Windows-1252.
    A line that is not valid in the chosen encoding falls back to Windows-1252 on its own.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the end of the sample is fine
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def _decode(raw: bytes, encoding: str) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 keeps them as characters instead
        # of losing the row, and clean_text removes the control ones.
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return raw.decode("latin-1")


def iter_lines(path: Path, encoding: str) -> Iterator[str]:
    """Decoded lines without their line ends (LF or CRLF), BOM removed from the first."""
    with path.open("rb") as handle:
        first = True
        for raw in handle:
            text = _decode(raw, encoding)
            if first:
                text = text.removeprefix("\ufeff")
                first = False
            yield text.rstrip("\r\n")


# --------------------------------------------------------------------------- header


def normalise_name(name: str) -> str:
    return name.strip().strip('"').strip().lower()


def open_layout(
    path: Path,
    *,
    key_names: Sequence[str],
    required: dict[str, Sequence[str]],
    delimiters: Sequence[str] = ("\t", ","),
) -> Layout:
    """Read the header and decide the delimiter: the one whose header holds the key column.

    ``required`` maps the name shown in a message to the header names accepted for it.
    """
    head = read_head(path)
    refuse_binary(path, head)
    encoding = choose_encoding(head)
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
    for row, cells, problem in _split_rows(lines, layout.delimiter):
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
            yield Record(row, cells)
        elif not any(cell.strip() for cell in cells):
            continue
        else:
            problem = f"has {len(cells)} fields where the header has {layout.width}"
            yield Record(row, cells, problem)


def _is_header(cells: Sequence[str], header_key: tuple[str, ...]) -> bool:
    return tuple(normalise_name(cell) for cell in cells) == header_key


def _split_rows(
    lines: Iterator[str], delimiter: str
) -> Iterator[tuple[int, list[str], str | None]]:
    if delimiter == "\t":
        # Amazon's flat files never quote: a quote character is part of the text.
        for number, line in enumerate(lines, start=1):
            if CONTROL_BUT_TAB.search(line):
                yield number, [clean_text(cell) for cell in line.split("\t")], None
            else:
                yield number, line.split("\t"), None
        return
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
    counted = _CountingLines(lines)
    reader = csv.reader(counted, delimiter=delimiter)
    while True:
        start = counted.count + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            # The csv module cannot go on after this; say where the trouble started.
            yield (
                start,
                [],
                f"cannot be split into fields ({error}); the rest of the file is unread",
            )
            return
        if any(CONTROL_BUT_TAB.search(cell) or "\t" in cell for cell in cells):
            cells = [clean_text(cell) for cell in cells]
        yield start, cells, None


class _CountingLines:
    """Feeds lines to csv.reader and counts them, so a record knows its first line."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.count = 0

    def __iter__(self) -> _CountingLines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.count += 1
        return line


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
