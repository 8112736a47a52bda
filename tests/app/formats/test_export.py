"""The rejected-rows file: errors in the reader's language, cells safe for spreadsheets."""

from __future__ import annotations

import csv

from app.formats.common import RejectedRow
from app.formats.export import write_rejected_rows
from app.i18n import Sentence as S
from app.i18n import set_language


def read_back(path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream))


def test_the_error_column_is_written_in_the_desk_language_and_the_header_stays(tmp_path):
    reason = S("{label} {text!r} is not a whole number", label="quantity", text="abc")
    rows = [RejectedRow(3, "203-1234567-7654321", reason, ("203-1234567-7654321", "abc"))]
    path = tmp_path / "rejected.csv"
    try:
        set_language("zh_TW")
        write_rejected_rows(path, rows, ("order-id", "quantity-purchased"))
    finally:
        set_language("en")
    header, row = read_back(path)
    assert header == ["row", "order_id", "error", "order-id", "quantity-purchased"]
    assert row[2] == "quantity 'abc' 不是整數"


def test_a_cell_that_looks_like_a_formula_is_neutralised(tmp_path):
    rows = [RejectedRow(2, None, S("order-id is empty"), ("=HYPERLINK(1)",))]
    path = tmp_path / "rejected.csv"
    write_rejected_rows(path, rows, ("order-id",))
    assert read_back(path)[1][3] == "'=HYPERLINK(1)"
