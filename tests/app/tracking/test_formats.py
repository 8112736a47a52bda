"""Tracking files as carriers and tracking services send them, good and bad."""

import datetime as dt
from pathlib import Path

import pytest

from app.tracking.formats import TrackingFileError, read_csv, read_file, read_json
from app.tracking.model import TrackingStatus
from tests.app.formats.test_real_samples import samples_dir

SAMPLES = samples_dir()
OUR_SAMPLE = Path(__file__).resolve().parents[3] / "resources" / "samples" / "tracking_events.csv"
HEADER = b"tracking_number,carrier,time,status,location,description\n"


def test_a_csv_row_becomes_an_event_in_utc():
    data = (
        HEADER
        + b"1Z999AA10123456784,UPS,2026-11-20T14:05:00+01:00,in_transit,K\xc3\xb6ln DE,Arrived\n"
    )
    result = read_csv(data)
    (event,) = result.events
    assert event.carrier == "ups"
    assert event.occurred_at == dt.datetime(2026, 11, 20, 13, 5, tzinfo=dt.UTC)
    assert event.status is TrackingStatus.IN_TRANSIT
    assert event.location == "Köln DE"
    assert result.rejected == []


def test_cr_only_line_ends_read_as_rows():
    data = (
        HEADER.replace(b"\n", b"\r")
        + b"1Z1,ups,2026-11-20T14:05:00Z,delivered,,\r1Z2,ups,2026-11-20T15:05:00Z,delivered,,\r"
    )
    assert [event.tracking_number for event in read_csv(data).events] == ["1Z1", "1Z2"]


def test_bad_rows_are_refused_with_their_row_number_and_the_reason():
    data = HEADER + (
        b"1Z1,ups,2026-11-20T14:05:00,in_transit,,\n"  # no offset
        b"1Z2,pigeon,2026-11-20T14:05:00Z,in_transit,,\n"  # unknown carrier
        b"1Z3,ups,2026-11-20T14:05:00Z,teleported,,\n"  # unknown status
        b",ups,2026-11-20T14:05:00Z,in_transit,,\n"  # no number
        b"1Z5,ups,2026-11-20T14:05:00Z,delivered,,\n"
    )
    result = read_csv(data)
    assert [event.tracking_number for event in result.events] == ["1Z5"]
    reasons = {rejected.where: rejected.reason for rejected in result.rejected}
    assert "offset" in reasons["row 2"]
    assert "pigeon" in reasons["row 3"]
    assert "teleported" in reasons["row 4"]
    assert "empty" in reasons["row 5"]


def test_a_csv_without_the_needed_columns_is_refused_whole():
    with pytest.raises(TrackingFileError, match="tracking_number"):
        read_csv(b"number,when\n1,2\n")


def test_the_documented_sample_file_reads_without_a_rejection():
    result = read_file(OUR_SAMPLE.name, OUR_SAMPLE.read_bytes())
    assert len(result.events) >= 5
    assert result.rejected == []


@pytest.mark.skipif(SAMPLES is None, reason="public samples not beside the repository")
def test_the_public_aftership_response_reads_with_local_offsets_turned_to_utc():
    path = SAMPLES / "tracking" / "pyaftership__get_trackings.json"
    result = read_file(path.name, path.read_bytes())
    assert len(result.events) == 11
    assert result.rejected == []
    first = min(result.events, key=lambda event: event.occurred_at)
    assert first.occurred_at == dt.datetime(2018, 7, 31, 14, 33, tzinfo=dt.UTC)  # 10:33-04:00
    assert {event.status for event in result.events} >= {
        TrackingStatus.INFO_RECEIVED,
        TrackingStatus.DELIVERED,
    }


def test_a_webhook_body_with_one_tracking_reads_too():
    checkpoint = (
        '{"checkpoint_time": "2026-11-20T09:00:00+08:00", "tag": "OutForDelivery", '
        '"message": "派送中"}'
    )
    tracking = '"tracking_number": "SF1", "slug": "sf-express", "checkpoints": '
    body = ("{" + '"msg": {' + tracking + "[" + checkpoint + "]}}").encode()
    (event,) = read_json(body).events
    assert (event.carrier, event.status, event.description) == (
        "sf_express",
        TrackingStatus.OUT_FOR_DELIVERY,
        "派送中",
    )


def test_json_that_is_not_tracking_is_refused_whole():
    with pytest.raises(TrackingFileError):
        read_json(b'{"orders": []}')
    with pytest.raises(TrackingFileError):
        read_json(b"{not json")


def test_rows_without_a_time_or_with_a_long_number_are_refused_and_blank_lines_skipped():
    rows = [
        b"1Z1,ups,,in_transit,,",  # no time
        b"",  # a blank line: nothing, not an error
        b",,,,,",  # only separators: nothing either
        b"1" * 65 + b",ups,2026-11-20T14:05:00Z,in_transit,,",  # too long
        b"1Z5,ups,2026-11-20T14:05:00Z",  # short row: no status
        b"  1Z  6 ,Ups , 2026-11-20T14:05:00Z ,Delivered,  Hub  1 ,",  # spaces tidied
    ]
    data = HEADER + b"\n".join(rows) + b"\n"
    result = read_csv(data)
    reasons = {rejected.where: rejected.reason for rejected in result.rejected}
    assert set(reasons) == {"row 2", "row 5", "row 6"}
    assert "time is empty" in reasons["row 2"]
    assert "longer than 64" in reasons["row 5"]
    assert "status" in reasons["row 6"]
    (event,) = result.events
    assert (event.tracking_number, event.carrier, event.location) == ("1Z 6", "ups", "Hub 1")
    assert event.status is TrackingStatus.DELIVERED
