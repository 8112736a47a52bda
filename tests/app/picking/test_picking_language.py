"""The picking desk's refusals in the staff's language (they were English sentences)."""

from __future__ import annotations

import pytest

from app.i18n import set_language
from app.picking.errors import PickListIncomplete, StockBusy, ToteUnavailable, WrongBin, WrongItem


@pytest.fixture
def traditional_chinese():
    set_language("zh_TW")
    yield
    set_language("en")


def test_a_wrong_scan_is_refused_in_traditional_chinese(traditional_chinese):
    assert WrongBin("A-01", "B-02").message == "儲位錯誤 A-01：請到儲位 B-02。"
    assert WrongItem("40063813", "PEN-1").message == "商品錯誤 40063813：此站要的是 PEN-1。"
    assert "周轉箱 T-9" in ToteUnavailable("T-9", "x").message
    assert "還有 3 站未揀" in PickListIncomplete("PL-000001", 3).message
    assert "已試 4 次" in StockBusy("scan", 4).message


def test_the_same_refusals_stay_english_for_an_english_desk():
    assert WrongBin("A-01", "B-02").message == "Wrong bin A-01: go to bin B-02."
