"""Gift orders from the channel: Amazon's is-gift and gift-message-text columns (written per
item) and SP-API's IsGift / GiftMessageText become the order's gift flag and message."""

from __future__ import annotations

from pathlib import Path

from app.formats.amazon_json import _gift
from app.intake import import_file
from tests.app.test_intake_unshipped import HEADER, row, stored

GIFT_HEADER = HEADER + "\tis-gift\tgift-message-text"


def _file(tmp_path: Path, *rows: tuple[str, str, str]) -> Path:
    path = tmp_path / "gift.txt"
    lines = [GIFT_HEADER]
    for order_id, item_id_and_sku, gift in rows:
        item_id, sku = item_id_and_sku.split(":")
        lines.append(row(order_id, **{"order-item-id": item_id, "sku": sku}) + "\t" + gift)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_an_item_marked_a_gift_makes_the_order_a_gift_with_its_message(db, admin, tmp_path):
    gift = "403-1111111-2222222"
    plain = "403-3333333-4444444"
    path = _file(
        tmp_path,
        (gift, "11111111111111:LAMP-1", "true\tHappy birthday! 生日快樂"),
        (gift, "11111111111112:BULB-1", "false\t"),
        (plain, "11111111111113:LAMP-1", "false\t"),
    )
    import_file(db, admin, path)
    order, lines, _payments = stored(db, gift)
    assert (order.is_gift, order.gift_message, len(lines)) == (True, "Happy birthday! 生日快樂", 2)
    order, _lines, _payments = stored(db, plain)
    assert (order.is_gift, order.gift_message) == (False, "")


def test_sp_api_items_say_is_gift_as_text_and_carry_the_message_in_buyer_info():
    notes: list[str] = []
    items = [
        {"IsGift": "false"},
        {"IsGift": "true", "BuyerInfo": {"GiftMessageText": "For you"}},
        {"IsGift": True, "BuyerInfo": {"GiftMessageText": "For you"}},
    ]
    assert _gift(items, notes) == {"is_gift": True, "gift_message": "For you"}
    assert _gift([{"IsGift": "false"}], notes) == {"is_gift": False, "gift_message": ""}
