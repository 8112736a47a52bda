"""A case resolved as a replacement: the products the agent names go out at no charge, as
a new shipment through the warehouse (allocation, pick, pack, hand-over), audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.cases.errors import CaseNeeds
from app.cases.model import Source
from app.cases.service import CaseAction, CaseDraft, act, open_case
from app.demo.after_sales import send_through_warehouse
from app.returns.errors import NothingToReplace, ReplacementItemRefused
from app.returns.replacement import ReplacementItem, parse_items
from app.shipping.confirmations import pending_confirmations
from db.models import AuditEvent, Order, OrderLine, Shipment, ShipmentLine
from db.models_cases import Case
from db.models_picking import Reservation
from db.models_refunds import Refund
from db.models_returns import Reship
from tests.app.picking.conftest import assert_invariants, item, put
from tests.app.returns.test_reship_and_returns import AGENT, BOSS, HANDS, delivered  # noqa: F401

pytestmark = pytest.mark.usefixtures("delivered")


@pytest.fixture
def blue_kettle(db, delivered):  # noqa: F811
    """Another variant of the kettle, on the same shelf."""
    from db.models import Warehouse

    with db.unit_of_work() as uow:
        s = uow.session
        blue = item(s, name="Kettle", sku="KETTLE-1-BLUE", barcode="4006381333948")
        blue.weight_g, blue.price_cents, blue.spec = 1200, 2000, "blue"
        put(s, blue, s.get(Warehouse, delivered["warehouse"]), 1, 3)
        uow.commit()
        return blue.id


def _case(db, delivered) -> int:  # noqa: F811
    draft = CaseDraft(subject="Wrong colour", source=Source.PHONE, order_id=delivered["order"],
                      shipment_id=delivered["shipment"])  # fmt: skip
    return open_case(db, AGENT, draft)


def _replacement(db, case_id: int) -> Shipment:
    with db.unit_of_work() as uow:
        shipment_id = uow.session.scalar(
            select(Reship.shipment_id).where(Reship.case_id == case_id)
        )
        return uow.session.get(Shipment, shipment_id)


def test_a_replacement_sends_another_variant_at_no_charge_with_its_stock_reserved(
    db,
    delivered,  # noqa: F811
    blue_kettle,
):
    case_id = _case(db, delivered)
    items = (ReplacementItem("kettle-1-blue", 2),)
    act(db, AGENT, case_id, "resolve", CaseAction(resolution="replacement", replacement=items))
    new = _replacement(db, case_id)
    with db.unit_of_work() as uow:
        s = uow.session
        lines = s.execute(
            select(OrderLine.sku, ShipmentLine.quantity, OrderLine.line_total_cents)
            .join(ShipmentLine, ShipmentLine.order_line_id == OrderLine.id)
            .where(ShipmentLine.shipment_id == new.id)
        ).all()
        order = s.get(Order, delivered["order"])
        reserved = s.scalar(
            select(func.sum(Reservation.quantity)).where(
                Reservation.product_id == blue_kettle, Reservation.state == "open"
            )
        )
        note = s.get(Case, case_id).resolution
        audit = s.scalars(
            select(AuditEvent.action).where(
                AuditEvent.entity_type == "order", AuditEvent.entity_id == order.id
            )
        ).all()
    assert lines == [("KETTLE-1-BLUE", 2, 0)]
    assert (new.status, new.warehouse_id, reserved) == ("pending", delivered["warehouse"], 2)
    assert (order.total_cents, order.status, note) == (4000, "delivered", "replacement")
    assert "replacement_lines" in audit
    assert_invariants(db)


def test_the_replacement_goes_through_the_warehouse_and_the_channel_is_not_told(
    db,
    delivered,  # noqa: F811
    blue_kettle,
):
    case_id = _case(db, delivered)
    items = (ReplacementItem("KETTLE-1-BLUE", 1), ReplacementItem("KETTLE-1", 1))
    act(db, AGENT, case_id, "resolve", CaseAction(resolution="replacement", replacement=items))
    new = _replacement(db, case_id)
    assert send_through_warehouse(db, BOSS, HANDS, new.id) == "shipped"
    with db.unit_of_work() as uow:
        s = uow.session
        order = s.get(Order, delivered["order"])
        long_ago = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        to_confirm, _confirmed = pending_confirmations(s, order.channel, long_ago)
        charged = s.scalar(select(func.count()).select_from(Refund))
    assert to_confirm == [] and charged == 0
    assert order.status == "delivered"
    assert_invariants(db)


def _replace(db, case_id: int, *items: ReplacementItem) -> None:
    act(db, AGENT, case_id, "resolve", CaseAction(resolution="replacement", replacement=items))


def test_a_replacement_needs_its_products_and_a_known_active_sku(db, delivered):  # noqa: F811
    case_id = _case(db, delivered)
    with pytest.raises(CaseNeeds, match="products and quantities"):
        act(db, AGENT, case_id, "resolve", CaseAction(resolution="replacement"))
    with pytest.raises(ReplacementItemRefused, match="NOPE-1: no such product"):
        _replace(db, case_id, ReplacementItem("NOPE-1", 1))
    with pytest.raises(ReplacementItemRefused, match="1 to 99"):
        _replace(db, case_id, ReplacementItem("KETTLE-1", 0))
    with db.unit_of_work() as uow:
        assert uow.session.get(Case, case_id).status == "open"  # nothing happened
        assert uow.session.scalar(select(func.count()).select_from(Reship)) == 0


def test_a_replacement_without_a_shipped_order_is_refused(db):
    case_id = open_case(db, AGENT, CaseDraft(subject="General question", source=Source.CHAT))
    with pytest.raises(NothingToReplace, match="replacement needs an order"):
        _replace(db, case_id, ReplacementItem("KETTLE-1", 1))


def test_items_are_read_as_sku_and_quantity():
    assert parse_items(["KETTLE-1=2", " VASE-2 ", "X=0"]) == (
        ReplacementItem("KETTLE-1", 2),
        ReplacementItem("VASE-2", 1),
        ReplacementItem("X", 0),
    )


def test_the_cli_resolves_a_case_with_a_replacement(
    db,
    db_url,
    delivered,  # noqa: F811
    blue_kettle,
    staff_login,
    capsys,
):
    from app.cli import main
    from app.numbers import entity_number

    case = entity_number("case", _case(db, delivered))
    code = main(["cases", "act", case, "resolve", "--resolution", "replacement",
                 "--item", "KETTLE-1-BLUE=1", "--db", db_url])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and "goes out at no charge through the warehouse" in out
    assert "SH-" in out
