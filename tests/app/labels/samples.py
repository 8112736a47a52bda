"""Real-shaped documents for the label tests and benches' smoke runs."""

from __future__ import annotations

import datetime as dt

from app.address import PostalAddress
from app.labels.model import ContentLine, ShippingLabelDoc

WAREHOUSE = PostalAddress(
    recipient="Orderdesk Warehouse GmbH",
    line1="Lagerstraße 12",
    line2="Halle 3",
    city="Hamburg",
    postal_code="20095",
    country_code="DE",
    phone="+49 40 123456",
)
BEIJING = PostalAddress(
    recipient="王小明",
    line1="朝阳区建国路88号",
    line2="SOHO现代城 2号楼 1203室",
    city="北京市",
    postal_code="100022",
    country_code="CN",
    phone="+86 138 0013 8000",
)
TOKYO = PostalAddress(
    recipient="山田 太郎",
    line1="千代田1-1-1",
    city="千代田区",
    postal_code="100-0001",
    region="東京都",
    country_code="JP",
)
PARIS = PostalAddress(
    recipient="Amélie Poulain-Dupont de la Fontaine-Saint-Éloi",
    line1="15 rue des Trois Frères, Bâtiment C, escalier 4, 3ème étage, porte gauche au fond",
    city="Paris",
    postal_code="75018",
    country_code="FR",
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
