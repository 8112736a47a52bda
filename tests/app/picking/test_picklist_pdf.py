"""The pick list PDF as a picker reads it: each tote split on one line, the time it was
made in the desk's own time zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from app.labels import picklist
from app.labels.model import PickListDoc, PickStop, ToteSplit
from app.labels.picklist import render_pick_list_pdf
from tests.app.labels.decoding import texts_per_page

MADE = dt.datetime(2026, 11, 29, 20, 5, tzinfo=dt.UTC)


def _doc(totes: int) -> PickListDoc:
    splits = tuple(ToteSplit(f"T-BER1-{k:05d}", k) for k in range(1, totes + 1))
    stop = PickStop(1, "A-01-03", "SKU-00001", "4006381333931", "Kettle 烧水壶", "1.7 L",
                    sum(s.quantity for s in splits), splits)  # fmt: skip
    return PickListDoc("PL-000123", "BER1", MADE, (stop,))


def test_every_tote_split_stays_on_one_line_however_many_totes_the_stop_has():
    for totes in (1, 2, 8):
        lines = texts_per_page(render_pick_list_pdf(_doc(totes)))[0].splitlines()
        for k in range(1, totes + 1):
            # the quantity column shares the first split's baseline: "36 T-BER1-00001 × 1"
            split = f"T-BER1-{k:05d} × {k}"
            assert any(line.strip().endswith(split) for line in lines), (totes, lines)


def test_the_created_time_is_the_desks_local_time_not_utc():
    taipei = zoneinfo.ZoneInfo("Asia/Taipei")
    assert picklist._when(MADE, taipei) == "Nov 30, 2026 4:05 AM CST"
    assert picklist._when(MADE, dt.UTC) == "Nov 29, 2026 8:05 PM UTC"
