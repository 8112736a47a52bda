"""A confirmation file's cell is one line of single-spaced text, whatever it held."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.shipping.confirm_file import _clean


@given(st.text())
def test_a_cell_is_its_words_joined_by_single_spaces(text):
    assert _clean(text) == " ".join(text.split())


def test_tabs_line_breaks_and_wide_spaces_never_reach_the_file():
    assert _clean("Mill\tLane\n 12\u3000A\xa0") == "Mill Lane 12 A"
    assert _clean("1Z999AA10123456784") == "1Z999AA10123456784"
