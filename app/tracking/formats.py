"""Tracking files: our documented CSV and the JSON shape tracking services send.

CSV (UTF-8, a header row, any line ends)::

    tracking_number,carrier,time,status,location,description
    1Z999AA10123456784,ups,2026-11-20T14:05:00+01:00,in_transit,Köln DE,Arrived at facility

``time`` is ISO 8601 with its offset (a time without one is refused: it could be any of
24 hours); ``status`` is one of our codes (``info_received``, ``in_transit``,
``out_for_delivery``, ``failed_attempt``, ``delivered``, ``delayed``, ``lost``,
``damaged``, ``returned``) or a tracking service's tag (``OutForDelivery``).

JSON: a tracking service's list of trackings with their checkpoints (AfterShip's
``GET /trackings`` response, ``{"data": {"trackings": [...]}}``), one tracking as a
webhook sends it (``{"msg": {...}}``), or a plain list of trackings.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable
from functools import lru_cache, partial
from operator import itemgetter

from app.i18n import _, ngettext
from app.tracking.model import ReadResult, RejectedEvent, TrackingEvent, TrackingStatus
from app.tracking.rules import carrier_code, status_from_code

CSV_COLUMNS = ("tracking_number", "carrier", "time", "status", "location", "description")
MAX_TRACKING_NUMBER = 64
MAX_TEXT = 500


class TrackingFileError(ValueError):
    """The file as a whole cannot be read as tracking events."""


def parse_time(text: str) -> dt.datetime:
    """An ISO 8601 time with its offset, in UTC; ValueError with the reason otherwise."""
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            _(
                "time {time!r} is not a date and time (expected e.g. 2026-11-20T14:05:00+01:00)"
            ).format(time=text)
        ) from None
    if value.tzinfo is None:
        raise ValueError(
            _("time {time!r} has no offset (expected e.g. +08:00 or Z)").format(time=text)
        )
    # A time given in UTC comes as UTC already: no second object for it.
    return value if value.tzinfo is _UTC else value.astimezone(_UTC)


_UTC = dt.UTC


def _clean(text: object, limit: int = MAX_TEXT) -> str:
    value = " ".join(str(text or "").split())
    return value[:limit]


@lru_cache(maxsize=4096)
def _clean_repeated(text: str, limit: int = MAX_TEXT) -> str:
    """``_clean`` for the cells a file repeats row after row (carrier, status, place)."""
    return _clean(text, limit)


def _event(
    tracking_number: object,
    carrier: object,
    time: object,
    code: object,
    location: object,
    description: object,
    known_carriers: tuple[str, ...],
) -> TrackingEvent:
    number = _clean(tracking_number, MAX_TRACKING_NUMBER + 1)
    if not number:
        raise ValueError(_("the tracking number is empty"))
    if len(number) > MAX_TRACKING_NUMBER:
        raise ValueError(
            _("the tracking number is longer than {n} characters").format(n=MAX_TRACKING_NUMBER)
        )
    carrier_id, status, carrier_status = _meaning(
        str(carrier or ""), str(code or ""), known_carriers
    )
    if not str(time or "").strip():
        raise ValueError(_("the time is empty"))
    return TrackingEvent(
        number,
        carrier_id,
        parse_time(str(time)),
        status,
        carrier_status,
        _clean_repeated(str(location or ""), 200),
        _clean_repeated(str(description or "")),
    )


@lru_cache(maxsize=1024)
def _meaning(
    carrier: str, code: str, known_carriers: tuple[str, ...]
) -> tuple[str, TrackingStatus, str]:
    """(our carrier code, our status, the carrier's code as kept) for a file's carrier and
    status cells, which repeat row after row; ValueError (not remembered) when unknown."""
    carrier_name = _clean(carrier, 40)
    carrier_id = carrier_code(carrier_name, known_carriers)
    if carrier_id is None:
        raise ValueError(_("unknown carrier {carrier!r}").format(carrier=carrier_name))
    carrier_status = _clean(code, 64)
    status = status_from_code(carrier_status)
    if status is None:
        raise ValueError(_("unknown status {status!r}").format(status=carrier_status))
    return carrier_id, status, carrier_status


def read_csv(data: bytes, known_carriers: Iterable[str] = ()) -> ReadResult:
    text = _decode(data)
    # CR-only line ends (old Mac exports) read as one line otherwise.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    rows = csv.reader(io.StringIO(text))
    header = [column.strip().lower() for column in next(rows, [])]
    missing = [column for column in CSV_COLUMNS[:4] if column not in header]
    if missing:
        raise TrackingFileError(
            ngettext(
                "the file has no {columns} column; expected a header row {header}",
                "the file has no {columns} columns; expected a header row {header}",
                len(missing),
            ).format(columns=", ".join(missing), header=",".join(CSV_COLUMNS))
        )
    # A column the file lacks reads as empty: it points past every row.
    positions = [header.index(c) if c in header else len(header) + 1 for c in CSV_COLUMNS]
    pick = itemgetter(*positions)
    result = ReadResult()
    events, known = result.events, tuple(known_carriers)
    append = events.append
    # A time read before is not parsed again: carriers report times to the minute, so a
    # file repeats them, and its events then share one time object (whose hash, taken
    # when the import looks its text up, is kept with it).
    times: dict[str, dt.datetime] = {}
    for line, row in enumerate(rows, start=2):
        try:
            cells = pick(row)
        except IndexError:  # a short row, or a column the file lacks
            width = len(row)
            cells = [row[p] if p < width else "" for p in positions]
        # ``_event`` for cells that are text already, written out in the loop (a call per
        # row is a good part of reading one); a row with a problem goes the general way,
        # which names it.
        number, carrier, time, code, location, description = cells
        try:
            number = " ".join(number.split())
            if not number or len(number) > MAX_TRACKING_NUMBER or not time.strip():
                raise ValueError
            carrier_id, status, carrier_status = _meaning(carrier, code, known)
            at = times.get(time)
            if at is None:
                at = times[time] = parse_time(time)
        except ValueError:
            try:
                append(_event(*cells, known))
            except ValueError as problem:
                if any(cell.strip() for cell in row):  # a blank line is no event, not an error
                    where = _("row {n}").format(n=line)
                    result.rejected.append(RejectedEvent(where, str(problem)))
            continue
        location, description = _clean_repeated(location, 200), _clean_repeated(description)
        append(_make_event((number, carrier_id, at, status, carrier_status, location, description)))
    return result


# A named tuple's own __new__ and _make are Python functions; its seven fields are given.
_make_event = partial(tuple.__new__, TrackingEvent)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Spreadsheet exports from Windows desks arrive in cp1252; no byte is lost, only
        # characters outside it would be wrong, and those files never had them.
        return data.decode("cp1252", errors="replace")


def read_json(data: bytes, known_carriers: Iterable[str] = ()) -> ReadResult:
    try:
        document = json.loads(_decode(data))
    except json.JSONDecodeError as problem:
        raise TrackingFileError(
            _("the file is not JSON: {reason}").format(reason=problem.msg)
        ) from None
    trackings = _trackings(document)
    result = ReadResult()
    known = tuple(known_carriers)
    for t_index, tracking in enumerate(trackings, start=1):
        if not isinstance(tracking, dict):
            result.rejected.append(
                RejectedEvent(_("tracking {n}").format(n=t_index), _("not an object"))
            )
            continue
        checkpoints = tracking.get("checkpoints") or []
        for c_index, checkpoint in enumerate(checkpoints, start=1):
            where = _("tracking {n}, checkpoint {m}").format(n=t_index, m=c_index)
            if not isinstance(checkpoint, dict):
                result.rejected.append(RejectedEvent(where, _("not an object")))
                continue
            try:
                result.events.append(
                    _event(
                        tracking.get("tracking_number"),
                        checkpoint.get("slug") or tracking.get("slug"),
                        checkpoint.get("checkpoint_time"),
                        checkpoint.get("subtag") or checkpoint.get("tag"),
                        checkpoint.get("location") or _place(checkpoint),
                        checkpoint.get("message"),
                        known,
                    )
                )
            except ValueError as problem:
                result.rejected.append(RejectedEvent(where, str(problem)))
    return result


def _trackings(document: object) -> list:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        data = document.get("data")
        if isinstance(data, dict):
            if isinstance(data.get("trackings"), list):
                return data["trackings"]
            if isinstance(data.get("tracking"), dict):
                return [data["tracking"]]
        if isinstance(document.get("msg"), dict):
            return [document["msg"]]
        if "tracking_number" in document:
            return [document]
    raise TrackingFileError(
        _("the JSON holds no trackings (expected data.trackings, msg, or a list of trackings)")
    )


def _place(checkpoint: dict) -> str:
    parts = (checkpoint.get("city"), checkpoint.get("state"), checkpoint.get("country_iso3"))
    return ", ".join(str(part) for part in parts if part)


def read_file(name: str, data: bytes, known_carriers: Iterable[str] = ()) -> ReadResult:
    """By content: a JSON document starts with ``{`` or ``[``, anything else is our CSV."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"{", b"["):
        return read_json(data, known_carriers)
    return read_csv(data, known_carriers)
