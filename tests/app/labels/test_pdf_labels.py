"""Every PDF the labels layer draws, rasterised at 203 dpi and read back with zxing-cpp:
each barcode decodes to the value it was meant to carry; Chinese and Japanese text is in
the page; long text shrinks or wraps, and what cannot fit is refused, never cut."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from app.errors import LabelTextDoesNotFit
from app.labels.customs import customs_form_for, render_customs_pdf
from app.labels.manifest import render_manifest_csv, render_manifest_pdf
from app.labels.model import (
    ContentLine,
    CustomsCategory,
    CustomsDeclarationDoc,
    CustomsForm,
    CustomsItem,
    LabelKind,
    ManifestDoc,
    ManifestParcel,
    PackingSlipDoc,
    PickListDoc,
    PickStop,
    SlipLine,
    SmallLabel,
    ToteSplit,
)
from app.labels.packing_slip import SlipSize, render_packing_slip_pdf
from app.labels.picklist import render_pick_list_pdf
from app.labels.shipping import render_shipping_label_pdf, render_shipping_labels_pdf
from app.labels.small import SmallLabelFallback, render_small_labels_pdf
from tests.app.labels.decoding import decoded_per_page, page_sizes_mm, texts_per_page
from tests.app.labels.samples import BEIJING, NOW, PARIS, TOKYO, WAREHOUSE, shipping_doc

LONG_CODE = "SKU-VERY-LONG-PRODUCT-CODE-0001-XL"  # too long for 4 inches too
MIDDLE_CODE = "SKU-VERY-LONG-PRODUCT-CODE-01"  # too long for 2 inches, fits 4


# --------------------------------------------------------------------------- 2×1 labels


def test_bin_product_and_tote_labels_scan_as_their_codes_one_page_each():
    labels = [
        SmallLabel(LabelKind.BIN, "A-01-02-03", "Zone A aisle 1", "Main warehouse"),
        SmallLabel(LabelKind.PRODUCT, "4006381333931", "无线蓝牙耳机 降噪 Pro 黑色", "Größe M"),
        SmallLabel(LabelKind.PRODUCT, "036000291452", "Bleistift", "HB"),
        SmallLabel(LabelKind.TOTE, "T-0042", "Tote 42"),
    ]
    pdf = render_small_labels_pdf(labels)
    assert page_sizes_mm(pdf) == [(50.8, 25.4)] * 4
    assert decoded_per_page(pdf) == [
        [("Code128", "A-01-02-03")],
        [("EAN13", "4006381333931")],
        [("EAN13", "0036000291452")],  # UPC-A's bars are EAN-13's with a leading 0
        [("Code128", "T-0042")],
    ]
    assert "无线蓝牙耳机" in texts_per_page(pdf)[1]


def test_a_code_too_long_for_two_inches_becomes_a_qr_code_on_the_same_label():
    pdf = render_small_labels_pdf([SmallLabel(LabelKind.PRODUCT, LONG_CODE, "Long one")])
    assert page_sizes_mm(pdf) == [(50.8, 25.4)]
    assert decoded_per_page(pdf) == [[("QRCode", LONG_CODE)]]


def test_a_code_too_long_for_two_inches_can_move_to_a_four_inch_label_instead():
    pdf = render_small_labels_pdf(
        [
            SmallLabel(LabelKind.BIN, MIDDLE_CODE, "Overflow"),
            SmallLabel(LabelKind.BIN, "B-1"),
            SmallLabel(LabelKind.BIN, LONG_CODE, "Even four inches are too narrow"),
        ],
        fallback=SmallLabelFallback.WIDER,
    )
    assert page_sizes_mm(pdf) == [(101.6, 25.4), (50.8, 25.4), (101.6, 25.4)]
    assert decoded_per_page(pdf) == [
        [("Code128", MIDDLE_CODE)],
        [("Code128", "B-1")],
        [("QRCode", LONG_CODE)],
    ]


def test_a_long_product_name_on_a_small_label_wraps_and_is_all_there():
    name = "Very long product name that goes on and on for ever and ever"
    pdf = render_small_labels_pdf([SmallLabel(LabelKind.PRODUCT, LONG_CODE, name)])
    text = " ".join(texts_per_page(pdf)[0].split())
    assert name in text


# --------------------------------------------------------------------------- pick list


def _pick_list(stops: int) -> PickListDoc:
    names = ["无线蓝牙耳机 降噪 Pro 黑色", "Crème brûlée torch – professional", "ワイヤレスマウス"]
    return PickListDoc(
        number="PL-000123",
        warehouse="Main warehouse 主仓库",
        created_at=NOW,
        stops=tuple(
            PickStop(
                sequence=index,
                bin_code=f"A-{index // 10:02d}-{index % 10:02d}",
                sku=f"SKU-{index:05d}",
                barcode="4006381333931" if index % 2 else None,
                product_name=names[index % 3],
                spec="Größe M · 黑色",
                quantity=index % 4 + 1,
                totes=tuple(ToteSplit(f"T-{t:04d}", 1) for t in range(index % 4 + 1)),
                fragile=index % 3 == 0,
                high_value=index % 5 == 0,
            )
            for index in range(1, stops + 1)
        ),
        shipments=("SH-000001", "SH-000002"),
        picker="alice",
    )


def test_pick_list_carries_its_number_on_every_page_and_every_stops_item_code():
    doc = _pick_list(23)
    pdf = render_pick_list_pdf(doc)
    pages = decoded_per_page(pdf)
    texts = texts_per_page(pdf)
    assert len(pages) == 3
    for number, (codes, text) in enumerate(zip(pages, texts, strict=True), start=1):
        assert ("Code128", "PL-000123") in codes
        assert f"Page {number} of 3" in text
    found = [code for codes in pages for code in codes if code != ("Code128", "PL-000123")]
    expected = [
        ("EAN13", "4006381333931") if stop.barcode else ("Code128", stop.sku) for stop in doc.stops
    ]
    assert sorted(found) == sorted(expected)
    everything = "".join(texts)
    assert "无线蓝牙耳机" in everything and "ワイヤレスマウス" in everything
    assert "FRAGILE" in everything and "HIGH VALUE" in everything
    assert "T-0003 × 1" in everything


def test_a_product_barcode_with_a_wrong_check_digit_prints_the_sku_instead():
    stop = PickStop(1, "A-1", "SKU-1", "4006381333932", "Thing", "", 1)
    doc = PickListDoc("PL-000001", "Main", NOW, (stop,))
    codes = decoded_per_page(render_pick_list_pdf(doc))[0]
    assert ("Code128", "SKU-1") in codes
    assert not any(kind == "EAN13" for kind, _ in codes)


def test_an_empty_pick_list_still_prints_its_number():
    pdf = render_pick_list_pdf(PickListDoc("PL-000009", "Main", NOW, ()))
    assert decoded_per_page(pdf) == [[("Code128", "PL-000009")]]


# --------------------------------------------------------------------------- shipping label


@pytest.mark.parametrize(
    ("ship_to", "tracking"),
    [(BEIJING, "SF1234567890123"), (TOKYO, "OD0000000457"), (PARIS, "1Z999AA10123456784")],
)
def test_shipping_label_scans_tracking_and_shipment_numbers(ship_to, tracking):
    pdf = render_shipping_label_pdf(shipping_doc(ship_to=ship_to, tracking_number=tracking))
    assert page_sizes_mm(pdf) == [(101.6, 152.4)]
    assert decoded_per_page(pdf) == [sorted([("Code128", tracking), ("Code128", "SH-000456")])]
    text = texts_per_page(pdf)[0]
    assert ship_to.recipient.split()[0] in text
    assert "1 of 2" in text and "SF Express" in text


def test_shipping_label_writes_a_chinese_address_largest_place_first():
    text = texts_per_page(render_shipping_label_pdf(shipping_doc()))[0]
    assert text.index("100022") < text.index("北京市") < text.index("朝阳区") < text.index("王小明")
    assert "CHINA" in text  # crossing a border: the destination country last


def test_a_long_tracking_number_falls_back_to_a_qr_code_that_scans():
    tracking = "JD01460000628-ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123"
    pdf = render_shipping_label_pdf(shipping_doc(tracking_number=tracking))
    assert sorted(decoded_per_page(pdf)[0]) == [("Code128", "SH-000456"), ("QRCode", tracking)]


def test_a_label_without_tracking_number_carries_the_shipment_number_alone():
    pdf = render_shipping_label_pdf(shipping_doc(tracking_number=None))
    assert decoded_per_page(pdf) == [[("Code128", "SH-000456")]]


def test_many_parcels_print_into_one_pdf_one_page_each():
    docs = [
        shipping_doc(shipment_number=f"SH-{n:06d}", parcel_index=n, parcel_count=3)
        for n in (1, 2, 3)
    ]
    pages = decoded_per_page(render_shipping_labels_pdf(docs))
    assert [dict((text, kind) for kind, text in page).keys() for page in pages] == [
        {"SF1234567890123", f"SH-{n:06d}"} for n in (1, 2, 3)
    ]


def test_more_contents_than_the_label_holds_are_counted_not_dropped():
    many = tuple(ContentLine(f"S{n}", f"Item {n}", "", 1) for n in range(9))
    text = texts_per_page(render_shipping_label_pdf(shipping_doc(contents=many)))[0]
    assert "Item 4" in text and "Item 5" not in text
    assert "and 4 more lines (4 units)" in text


def test_an_address_too_long_for_the_label_is_refused_rather_than_cut():
    endless = dataclasses.replace(PARIS, line1="Rue " + "très longue " * 80)
    with pytest.raises(LabelTextDoesNotFit) as refused:
        render_shipping_label_pdf(shipping_doc(ship_to=endless))
    assert refused.value.field == "ship_to"


def test_a_long_address_shrinks_and_wraps_with_every_word_kept():
    text = " ".join(
        texts_per_page(render_shipping_label_pdf(shipping_doc(ship_to=PARIS)))[0].split()
    )
    for word in ("Poulain-Dupont", "Fontaine-Saint-Éloi", "escalier", "fond", "75018"):
        assert word in text


# --------------------------------------------------------------------------- packing slip


def _slip(gift: bool, lines: int = 3) -> PackingSlipDoc:
    return PackingSlipDoc(
        order_number="SO-000123",
        shipment_number="SH-000456",
        order_date=dt.date(2026, 11, 28),
        ship_to=TOKYO,
        ship_from=WAREHOUSE,
        lines=tuple(
            SlipLine(f"SKU-{n}", ["无线蓝牙耳机", "Crème brûlée torch"][n % 2], "黑色", n + 1, 1999)
            for n in range(lines)
        ),
        currency="EUR",
        customer_po="PO-7788",
        channel_order_id="123-4567890-1234567",
        gift=gift,
        gift_message="お誕生日おめでとう! Happy birthday" if gift else "",
    )


@pytest.mark.parametrize("size", list(SlipSize))
def test_packing_slip_shows_order_po_items_and_prices(size):
    pdf = render_packing_slip_pdf(_slip(gift=False), size=size)
    assert decoded_per_page(pdf) == [[("Code128", "SH-000456")]]
    text = texts_per_page(pdf)[0]
    assert "SO-000123" in text and "PO-7788" in text and "无线蓝牙耳机" in text
    assert "19.99 EUR" in text and "Total" in text


def test_a_gift_slip_carries_the_message_and_no_prices():
    pdf = render_packing_slip_pdf(_slip(gift=True))
    text = "".join(texts_per_page(pdf))
    assert "お誕生日おめでとう" in text
    assert "EUR" not in text and "Total" not in text


def test_a_long_packing_slip_runs_over_pages_numbered_n_of_m():
    pdf = render_packing_slip_pdf(_slip(gift=True, lines=30))
    texts = texts_per_page(pdf)
    assert len(texts) >= 2
    assert all(f"page {n} of {len(texts)}" in text for n, text in enumerate(texts, start=1))
    assert all(codes == [("Code128", "SH-000456")] for codes in decoded_per_page(pdf))
    assert "お誕生日おめでとう" in texts[-1]


# --------------------------------------------------------------------------- customs


def _customs(value_each: int, lines: int = 2) -> CustomsDeclarationDoc:
    return CustomsDeclarationDoc(
        sender=WAREHOUSE,
        recipient=BEIJING,
        items=tuple(
            CustomsItem("Wireless earbuds 无线蓝牙耳机", 1, 120, value_each, "851830", "CN")
            for _ in range(lines)
        ),
        currency="EUR",
        shipment_number="SH-000456",
        tracking_number="SF1234567890123",
        category=CustomsCategory.SALE_OF_GOODS,
        signed_by="A. Packer",
        signed_on=dt.date(2026, 11, 29),
    )


def test_a_parcel_under_the_postal_threshold_gets_a_cn22_that_scans():
    doc = _customs(4999)
    assert customs_form_for(doc) is CustomsForm.CN22
    pdf = render_customs_pdf(doc)
    assert page_sizes_mm(pdf) == [(101.6, 152.4)]
    assert decoded_per_page(pdf) == [[("Code128", "SF1234567890123")]]
    text = texts_per_page(pdf)[0]
    assert "CN 22" in text and "851830" in text and "99.98 EUR" in text


def test_a_parcel_above_the_threshold_gets_a_cn23_with_hs_codes_and_origin():
    doc = _customs(30_000)
    assert customs_form_for(doc) is CustomsForm.CN23
    pdf = render_customs_pdf(doc)
    assert page_sizes_mm(pdf) == [(210.0, 297.0)]
    assert decoded_per_page(pdf) == [[("Code128", "SF1234567890123")]]
    text = texts_per_page(pdf)[0]
    assert "CN 23" in text and "851830" in text and "CHINA" in text and "600.00 EUR" in text


def test_the_threshold_comes_from_the_settings_when_given():
    assert customs_form_for(_customs(4999), limit_minor=5000) is CustomsForm.CN23


# --------------------------------------------------------------------------- manifest


def test_manifest_pdf_and_csv_list_every_parcel_handed_over():
    parcels = tuple(
        ManifestParcel(
            f"SH-{n:06d}",
            f"SO-{n:06d}",
            f"SF{1234567890000 + n}",
            ["王小明", "=cmd"][n % 2],
            "北京市",
            "100022",
            "CN",
            "Standard",
            1000 + n,
            NOW,
            1,
            1,
        )
        for n in range(40)
    )
    doc = ManifestDoc("MF-20261129-SF", "SF Express", "Main", dt.date(2026, 11, 29), parcels)
    pdf = render_manifest_pdf(doc)
    pages = decoded_per_page(pdf)
    assert len(pages) >= 2 and all(codes == [("Code128", "MF-20261129-SF")] for codes in pages)
    text = "".join(texts_per_page(pdf))
    assert all(parcel.tracking_number in text for parcel in parcels)
    assert "40 parcels" in text
    csv_text = render_manifest_csv(doc).decode("utf-8-sig")
    rows = csv_text.strip().splitlines()
    assert len(rows) == 41
    assert rows[1].split(",")[3:6] == ["SH-000000", "SO-000000", "SF1234567890000"]
    assert "'=cmd" in csv_text  # a formula is shown, never run by a spreadsheet


# --------------------------------------------------------------------------- long titles

AMAZON_TITLE = (
    "Wireless Bluetooth Earbuds with Active Noise Cancelling, 40 Hours Playtime, IPX7 "
    "Waterproof Sports Headphones with Charging Case, Touch Control and Built-in Microphone "
    "for iPhone and Android, Black"
)


def _words(text: str) -> str:
    return " ".join(text.split())


def test_a_marketplace_length_title_makes_its_pick_list_row_taller_and_is_printed_whole():
    stop = PickStop(1, "A-1", "SKU-1", "4006381333931", AMAZON_TITLE, "black", 1)
    short = PickStop(2, "A-2", "SKU-2", None, "Mug", "", 1)
    pdf = render_pick_list_pdf(PickListDoc("PL-000002", "Main", NOW, (stop, short)))
    assert AMAZON_TITLE in _words(texts_per_page(pdf)[0]).replace("- ", "-")
    assert sorted(decoded_per_page(pdf)[0]) == [
        ("Code128", "PL-000002"),
        ("Code128", "SKU-2"),
        ("EAN13", "4006381333931"),
    ]


def test_a_marketplace_length_title_is_whole_on_the_slip_and_abbreviated_visibly_elsewhere():
    slip = dataclasses.replace(
        _slip(gift=False), lines=(SlipLine("SKU-1", AMAZON_TITLE, "black", 1, 2999),)
    )
    assert AMAZON_TITLE in _words(texts_per_page(render_packing_slip_pdf(slip))[0])
    label = shipping_doc(contents=(ContentLine("SKU-1", AMAZON_TITLE, "black", 1),))
    text = _words(texts_per_page(render_shipping_label_pdf(label))[0])
    assert "Wireless Bluetooth Earbuds with Active Noise" in text and "…" in text
    small = render_small_labels_pdf([SmallLabel(LabelKind.PRODUCT, "4006381333931", AMAZON_TITLE)])
    assert "…" in texts_per_page(small)[0]
    assert decoded_per_page(small) == [[("EAN13", "4006381333931")]]


@pytest.mark.parametrize("size", list(SlipSize))
def test_a_long_spec_wraps_on_the_slip_and_keeps_its_sku(size):
    spec = "wireless charging case, slate grey, noise-cancelling, with three sizes of ear tips"
    doc = dataclasses.replace(
        _slip(gift=False, lines=1),
        lines=(SlipLine("ELE-1052", "Lumio Noise-cancelling earbuds", spec, 1, 12900),),
    )
    pdf = render_packing_slip_pdf(doc, size=size)
    text = " ".join(texts_per_page(pdf)[0].split())
    assert "ELE-1052" in text and "ear tips" in text


def test_the_fast_shipping_label_pdf_is_exactly_the_pdf_of_the_drawn_pages():
    """Fixed parts drawn once and field values replayed give the same bytes as drawing
    every parcel's page element by element."""
    from app.i18n import _
    from app.labels.bench import sample_shipping_docs
    from app.labels.pdf import render_pdf
    from app.labels.shipping import shipping_label_page

    docs = [
        shipping_doc(),
        shipping_doc(ship_to=PARIS, tracking_number=None, fragile=False),
        shipping_doc(ship_to=TOKYO, tracking_number="JD01460000628-ABCDEFGHIJKLMNOPQRSTUVWXYZ-01"),
        shipping_doc(ship_to=BEIJING, weight_g=None, channel_order_id="", parcel_count=12),
        shipping_doc(shipment_number="SH-^~\\1", tracking_number="1Z 999 AA1"),
        *sample_shipping_docs(40),
        shipping_doc(),  # the same parcel again: every field replayed
    ]
    drawn = render_pdf(
        (shipping_label_page(doc) for doc in docs), title=_("Shipping labels"), dpi=203
    )
    assert render_shipping_labels_pdf(docs) == drawn


@pytest.mark.parametrize("size", list(SlipSize))
def test_a_spec_just_under_forty_characters_fits_on_a_priced_slip(size):
    # A demo reship stopped at the station: a 39-character spec line was given one line's
    # height, then refused as too long for it even in the smallest print.
    doc = dataclasses.replace(
        _slip(gift=False, lines=1),
        lines=(
            SlipLine("ELE-1027", "Action camera", "4K, 3-axis gimbal, black", 1, 24900),
            SlipLine("HOM-2001", "长" * 49, "", 1, 1500),  # a long title in wide characters
        ),
    )
    text = " ".join(texts_per_page(render_packing_slip_pdf(doc, size=size))[0].split())
    assert "ELE-1027" in text and "gimbal" in text
