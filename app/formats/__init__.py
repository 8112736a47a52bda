"""Order file formats: readers that turn a file into plain ``IncomingOrder`` data.

``detect_format`` looks at the content (never only the file name); ``read_orders`` opens
a file with the reader for its format. No database and no Qt in here.
"""

from __future__ import annotations

import re
from pathlib import Path

from app.formats import amazon_json, amazon_report, partner_csv
from app.formats.common import SettlementReport, UnknownFormat
from app.formats.delimited import (
    check_encoding_name,
    choose_encoding,
    iter_lines,
    normalise_name,
    read_head,
    refuse_binary,
)
from app.formats.stream import OrderStream
from app.i18n import N_
from app.i18n import Sentence as S

READERS = {
    amazon_report.FORMAT: amazon_report.read,
    amazon_json.FORMAT: amazon_json.read,
    partner_csv.FORMAT: partner_csv.read,
}
FORMAT_NAMES = {
    amazon_report.FORMAT: N_("Amazon order report (flat file)"),
    amazon_json.FORMAT: N_("Amazon SP-API JSON"),
    partner_csv.FORMAT: N_("Partner CSV template"),
}
_ANY_DELIMITER = re.compile(r"[\t,;|]")


def detect_format(path: Path | str) -> str:
    """``amazon-report``, ``amazon-json`` or ``csv``, from what the file holds.

    Raises ``UnreadableFile`` (empty, binary, missing) or ``UnknownFormat``.
    """
    path = Path(path)
    if path.is_dir():
        return amazon_json.FORMAT
    head = read_head(path)
    refuse_binary(path, head)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
        return amazon_json.FORMAT
    encoding = choose_encoding(head)
    header = next((line for line in iter_lines(path, encoding) if line.strip()), "")
    names = {normalise_name(cell) for cell in _ANY_DELIMITER.split(header)}
    if {"settlement-id", "settlement-start-date"} <= names:
        # It has an order-id column too, but its rows are payments and fees.
        raise SettlementReport(str(path))
    if names & set(amazon_report.ORDER_ID):
        return amazon_report.FORMAT
    if "order_id" in names:
        return partner_csv.FORMAT
    raise UnknownFormat(
        str(path),
        S(
            "its first line names neither Amazon's order-id / amazon-order-id nor the partner "
            "template's order_id column"
        ),
    )


def read_orders(
    path: Path | str,
    format: str | None = None,
    channel: str | None = None,
    encoding: str | None = None,
) -> OrderStream:
    """The file's orders; ``encoding`` names its code page when it is not UTF-8."""
    check_encoding_name(encoding)
    format = format or detect_format(path)
    if format not in READERS:
        raise UnknownFormat(str(path), S("no reader for format {format!r}", format=format))
    return READERS[format](path, channel, encoding)


__all__ = ["FORMAT_NAMES", "READERS", "OrderStream", "detect_format", "read_orders"]
