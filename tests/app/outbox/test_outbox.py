"""The outbox against a real SMTP server on 127.0.0.1 (aiosmtpd): what arrived, and what
happens when the server is not there."""

from __future__ import annotations

import datetime as dt
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.cases.model import Source
from app.cases.service import CaseAction, CaseDraft, act, open_case
from app.errors import InvalidInput
from app.outbox.service import MAX_ATTEMPTS, send_outbox
from app.outbox.settings import parse_smtp_url
from app.permissions import Role
from db.models import CustomerMessage
from tests import factories as f
from tests.conftest import make_actor

AGENT = make_actor(Role.CUSTOMER_SERVICE)


class Inbox:
    def __init__(self) -> None:
        self.mails: list = []

    async def handle_DATA(self, server, session, envelope):
        self.mails.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, parse_smtp_url(f"smtp://127.0.0.1:{port}?from=service@shop.example")
    controller.stop()


@pytest.fixture
def case_with_reply(db):
    with db.unit_of_work() as uow:
        s = uow.session
        customer = f.customer(s, "Katharina Schulz")
        customer.email, customer.language = "kat@example.de", "de"
        order = f.order(s, customer, status="shipped", lines=[(f.product(s), 1)])
        uow.commit()
        order_id = order.id
    case_id = open_case(
        db, AGENT, CaseDraft(subject="Paket fehlt", source=Source.EMAIL, order_id=order_id)
    )
    text = (
        "Ihre Bestellung: Ihr Paket verspätet sich\n\n"
        "Guten Tag Katharina Schulz,\n\nes dauert länger."
    )
    act(db, AGENT, case_id, "reply", CaseAction(text=text, language="de"))
    return case_id


def test_a_reply_is_queued_and_arrives_at_the_customer_with_the_case_number(
    db, case_with_reply, smtp_server
):
    inbox, smtp = smtp_server
    summary = send_outbox(db, AGENT, smtp)
    assert (summary.sent, summary.failed) == (1, [])
    ((recipients, mail),) = inbox.mails
    assert recipients == ["kat@example.de"]
    assert mail["Subject"] == f"CS-{case_with_reply:06d}: Ihre Bestellung: Ihr Paket verspätet sich"
    assert "es dauert länger" in mail.get_content()
    assert send_outbox(db, AGENT, smtp).sent == 0  # sent once, never twice
    with db.unit_of_work() as uow:
        message = uow.session.scalar(select(CustomerMessage))
        assert (message.state, message.case_id, message.language) == ("sent", case_with_reply, "de")


def test_a_server_that_is_not_there_leaves_the_message_failed_with_the_reason_and_a_retry(
    db, case_with_reply
):
    down = parse_smtp_url(f"smtp://127.0.0.1:{_free_port()}?from=service@shop.example")
    now = dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC)
    summary = send_outbox(db, AGENT, down, now=now)
    assert summary.sent == 0 and len(summary.failed) == 1
    with db.unit_of_work() as uow:
        message = uow.session.scalar(select(CustomerMessage))
        assert message.state == "failed" and "Connection" in message.last_error
        assert message.next_attempt_at == now + dt.timedelta(minutes=5)
    assert send_outbox(db, AGENT, down, now=now).failed == []  # not before its retry time


def test_retries_stop_after_a_bounded_number_of_attempts(db, case_with_reply):
    down = parse_smtp_url(f"smtp://127.0.0.1:{_free_port()}?from=service@shop.example")
    now = dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC)
    for attempt in range(MAX_ATTEMPTS + 2):
        send_outbox(db, AGENT, down, now=now + dt.timedelta(days=attempt))
    with db.unit_of_work() as uow:
        message = uow.session.scalar(select(CustomerMessage))
    assert (message.attempts, message.next_attempt_at) == (MAX_ATTEMPTS, None)


def test_the_smtp_password_is_never_shown():
    settings = parse_smtp_url(
        "smtp://desk:s3cret@mail.example:587?starttls=1&from=service@shop.example"
    )
    assert "s3cret" not in repr(settings) and "s3cret" not in settings.describe()
    with pytest.raises(InvalidInput) as refused:
        parse_smtp_url("smtp://desk:s3cret@mail.example:587")  # no sender
    assert "s3cret" not in str(refused.value)
