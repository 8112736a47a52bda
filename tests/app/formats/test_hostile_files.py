"""Files that cannot crash the import: huge cells, odd line ends, mixed encodings."""

from __future__ import annotations

import csv
import tracemalloc
from pathlib import Path

import pytest

from app.errors import InvalidInput
from app.formats import read_orders
from app.formats.common import MAX_CELL_CHARS
from app.formats.delimited import MAX_LINE_CHARS
from app.intake import import_file
from tests.app.formats.conftest import split

FIXTURES = Path(__file__).parent / "fixtures"
REPORT = (FIXTURES / "amazon_orders_report.txt").read_text(encoding="utf-8").splitlines()
HEADER, ROWS = REPORT[0], REPORT[1:]
COLUMNS = HEADER.split("\t")
CSV_HEADER = "order_id,order_date,currency,sku,quantity,line_total,channel,buyer_name,ship_city"


def with_cell(row: str, column: str, value: str) -> str:
    cells = row.split("\t")
    cells[COLUMNS.index(column)] = value
    return "\t".join(cells)


def partner_row(order_id: str, name: str = "Jürgen Müller", city: str = "Köln") -> str:
    return f"{order_id},2026-11-20T08:15:00+00:00,EUR,MUG-1,1,9.99,kaufland,{name},{city}"


def read(path: Path, **options):
    return split(read_orders(path, **options))


# --------------------------------------------------------------------------- cell limit


def test_a_200_mb_cell_is_rejected_by_row_while_memory_stays_small(tmp_path):
    path = tmp_path / "huge.txt"
    first = with_cell(ROWS[0], "ship-address-1", "\x00")  # replaced by 200 MB below
    before, after = first.split("\x00")
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER + "\n" + before)
        block = "x" * 2**20
        for _ in range(200):
            handle.write(block)
        handle.write(after + "\n" + "\n".join(ROWS[2:]) + "\n")
    field_limit = csv.field_size_limit()
    tracemalloc.start()
    try:
        orders, rejected = read(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20, f"peak {peak / 2**20:.0f} MiB"
    assert [r.rows[0].reason for r in rejected] == [
        f"row is longer than {MAX_LINE_CHARS:,} characters; skipped unread (a cell is at most "
        f"{MAX_CELL_CHARS:,})"
    ]
    assert rejected[0].rows[0].row == 2
    assert set(orders) == {row.split("\t")[0] for row in ROWS[2:]}
    assert csv.field_size_limit() == field_limit


def test_an_unclosed_quote_in_a_csv_stops_at_the_limit_and_the_next_rows_are_read(tmp_path):
    path = tmp_path / "quote.csv"
    lines = [CSV_HEADER, partner_row("A-1", name='"never closed')]
    lines += ["x" * 1000] * (MAX_LINE_CHARS // 1000 + 5)
    lines += [partner_row("A-2")]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    field_limit = csv.field_size_limit()
    orders, rejected = read(path, channel="kaufland")
    assert "A-2" in orders and orders["A-2"].buyer.name == "Jürgen Müller"
    assert any("a quote never closed?" in r.rows[0].reason for r in rejected)
    assert csv.field_size_limit() == field_limit


@pytest.mark.parametrize("kind", ["report", "csv"])
def test_a_cell_over_the_cell_limit_rejects_its_row_naming_the_field(tmp_path, kind):
    long = "y" * (MAX_CELL_CHARS + 1)
    if kind == "report":
        path = tmp_path / "long.txt"
        rows = [with_cell(ROWS[0], "ship-city", long), *ROWS[2:]]
        path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    else:
        path = tmp_path / "long.csv"
        rows = [partner_row("A-1", city=long), partner_row("A-2")]
        path.write_text("\n".join([CSV_HEADER, *rows]) + "\n", encoding="utf-8")
    orders, rejected = read(path)
    assert len(rejected) == 1
    assert f"{MAX_CELL_CHARS + 1:,} characters in field" in rejected[0].rows[0].reason
    assert orders


# --------------------------------------------------------------------------- line ends


@pytest.mark.parametrize("ending", ["\r", "\r\n", "mixed"])
def test_cr_only_and_mixed_line_ends_are_read_like_any_other_report(tmp_path, ending):
    lines = [HEADER, *ROWS]
    if ending == "mixed":
        text = "".join(line + ("\r", "\n", "\r\n")[i % 3] for i, line in enumerate(lines))
    else:
        text = ending.join(lines) + ending
    path = tmp_path / "report.txt"
    path.write_bytes(text.encode("utf-8"))
    orders, rejected = read(path)
    expected, _ = read(_lf_copy(tmp_path, lines))
    assert (sorted(orders), rejected) == (sorted(expected), [])


def _lf_copy(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "lf.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("ending", ["\r", "\r\n\r"])
def test_a_csv_with_cr_only_line_ends_is_read(tmp_path, ending):
    path = tmp_path / "cr.csv"
    text = ending.join([CSV_HEADER, partner_row("A-1"), partner_row("A-2")]) + ending
    path.write_bytes(text.encode("utf-8"))
    orders, rejected = read(path, channel="kaufland")
    assert (sorted(orders), rejected) == (["A-1", "A-2"], [])


def test_a_stray_carriage_return_in_an_unquoted_field_rejects_that_row_only(db, admin, tmp_path):
    rows = [partner_row(f"A-{n}") for n in range(1, 6)]
    rows[2] = partner_row("A-3", name="Jürgen\rMüller")
    quoted = partner_row("A-9", name='"Anna\rSchmidt"')  # inside quotes: part of the value
    path = tmp_path / "stray.csv"
    path.write_bytes(("\n".join([CSV_HEADER, *rows, quoted]) + "\n").encode("utf-8"))
    summary = import_file(db, admin, path, channel="kaufland")
    assert summary.new_orders == 5 and summary.rejected_orders >= 1
    reasons = {r.row: r.reason for r in summary.rejected_rows}
    assert "fields where the header has 9" in reasons[4]  # A-3's row, cut by the CR
    again = import_file(db, admin, path, channel="kaufland")
    assert (again.new_orders, again.already_present) == (0, 5)
    orders, _ = read(path, channel="kaufland")
    assert orders["A-9"].buyer.name == "Anna Schmidt"


# --------------------------------------------------------------------------- encodings


def test_one_windows_1252_row_in_a_utf8_file_garbles_no_other_name(tmp_path):
    path = tmp_path / "mixed.csv"
    rows = [partner_row(f"A-{n}").encode("utf-8") for n in range(1, 4)]
    rows.insert(1, partner_row("B-1", name="Jörg Weiß").encode("cp1252"))
    path.write_bytes(b"\n".join([CSV_HEADER.encode(), *rows]) + b"\n")
    orders, rejected = read(path, channel="kaufland")
    assert rejected == []
    assert {orders[f"A-{n}"].buyer.name for n in range(1, 4)} == {"Jürgen Müller"}
    assert orders["B-1"].buyer.name == "Jörg Weiß"
    assert any("read as Windows-1252" in note for note in orders["B-1"].notes)
    assert not any("Windows-1252" in note for note in orders["A-1"].notes)


def test_utf8_rows_after_a_windows_1252_start_are_not_decoded_again(tmp_path):
    path = tmp_path / "legacy_first.csv"
    first = partner_row("B-1", name="Jörg Weiß").encode("cp1252")
    later = partner_row("A-1", name="王芳 Jürgen Müller").encode("utf-8")
    path.write_bytes(b"\n".join([CSV_HEADER.encode(), first, later]) + b"\n")
    orders, _ = read(path, channel="kaufland")
    assert orders["B-1"].buyer.name == "Jörg Weiß"
    assert orders["A-1"].buyer.name == "王芳 Jürgen Müller"


def test_a_japanese_marketplace_report_falls_back_to_shift_jis(tmp_path):
    row = with_cell(ROWS[0], "recipient-name", "山田太郎")
    row = with_cell(row, "sales-channel", "Amazon.co.jp")
    path = tmp_path / "jp.txt"
    path.write_bytes(("\n".join([HEADER, row]) + "\n").encode("cp932"))
    orders, _ = read(path)
    assert next(iter(orders.values())).ship_to.recipient == "山田太郎"


def test_the_code_page_can_be_named_and_a_wrong_name_is_refused(db, admin, tmp_path):
    path = tmp_path / "named.csv"
    path.write_bytes(
        (CSV_HEADER + "\n" + partner_row("A-1", name="Łukasz Żółw") + "\n").encode("cp1250")
    )
    orders, _ = read(path, channel="kaufland", encoding="cp1250")
    assert orders["A-1"].buyer.name == "Łukasz Żółw"
    summary = import_file(db, admin, path, channel="kaufland", encoding="cp1250")
    assert summary.new_orders == 1
    with pytest.raises(InvalidInput) as refused:
        import_file(db, admin, path, channel="kaufland", encoding="klingon")
    assert refused.value.field == "encoding"


def test_the_import_command_takes_an_encoding(db_url, tmp_path, capsys, staff_login):
    from app.cli import main

    path = tmp_path / "named.csv"
    path.write_bytes((CSV_HEADER + "\n" + partner_row("A-1") + "\n").encode("cp1252"))
    args = ["import", str(path), "--channel", "kaufland", "--encoding", "cp1252", "--db", db_url]
    assert main(args) == 0
    assert "1 new orders" in capsys.readouterr().out


# --------------------------------------------------------------------------- JSON


@pytest.mark.parametrize("where", ["inside the orders", "a whole document"])
def test_a_deeply_nested_json_file_is_refused_in_one_line_with_exit_2(
    db_url, tmp_path, capsys, where, staff_login
):
    from app.cli import main

    depth = 100_000
    path = tmp_path / "deep.json"
    if where == "inside the orders":
        path.write_text('{"payload": {"Orders": [' + "[" * depth + "]" * depth + "]}}")
    else:
        path.write_text('{"a": ' * depth + "1" + "}" * depth)
    assert main(["import", str(path), "--db", db_url]) == 2
    err = capsys.readouterr().err.strip()
    assert (
        err
        == f"orderdesk: {path} cannot be read: it is nested too deeply to be an SP-API response."
    )
