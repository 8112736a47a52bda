"""The pure cores: the one GTIN check, barcode symbols and their fitting, text fitting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.errors import BarcodeDoesNotFit, BarcodeNotEncodable, LabelTextDoesNotFit
from app.gtin import gtin_check_digit, gtin_valid
from app.labels.barcodes import (
    LinearCode,
    MatrixCode,
    Symbology,
    barcode_for_screen,
    code128,
    gtin,
    min_module_dots,
    place_symbol,
    product_code,
)
from app.labels.text import abbreviate, fit_text, wrap
from app.labels.zpl import code128_modules_upper_bound


def test_gtin_check_digits_of_well_known_numbers():
    assert gtin_check_digit("400638133393") == 1  # EAN-13 4006381333931
    assert gtin_check_digit("03600029145") == 2  # UPC-A 036000291452
    assert gtin_check_digit("9638507") == 4  # EAN-8 96385074
    assert gtin_valid("4006381333931") and not gtin_valid("4006381333932")
    assert not gtin_valid("12345") and not gtin_valid("40063813339A1")


@given(st.text("0123456789", min_size=11, max_size=13), st.integers(0, 12), st.integers(1, 9))
def test_a_gtin_with_its_check_digit_is_valid_and_one_wrong_digit_is_not(body, at, change):
    code = body + str(gtin_check_digit(body))
    assert gtin_valid(code)
    position = at % len(code)
    wrong = code[:position] + str((int(code[position]) + change) % 10) + code[position + 1 :]
    assert not gtin_valid(wrong)


def test_an_ean_with_a_wrong_check_digit_is_refused_not_silently_corrected():
    with pytest.raises(BarcodeNotEncodable):
        gtin("4006381333932")
    assert gtin("4006381333931").symbology is Symbology.EAN13
    assert gtin("036000291452").symbology is Symbology.UPCA
    assert gtin("96385074").symbology is Symbology.EAN8


def test_code128_refuses_what_it_cannot_carry():
    for value in ("", "货架-1", "tab\there"):
        with pytest.raises(BarcodeNotEncodable):
            code128(value)


def test_a_product_without_a_valid_gtin_is_scanned_by_its_sku():
    assert product_code(None, "SKU-1") == code128("SKU-1")
    assert product_code("4006381333932", "SKU-1") == code128("SKU-1")
    assert product_code("ABC-INTERNAL", "SKU-1") == code128("ABC-INTERNAL")
    assert product_code("4006381333931", "SKU-1").symbology is Symbology.EAN13


def test_the_screen_gets_the_same_bars_the_label_prints():
    symbol = barcode_for_screen("PL-000123")
    assert symbol.modules == code128("PL-000123").modules
    bars = symbol.bars()
    assert bars[0][0] == 0 and sum(width for _, width in bars) == symbol.modules.count("1")


@given(st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=40))
def test_the_zpl_width_estimate_never_undershoots_the_encoder(text):
    assert code128_modules_upper_bound(text) >= len(code128(text).modules)


def test_bars_are_placed_on_whole_printer_dots_with_quiet_zones():
    symbol = code128("SH-000456")
    placement = place_symbol(symbol, 95.0, 20.0, 203)
    assert placement.module_dots == 3
    assert placement.width_mm == pytest.approx(symbol.total_modules * 3 * 25.4 / 203)
    narrow = place_symbol(symbol, 36.0, 20.0, 203)
    assert narrow.module_dots == min_module_dots(203) == 2


def test_a_code_too_long_for_its_box_becomes_a_qr_code_and_absurd_ones_are_refused():
    placement = place_symbol(code128("SKU-VERY-LONG-PRODUCT-CODE-0001"), 47.8, 22.0, 203)
    assert isinstance(placement.symbol, MatrixCode)
    assert isinstance(code128("x"), LinearCode)
    with pytest.raises(BarcodeDoesNotFit):
        place_symbol(code128("X" * 120), 20.0, 8.0, 203)


def _width(token: str) -> float:
    return 0.5 * len(token)


def test_text_shrinks_before_it_wraps_and_wraps_before_it_is_refused():
    one_line = fit_text(
        "Hello world", _width, 60, 12, max_size=10, min_size=5, field="f", label="l"
    )
    assert one_line.lines == ("Hello world",) and one_line.size == 10
    shrunk = fit_text("Hello world", _width, 40, 8, max_size=10, min_size=5, field="f", label="l")
    assert shrunk.lines == ("Hello world",) and shrunk.size < 10
    wrapped = fit_text(
        "Hello world again", _width, 30, 20, max_size=6, min_size=5, field="f", label="l"
    )
    assert len(wrapped.lines) > 1
    with pytest.raises(LabelTextDoesNotFit):
        fit_text("Hello world " * 20, _width, 30, 8, max_size=6, min_size=5, field="f", label="l")


@given(st.text(st.sampled_from("ab 汉字-\n"), min_size=1, max_size=80), st.integers(3, 60))
def test_wrapping_keeps_every_character(text, width):
    lines = wrap(text, _width, width, 1.0)
    assert "".join("".join(lines).split()) == "".join(text.split())


def test_abbreviating_cuts_at_a_word_and_shows_it():
    assert abbreviate("Short title", 20) == "Short title"
    cut = abbreviate("Wireless earbuds with noise cancelling and a case", 30)
    assert cut == "Wireless earbuds with noise…" and len(cut) <= 30


_CODE128_CHARS = "0123456789" * 4 + "ABCZaz -./^~\\"


_CODE128_EDGES = (
    *("1", "12", "123", "1234", "12345", "A1", "A12", "A123", "A1234", "A12345"),
    *("1A", "12A", "123A", "1234A", "12345A", "A1234567890123B", "12345678901B"),
    *("1Z999AA10123456784", "JJD00000000000001", "SH-000001", "9" * 44, "a1b2c3", " "),
    "~^\\",
)


@pytest.mark.parametrize("text", _CODE128_EDGES)
def test_code128_symbols_are_the_ones_python_barcode_chooses(text):
    import barcode

    from app.labels.barcodes import _NO_WRITER, _pattern

    reference = barcode.get("code128", text, writer=_NO_WRITER).build()[0]
    assert _pattern.__wrapped__(Symbology.CODE128, text) == reference


@given(st.text(_CODE128_CHARS, min_size=1, max_size=40))
def test_code128_symbols_of_any_printable_text_are_python_barcodes_own(text):
    import barcode

    from app.labels.barcodes import _NO_WRITER, _pattern

    reference = barcode.get("code128", text, writer=_NO_WRITER).build()[0]
    assert _pattern.__wrapped__(Symbology.CODE128, text) == reference


@given(st.text(_CODE128_CHARS, min_size=1, max_size=40), st.integers(1, 4))
def test_code128_bars_drawn_character_by_character_are_the_patterns_dark_runs(text, dots):
    """The PDF draws each symbol character's bars and moves on by 11 modules: the bars
    land where one path of the pattern's dark runs would put them."""
    from app.labels.barcodes import dark_runs
    from app.labels.pdf import _linear_ops

    modules = code128(text).modules
    ops = _linear_ops.__wrapped__(modules, dots, 100, 500, 80).split()
    origin_x = origin_y = 0
    drawn = []
    for at, op in enumerate(ops):
        if op == "cm":
            origin_x += int(ops[at - 2])
            origin_y += int(ops[at - 1])
        elif op == "re":
            x, y, w, h = (int(value) for value in ops[at - 4 : at])
            drawn.append((origin_x + x, origin_y + y, w, h))
    expected = [(100 + start * dots, 420, width * dots, 80) for start, width in dark_runs(modules)]
    assert drawn == expected
