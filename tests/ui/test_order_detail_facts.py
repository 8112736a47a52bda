"""The order detail says in words where an order came from and what the channel told us:
a business buyer's PO number, amounts estimated from our price list, a buyer's request to
cancel — never a stored code such as ``partner:tmall``."""

from __future__ import annotations

from app.orders.detail import order_detail
from app.permissions import Role
from tests import factories as f
from tests.conftest import make_actor
from ui.widgets.display import channel_text
from ui.widgets.order_detail import order_html


def test_a_business_order_from_a_price_list_shows_its_po_and_estimate(db):
    with db.unit_of_work() as uow:
        s = uow.session
        order = f.order(s, f.customer(s), channel="amazon", lines=[(f.product(s), 1)])
        order.purchase_order_number = "PO-4471"
        order.amounts_source = "estimated"
        order.buyer_requested_cancellation = True
        uow.commit()
        order_id = order.id
    with db.unit_of_work() as uow:
        html = order_html(order_detail(uow.session, make_actor(Role.SUPERVISOR), order_id))
    assert "PO PO-4471" in html
    assert "amounts estimated from the price list" in html
    assert "the buyer asked to cancel" in html
    assert "Amazon ·" in html


def test_channels_read_as_words():
    assert channel_text("partner:tmall") == "Partner: tmall"
    assert channel_text("shop") == "Shop counter"
    assert channel_text("amazon") == "Amazon"


def test_a_reason_stored_as_a_code_reads_in_the_readers_language(db, monkeypatch):
    from app.audit import record_event
    from app.i18n import _, set_language
    from app.orders.history import reason_words
    from app.review.reasons import why

    with db.unit_of_work() as uow:
        s = uow.session
        order = f.order(s, f.customer(s), lines=[(f.product(s), 1)])
        s.flush()
        record_event(
            s, make_actor(Role.SUPERVISOR), entity_type="order", entity_id=order.id,
            action="status", from_state="received", to_state="approved",
            reason="(sentence of an older program)", detail=why("review.clear").detail(),
        )  # fmt: skip
        uow.commit()
        order_id = order.id
    with db.unit_of_work() as uow:
        detail = order_detail(uow.session, make_actor(Role.SUPERVISOR), order_id)
    (event,) = [e for e in detail.audit if e.to_state == "approved"]
    assert reason_words(event) == "no blocking findings"  # from the code, not the sentence
    set_language("zh_TW")
    try:
        assert reason_words(event) == _("no blocking findings") != "no blocking findings"
    finally:
        set_language("en")


def test_the_review_desk_shows_the_po_number_and_the_estimate_too(db):
    from app.review.detail import review_detail
    from ui.widgets.review_detail import review_html

    with db.unit_of_work() as uow:
        s = uow.session
        order = f.order(s, f.customer(s), channel="partner:tmall", lines=[(f.product(s), 1)])
        order.purchase_order_number = "PO-9"
        order.amounts_source = "estimated"
        uow.commit()
        order_id = order.id
    with db.unit_of_work() as uow:
        html = review_html(review_detail(uow.session, make_actor(Role.SUPERVISOR), order_id))
    assert "Partner: tmall" in html and "partner:tmall" not in html
    assert "PO PO-9" in html and "amounts estimated from the price list" in html
