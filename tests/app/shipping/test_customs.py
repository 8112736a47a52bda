"""Customs declarations for cross-border parcels: which parcels need one, what each says
(its own contents, HS codes, origin, value and currency), CN22 or CN23 by the threshold,
refused by name when a product's facts are missing; the barcodes decode."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.cli import main
from app.errors import InvalidInput
from app.labels.model import CustomsForm
from app.permissions import Role
from app.shipping.customs import (
    crosses_customs_border,
    render_declarations,
    set_customs_facts,
    shipment_declarations,
)
from app.shipping.errors import CustomsFactsMissing
from db.models import AuditEvent, Order, OrderLine, Product
from db.models_packing import PackScan
from tests.app.labels.decoding import decoded_per_page, page_sizes_mm, texts_per_page
from tests.app.shipping.builders import shipper, split_order
from tests.conftest import make_actor


def test_a_parcel_needs_a_declaration_only_when_it_leaves_the_customs_territory():
    assert not crosses_customs_border("DE", "DE")
    assert not crosses_customs_border("DE", "fr")  # one EU customs union
    assert crosses_customs_border("DE", "CH")
    assert crosses_customs_border("DE", "GB")
    assert crosses_customs_border("CN", "DE")
    assert not crosses_customs_border("DE", "")  # no destination yet: nothing to declare


def _cross_border(session, *, to: str = "CH", facts: bool = True, kettles_price: int = 3000):
    built = split_order(session, parcels=(2, 1))
    order = session.get(Order, built.order_id)
    order.ship_country, order.ship_city = to, "Zürich"
    kettle_line, mug_line = (session.get(OrderLine, i) for i in built.line_ids)
    kettle_line.unit_price_cents = kettles_price
    kettle = session.get(Product, kettle_line.product_id)
    mug = session.get(Product, mug_line.product_id)
    if facts:
        kettle.hs_code, kettle.origin_country = "851671", "CN"
        mug.hs_code, mug.origin_country = "691200", "PT"
    session.flush()
    return built, kettle, mug


def test_each_parcel_declares_what_was_scanned_into_it_with_hs_code_origin_and_value(db):
    with db.unit_of_work() as uow:
        s = uow.session
        built, kettle, mug = _cross_border(s)
        a = built.shipment_ids[0]
        (a1, a2), _b = built.parcel_ids
        for parcel, product in ((a1, kettle), (a1, kettle), (a2, mug)):
            s.add(PackScan(shipment_id=a, parcel_id=parcel, product_id=product.id,
                           actor_name="p", kind="item", code="x"))  # fmt: skip
        s.flush()
        first, second = shipment_declarations(s, a, signed_by="packer")
    assert (first.parcel_index, second.parcel_index) == (1, 2)
    assert [(i.quantity, i.hs_code, i.origin_country, i.value_cents, i.weight_g)
            for i in first.doc.items] == [(2, "851671", "CN", 6000, 1800)]  # fmt: skip
    assert [(i.quantity, i.hs_code, i.origin_country) for i in second.doc.items] == [
        (1, "691200", "PT")
    ]
    assert first.form is CustomsForm.CN22 and first.doc.currency == "EUR"
    assert first.doc.recipient.country_code == "CH"
    assert first.doc.tracking_number == built.tracking[0][0]
    assert second.doc.tracking_number == built.tracking[0][1]


def test_the_declaration_is_a_cn22_that_scans_and_a_cn23_above_the_threshold(db):
    with db.unit_of_work() as uow:
        built, *_ = _cross_border(uow.session)
        cheap = shipment_declarations(uow.session, built.shipment_ids[1])
        dear_built, *_ = _cross_border(uow.session, kettles_price=50_000)
        dear = shipment_declarations(uow.session, dear_built.shipment_ids[1])
    assert [d.form for d in cheap] == [CustomsForm.CN22]
    pdf = render_declarations(cheap)
    assert page_sizes_mm(pdf) == [(101.6, 152.4)]
    assert decoded_per_page(pdf) == [[("Code128", built.tracking[1][0])]]
    assert "851671" in texts_per_page(pdf)[0] and "30.00 EUR" in texts_per_page(pdf)[0]
    assert [d.form for d in dear] == [CustomsForm.CN23]
    pdf = render_declarations(dear)
    assert page_sizes_mm(pdf) == [(210.0, 297.0)]
    assert decoded_per_page(pdf) == [[("Code128", dear_built.tracking[1][0])]]
    assert "CN 23" in texts_per_page(pdf)[0] and "CHINA" in texts_per_page(pdf)[0]


def test_a_parcel_inside_the_customs_union_has_no_declaration(db):
    with db.unit_of_work() as uow:
        built, *_ = _cross_border(uow.session, to="AT")
        assert shipment_declarations(uow.session, built.shipment_ids[0]) == []


def test_a_cross_border_shipment_whose_products_lack_hs_codes_is_refused_by_name(db):
    with db.unit_of_work() as uow:
        built, kettle, _mug = _cross_border(uow.session, facts=False)
        with pytest.raises(CustomsFactsMissing, match="HS code") as refused:
            shipment_declarations(uow.session, built.shipment_ids[0])
    assert kettle.sku in refused.value.skus and refused.value.country == "CH"


def test_setting_a_products_customs_facts_is_checked_and_audited(db):
    supervisor = make_actor(Role.SUPERVISOR)
    with db.unit_of_work() as uow:
        _built, kettle, _mug = _cross_border(uow.session, facts=False)
        sku = kettle.sku
        uow.commit()
    facts = set_customs_facts(db.unit_of_work(), supervisor, sku, "8516.71", "cn")
    assert (facts.hs_code, facts.origin_country) == ("851671", "CN")
    with pytest.raises(InvalidInput):
        set_customs_facts(db.unit_of_work(), supervisor, sku, "85", "CN")
    with pytest.raises(InvalidInput):
        set_customs_facts(db.unit_of_work(), supervisor, sku, "851671", "China")
    with db.unit_of_work() as uow:
        product = uow.session.scalar(select(Product).where(Product.sku == sku))
        assert (product.hs_code, product.origin_country) == ("851671", "CN")
        assert (
            uow.session.scalar(
                select(AuditEvent.action).where(
                    AuditEvent.entity_type == "product", AuditEvent.entity_id == product.id
                )
            )
            == "customs_facts"
        )


def test_orderdesk_label_writes_the_declaration_beside_the_labels(
    db, db_url, capsys, staff_login, tmp_path
):
    with db.unit_of_work() as uow:
        built, _kettle, _mug = _cross_border(uow.session)
        shipper(uow.session)
        uow.commit()
    number = f"SH-{built.shipment_ids[0]:06d}"
    out = tmp_path / "labels.zpl"
    args = ["label", number, "--format", "zpl", "-o", str(out), "--json", "--db", db_url]
    assert main(args) == 0
    answer = json.loads(capsys.readouterr().out)
    # nothing was scanned at a station: every unit is declared in the first parcel
    assert answer["customs"] == [{"parcel": 1, "form": "CN22"}]
    customs = tmp_path / "labels.customs.pdf"
    assert answer["customs_output"] == str(customs)
    assert decoded_per_page(customs.read_bytes()) == [[("Code128", built.tracking[0][0])]]


def test_orderdesk_customs_set_then_label_from_the_command_line(
    db, db_url, capsys, staff_login, tmp_path
):
    with db.unit_of_work() as uow:
        built, kettle, mug = _cross_border(uow.session, facts=False)
        skus = kettle.sku, mug.sku
        uow.commit()
    number = f"SH-{built.shipment_ids[1]:06d}"
    assert main(["label", number, "-o", str(tmp_path / "l.pdf"), "--db", db_url]) != 0
    assert "HS code" in capsys.readouterr().err
    for sku in skus:
        args = ["customs", "set", sku, "--hs-code", "851671", "--origin", "CN", "--db", db_url]
        assert main(args) == 0
    assert "HS code 851671, made in CN" in capsys.readouterr().out
    assert main(["label", number, "-o", str(tmp_path / "l.pdf"), "--db", db_url]) == 0
    assert "Customs declaration (CN22)" in capsys.readouterr().out
    assert (tmp_path / "l.customs.pdf").exists()
