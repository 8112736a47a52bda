"""E-mails become cases, or extend the case they answer; odd encodings and card numbers."""

from email.message import EmailMessage

import pytest
from sqlalchemy import select

from app.cases.mail import UnreadableMail, read_mail, take_mail
from app.cases.service import act
from app.permissions import Role
from db.models_cases import Case, CaseNote
from tests import factories as f
from tests.conftest import make_actor

AGENT = make_actor(Role.CUSTOMER_SERVICE)


def _mail(
    subject="Where is my parcel?",
    body="Hello, my order has not arrived.",
    sender="kat@example.com",
    message_id="<m1@example.com>",
):
    message = EmailMessage()
    message["From"] = f"Katharina Schulz <{sender}>"
    message["To"] = "service@shop.example"
    message["Subject"] = subject
    message["Date"] = "Sun, 29 Nov 2026 10:00:00 +0100"
    if message_id:
        message["Message-ID"] = message_id
    message.set_content(body)
    return message.as_bytes()


def test_a_mail_about_an_order_opens_a_case_linked_to_it_and_its_customer(db):
    with db.unit_of_work() as uow:
        s = uow.session
        customer = f.customer(s, "Katharina Schulz")
        customer.email = "KAT@example.com"
        order = f.order(s, customer, status="shipped", lines=[(f.product(s), 1)])
        uow.commit()
        order_id, customer_id = order.id, customer.id
    result = take_mail(db, AGENT, _mail(subject=f"Order SO-{order_id:06d} not here"))
    with db.unit_of_work() as uow:
        case = uow.session.get(Case, result.case_id)
        note = uow.session.scalar(select(CaseNote.body))
    assert result.created and (case.order_id, case.customer_id, case.source) == (
        order_id,
        customer_id,
        "email",
    )
    assert "has not arrived" in note


def test_a_reply_to_a_case_extends_it_and_reopens_it_once(db):
    first = take_mail(db, AGENT, _mail())
    act(db, AGENT, first.case_id, "wait")
    answer = _mail(
        subject=f"Re: CS-{first.case_id:06d} Where is my parcel?", message_id="<m2@example.com>"
    )
    second = take_mail(db, AGENT, answer)
    again = take_mail(db, AGENT, answer)
    assert (second.case_id, second.created) == (first.case_id, False)
    assert again.duplicate
    with db.unit_of_work() as uow:
        assert uow.session.get(Case, first.case_id).status == "open"
        assert len(uow.session.scalars(select(CaseNote.id)).all()) == 2


def test_a_card_number_in_a_mail_is_never_kept(db):
    result = take_mail(db, AGENT, _mail(body="Charge my card 4111 1111 1111 1111 please"))
    with db.unit_of_work() as uow:
        note = uow.session.scalar(select(CaseNote.body).where(CaseNote.case_id == result.case_id))
    assert "4111 1111 1111 1111" not in note and "1111" in note


def test_odd_encodings_read_as_text():
    raw = (
        b"From: =?big5?B?s6+kcKn6?= <chen@example.tw>\r\n"
        b"Subject: =?utf-8?B?5YyF6KO55rKS5pS25Yiw?=\r\n"
        b"Content-Type: text/plain; charset=x-unknown-charset\r\n\r\n"
        b"caf\xe9 au lait\r\n"
    )
    mail = read_mail(raw)
    assert mail.subject == "包裹沒收到"
    assert mail.sender == "chen@example.tw"
    assert "caf" in mail.body  # an unknown charset is read byte for byte, not refused


def test_an_html_only_mail_is_read_as_text_and_attachments_are_named():
    message = EmailMessage()
    message["From"] = "a@example.com"
    message["Subject"] = "Photo"
    message.set_content("<p>See the <b>broken</b> box &amp; item</p>", subtype="html")
    message.add_attachment(b"\x89PNG...", maintype="image", subtype="png", filename="box.png")
    mail = read_mail(message.as_bytes())
    assert "broken box & item" in " ".join(mail.body.split())
    assert mail.attachments == ("box.png",)


def test_a_file_that_is_not_a_mail_is_refused():
    with pytest.raises(UnreadableMail):
        read_mail(b"\x00\x01 not a mail")


def test_a_watched_folder_is_emptied_into_cases_and_bad_files_set_aside(
    db, db_url, staff_login, tmp_path, capsys
):
    from app.cli import main

    (tmp_path / "a.eml").write_bytes(_mail())
    (tmp_path / "b.eml").write_bytes(b"\x00 nothing")
    assert main(["cases", "take-mail", str(tmp_path), "--db", db_url]) == 1
    assert "1 e-mails taken" in capsys.readouterr().out
    assert (tmp_path / "done" / "a.eml").exists()
    assert (tmp_path / "failed" / "b.eml").exists() and (
        tmp_path / "failed" / "b.eml.why.txt"
    ).exists()
