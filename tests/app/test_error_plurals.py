"""Errors with a count say it in the reader's plural form, never with a "(s)"."""

from __future__ import annotations

import pickle

import pytest

from app.errors import (
    CountBelowReserved,
    CsvRejected,
    DatabaseBusy,
    NotEnoughStock,
    OrderdeskError,
)
from app.i18n import NP_, set_language
from app.picking.errors import PickListIncomplete, StockBusy


def test_an_error_with_one_unit_says_unit_and_with_three_says_units():
    assert "has 1 free unit of KETTLE" in NotEnoughStock("KETTLE", "A-01", 5, 1).message
    assert "has 3 free units of KETTLE" in NotEnoughStock("KETTLE", "A-01", 5, 3).message
    assert "1 unit reserved" in CountBelowReserved("KETTLE", "A-01", 0, 1).message
    assert "2 bad rows" in CsvRejected("stock.csv", ("a", "b")).message
    assert "still has 1 stop to pick; pick it" in PickListIncomplete("PL-000001", 1).message


def test_no_error_message_says_s_in_brackets():
    for error in (
        NotEnoughStock("KETTLE", "A-01", 5, 1),
        CountBelowReserved("KETTLE", "A-01", 0, 4),
        CsvRejected("stock.csv", ("a",)),
        PickListIncomplete("PL-000001", 2),
    ):
        assert "(s)" not in error.message
        assert "(s)" not in str(error.args[0])


def test_a_plural_error_is_said_in_traditional_chinese_with_its_values():
    error = NotEnoughStock("KETTLE", "A-01", 5, 3)
    set_language("zh_TW")
    text = error.message
    assert "A-01" in text and "KETTLE" in text and "3" in text and "5" in text
    assert "free units" not in text


def test_a_plural_error_survives_a_process_boundary():
    error = pickle.loads(pickle.dumps(CsvRejected("stock.csv", ("a", "b", "c"))))
    assert "3 bad rows" in error.message


def test_a_plural_template_without_its_count_value_is_a_programming_error():
    with pytest.raises(TypeError):
        OrderdeskError(NP_("{n} thing", "{n} things", count="n"), other=1)


def test_busy_errors_count_their_attempts_in_the_plural_form():
    assert "through 1 attempt;" in DatabaseBusy(1).message
    assert "through 5 attempts;" in DatabaseBusy(5).message
    assert "busy (1 try)" in StockBusy("scan", 1).message
    assert "busy (4 tries)" in StockBusy("scan", 4).message
