"""Customer messages drafted from templates in the customer's language."""

from __future__ import annotations

from app.review.messages import (
    MessageKind,
    arrival_sentence,
    draft_message,
    language_of,
    missing_items,
    payment_problem_text,
)
from app.review.model import F_PHONE, F_POSTAL_CODE, Finding, Queue, Severity


def _finding(field: str) -> Finding:
    return Finding("x", Severity.BLOCK, field, "m", Queue.NEEDS_INFO)


def test_language_codes_map_to_the_templates_we_have():
    assert language_of("zh-CN") == "zh_CN"
    assert language_of("ZH_tw") == "zh_TW"
    assert language_of("zh-Hant-HK") == "zh_TW"
    assert language_of("zh") == "zh_CN"  # no region known: Simplified
    assert language_of("en") == "en"
    assert language_of("de") == "de"
    assert language_of("pt") == "en"  # no Portuguese templates: English, not nothing
    assert language_of(None) == "en"


def test_a_request_for_information_lists_what_is_missing_in_english():
    missing = missing_items([_finding(F_PHONE), _finding(F_POSTAL_CODE), _finding(F_PHONE)], "en")
    draft = draft_message(
        MessageKind.REQUEST_INFO, "en", name="Ada", order="SO-000007", missing=missing
    )
    assert draft.language == "en"
    assert "SO-000007" in draft.subject
    assert "- a phone number we can reach you on\n- a correct postal code" in draft.body
    assert draft.body.count("phone number") == 1


def test_a_chinese_customer_gets_the_chinese_template():
    missing = missing_items([_finding(F_PHONE), _finding("lines[2].sku")], "zh-CN")
    draft = draft_message(
        MessageKind.REQUEST_INFO, "zh-CN", name="王芳", order="SO-000008", missing=missing
    )
    assert draft.language == "zh_CN"
    assert "需要补充信息" in draft.subject
    assert "可以联系到您的电话号码" in draft.body
    assert "第 2 行" in draft.body


def test_every_kind_has_an_english_and_a_chinese_template():
    for kind in MessageKind:
        english = draft_message(kind, "en", order="SO-1", name="A")
        chinese = draft_message(kind, "zh", order="SO-1", name="A")
        assert english.body != chinese.body
        assert "SO-1" in english.subject + english.body


def test_a_value_not_given_is_left_blank_rather_than_failing():
    draft = draft_message(MessageKind.CANCELLED, "en", order="SO-1")
    assert "{" not in draft.body


def test_the_arrival_sentence_says_when_or_that_we_do_not_know():
    assert "2026-04-02" in arrival_sentence("2026-04-02", "en")
    assert "do not have a date" in arrival_sentence(None, "en")
    assert "到货" in arrival_sentence("2026-04-02", "zh")


def test_payment_problems_are_told_in_the_customers_words_and_language():
    def block(code: str) -> Finding:
        return Finding(code, Severity.BLOCK, "payment", "staff text", Queue.PAYMENT_PROBLEM)

    findings = [block("payment.failed"), block("payment.card_luhn"), block("price.mismatch")]
    english = payment_problem_text(findings, "en")
    assert english == (
        "The payment was declined. The card details could not be verified. "
        "The price charged differs from our price list."
    )
    assert "付款被拒绝" in payment_problem_text(findings, "zh")
    assert "staff text" not in english


def test_a_customer_who_sent_a_card_number_is_asked_again_and_told_never_to_send_one():
    removed = Finding("card_number.removed", Severity.BLOCK, "ship_to.line1", "m", Queue.NEEDS_INFO)
    english = missing_items([removed], "en")
    assert "never send card numbers" in english and "street" not in english
    assert "银行卡号" in missing_items([removed], "zh")
