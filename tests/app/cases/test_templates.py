"""Reply templates in the customer's language, whatever the desk shows."""

import pytest

from app.cases.templates import _TEMPLATES, ReplyKind, draft_reply
from app.i18n import CUSTOMER_LANGUAGES


def test_a_lost_parcel_reply_reads_in_german_with_the_order_and_tracking_number():
    reply = draft_reply(
        ReplyKind.LOST, "de", name="Katharina Schulz", order="SO-000012", tracking="1Z999"
    )
    assert reply.language == "de"
    assert reply.subject == "Ihre Bestellung SO-000012: Ihr Paket ist verloren gegangen"
    assert reply.body.startswith("Guten Tag Katharina Schulz,")
    assert "1Z999" in reply.body


def test_chinese_customers_get_their_script():
    assert "包裹遺失" in draft_reply(ReplyKind.LOST, "zh_TW", order="SO-1").subject
    assert "包裹丢失" in draft_reply(ReplyKind.LOST, "zh_CN", order="SO-1").subject


def test_an_unknown_language_gets_english_and_missing_values_stay_blank():
    reply = draft_reply(ReplyKind.REFUND, "xx", order="SO-1")
    assert reply.language == "en"
    assert "{amount}" not in reply.body and "{name}" not in reply.body


@pytest.mark.parametrize("language", [lang for lang in CUSTOMER_LANGUAGES if lang != "en"])
def test_every_template_is_translated_into_every_customer_language(language):
    for kind in _TEMPLATES:
        english = draft_reply(kind, "en", order="SO-1")
        theirs = draft_reply(kind, language, order="SO-1")
        assert theirs.subject != english.subject, (kind, language)
        assert theirs.body != english.body, (kind, language)
