"""The audit chain's hash and canonical text are pinned: a database written by any earlier
version must still verify, so a faster ``link`` must give byte-identical hashes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from hypothesis import given
from hypothesis import strategies as st

from app.audit.rules import GENESIS, canonical_time, chain, detail_text, link

FIRST = (
    1,
    "2026-11-20 13:05:00.123456",
    7,
    "anna",
    "shipment",
    42,
    "status",
    "shipped",
    "in_transit",
    "tracking",
    None,
)
SECOND = (
    2,
    "2026-11-20 06:05:00.000000",
    None,
    "王小明",
    "order",
    9,
    "status",
    None,
    "delivered",
    'Grüße "quoted" \\ back\nline\t\u2028',
    '{"reason":"Köln","n":3,"x":1.5,"l":[1,null,true],"e":"\\u0001"}',
)
FIRST_HASH = "51fecfa22b436972b6a98a1069395b307c159fbf9a67938ce58590f6fb1c2c7d"
SECOND_HASH = "639605fc752f85e92a5e44b3ca63d419d7fef0f6b74fb00e7186a6f5253b081e"


def _reference_link(prev_hash: str, fields) -> str:
    """The chain's definition, written plainly: sha256(prev + compact JSON array)."""
    text = json.dumps(list(fields), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + text).encode("utf-8")).hexdigest()


def test_known_events_keep_their_hashes():
    assert link(GENESIS, FIRST) == FIRST_HASH
    assert link(FIRST_HASH, SECOND) == SECOND_HASH
    assert list(chain(GENESIS, [FIRST, SECOND])) == [
        (GENESIS, FIRST_HASH),
        (FIRST_HASH, SECOND_HASH),
    ]


def test_canonical_time_and_detail_text_keep_their_form():
    at = dt.datetime(2026, 11, 20, 14, 5, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert canonical_time(at) == "2026-11-20 06:05:00.000000"
    detail = {"reason": "Köln", "n": 3, "x": 1.5, "l": [1, None, True], "e": "\x01"}
    assert detail_text(detail) == SECOND[-1]
    assert detail_text(None) is None


text = st.text(max_size=30)
details = st.dictionaries(text, st.none() | st.integers() | text, max_size=3)
fields = st.tuples(
    st.integers(0, 10**12),
    st.datetimes(timezones=st.just(dt.UTC)).map(canonical_time),
    st.none() | st.integers(0, 10**9),
    text,
    text,
    st.integers(0, 10**12),
    text,
    st.none() | text,
    st.none() | text,
    text,
    st.none() | details.map(detail_text),
)


@given(fields, st.sampled_from([GENESIS, FIRST_HASH]))
def test_link_is_the_plain_definition(event, prev_hash):
    assert link(prev_hash, event) == _reference_link(prev_hash, event)
    assert link(prev_hash, list(event)) == _reference_link(prev_hash, event)
