"""Real-shaped documents for the label tests and benches' smoke runs."""

from __future__ import annotations

import datetime as dt

from app.labels.model import Address, ContentLine, ShippingLabelDoc

WAREHOUSE = Address(
    "Orderdesk Warehouse GmbH",
    ("Lagerstraße 12", "Halle 3"),
    "Hamburg",
    "20095",
    "",
    "DE",
    phone="+49 40 123456",
)
BEIJING = Address(
    "王小明",
    ("朝阳区建国路88号", "SOHO现代城 2号楼 1203室"),
    "北京市",
    "100022",
    "",
    "CN",
    phone="+86 138 0013 8000",
)
TOKYO = Address("山田 太郎", ("千代田1-1-1",), "千代田区", "100-0001", "東京都", "JP")
PARIS = Address(
    "Amélie Poulain-Dupont de la Fontaine-Saint-Éloi",
    ("15 rue des Trois Frères, Bâtiment C, escalier 4, 3ème étage, porte gauche au fond",),
    "Paris",
    "75018",
    "",
    "FR",
    company="Café des Deux Moulins",
)
CONTENTS = (
    ContentLine("EAR-PRO-BK", "无线蓝牙耳机 降噪 Pro", "黑色", 1),
    ContentLine("TORCH-M", "Crème brûlée torch", "Größe M", 2),
    ContentLine("MOUSE-W", "ワイヤレスマウス", "白", 1),
)
NOW = dt.datetime(2026, 11, 29, 15, 30, tzinfo=dt.UTC)


def shipping_doc(**changes) -> ShippingLabelDoc:
    values = dict(
        ship_from=WAREHOUSE,
        ship_to=BEIJING,
        order_number="SO-000123",
        shipment_number="SH-000456",
        carrier="SF Express",
        service="Standard",
        tracking_number="SF1234567890123",
        parcel_index=1,
        parcel_count=2,
        contents=CONTENTS,
        weight_g=1250,
        fragile=True,
        this_side_up=True,
        channel_order_id="123-4567890-1234567",
    )
    values.update(changes)
    return ShippingLabelDoc(**values)
