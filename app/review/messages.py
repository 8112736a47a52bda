"""Customer messages the review desk drafts, in the customer's language.

The desk drafts; the service desk sends from the outbox. Templates are English source
texts marked ``C_`` and translated through the ``customer`` catalogue (zh_TW, zh_CN, en,
de, fr, es, it), whatever language the agent's desk shows; a text a catalogue lacks falls
back to English rather than sending nothing. Pure: no database, no Qt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from app.i18n import (
    C_,
    CUSTOMER_LANGUAGES,
    SOURCE_LANGUAGE,
    customer_gettext,
    customer_language,
)
from app.review.model import (
    F_CITY,
    F_COUNTRY,
    F_CUSTOMER_NAME,
    F_PHONE,
    F_POSTAL_CODE,
    F_REGION,
    F_SHIP_NAME,
    F_STREET,
    Finding,
)

DEFAULT_LANGUAGE = SOURCE_LANGUAGE
LANGUAGES = CUSTOMER_LANGUAGES


class MessageKind(StrEnum):
    REQUEST_INFO = "request_info"
    STOCK_SHORT = "stock_short"
    CANCELLED_STOCK = "cancelled_stock"
    PAYMENT_PROBLEM = "payment_problem"
    CANCELLED_PAYMENT = "cancelled_payment"
    CANCELLED_DUPLICATE = "cancelled_duplicate"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Draft:
    kind: MessageKind
    language: str
    subject: str
    body: str


# Every customer message is an English source text marked C_ (the ``customer`` catalogue,
# resources/locale/<language>/LC_MESSAGES/customer.po) and sent in the customer's language.
_TEMPLATES: dict[MessageKind, tuple[str, str]] = {
    MessageKind.REQUEST_INFO: (
        C_("Your order {order}: we need a few details"),
        C_(
            "Dear {name},\n\nthank you for your order {order}. Before we can send it we need:\n"
            "{missing}\n\nPlease reply to this message or call us. Thank you."
        ),
    ),
    MessageKind.STOCK_SHORT: (
        C_("Your order {order}: an item is not in stock"),
        C_(
            "Dear {name},\n\n{item} in your order {order} is not in stock right now.\n"
            "{arrival}\n{substitutes}\nPlease tell us whether you would like to wait, take "
            "an alternative, or cancel the order."
        ),
    ),
    MessageKind.CANCELLED_STOCK: (
        C_("Your order {order} has been cancelled"),
        C_(
            "Dear {name},\n\nas you asked, we have cancelled your order {order} because {item} "
            "is not in stock. You will not be charged; any payment is refunded.\n\n{reason}"
        ),
    ),
    MessageKind.PAYMENT_PROBLEM: (
        C_("Your order {order}: a problem with the payment"),
        C_(
            "Dear {name},\n\nwe could not complete the payment for your order {order}.\n"
            "{problem}\n\nPlease pay again or choose another payment method."
        ),
    ),
    MessageKind.CANCELLED_PAYMENT: (
        C_("Your order {order} has been cancelled"),
        C_(
            "Dear {name},\n\nwe have cancelled your order {order} because the payment could "
            "not be completed.\n\n{reason}"
        ),
    ),
    MessageKind.CANCELLED_DUPLICATE: (
        C_("Your order {order} was a duplicate"),
        C_(
            "Dear {name},\n\nyour order {order} repeated order {kept}, so we have cancelled "
            "the copy. Order {kept} goes ahead; you are charged only once."
        ),
    ),
    MessageKind.CANCELLED: (
        C_("Your order {order} has been cancelled"),
        C_("Dear {name},\n\nwe have cancelled your order {order}.\n\n{reason}"),
    ),
}

# What a customer is asked for, by the field a finding points at.
_MISSING_BY_FIELD: dict[str, str] = {
    F_PHONE: C_("a phone number we can reach you on"),
    F_SHIP_NAME: C_("the recipient's name"),
    F_CUSTOMER_NAME: C_("your name"),
    F_STREET: C_("the street and house number"),
    F_CITY: C_("the town or city"),
    F_POSTAL_CODE: C_("a correct postal code"),
    F_REGION: C_("the state, province or region"),
    F_COUNTRY: C_("the country"),
}
# Asked for by what was found, before the field: a card number sent in the order.
_MISSING_BY_CODE: dict[str, str] = {
    "card_number.removed": C_(
        "your delivery details once more: they held a card number, which we removed "
        "and did not keep (please never send card numbers; we will never ask for one)"
    ),
}
_MISSING_LINE = C_("which item you meant on line {line} (the product or quantity is unclear)")
_NO_ARRIVAL = C_("We do not have a date for new stock yet.")
_ARRIVAL = C_("We expect new stock by {date}.")
_SUBSTITUTES = C_("Alternatives we have in stock:")


def language_of(code: str | None) -> str:
    """The language a customer is written to in ("zh-TW" → "zh_TW"; unknown → "en")."""
    return customer_language(code)


def _in(language: str, text: str) -> str:
    return customer_gettext(language, text)


def draft_message(kind: MessageKind, language: str | None, **values: str) -> Draft:
    lang = language_of(language)
    subject, body = _TEMPLATES[kind]
    safe = _SafeValues(values)
    return Draft(kind, lang, _in(lang, subject).format_map(safe), _in(lang, body).format_map(safe))


class _SafeValues(dict):
    # A value the caller did not give is left blank, never a KeyError in front of a customer.
    def __missing__(self, key: str) -> str:
        return ""


def missing_items(findings: Iterable[Finding], language: str | None) -> str:
    """The findings a customer can fix, as a bulleted list in their language."""
    lang = language_of(language)
    items: list[str] = []
    for finding in findings:
        source = _MISSING_BY_CODE.get(finding.code) or _MISSING_BY_FIELD.get(finding.field)
        phrase = _in(lang, source) if source else None
        if phrase is None and finding.field.startswith("lines["):
            line = finding.field[len("lines[") :].split("]")[0]
            phrase = _in(lang, _MISSING_LINE).format(line=line)
        if phrase and phrase not in items:
            items.append(phrase)
    return "\n".join(f"- {item}" for item in items)


def arrival_sentence(date: str | None, language: str | None) -> str:
    lang = language_of(language)
    return _in(lang, _ARRIVAL).format(date=date) if date else _in(lang, _NO_ARRIVAL)


def substitutes_paragraph(names: Iterable[str], language: str | None) -> str:
    names = list(names)
    if not names:
        return ""
    lang = language_of(language)
    return _in(lang, _SUBSTITUTES) + "\n" + "\n".join(f"- {name}" for name in names)


_CARD_UNVERIFIED = C_("The card details could not be verified.")
_NOT_PAID = C_("We have not received a payment.")
# What a customer is told about a payment problem, by finding code (or code prefix).
_PAYMENT_PROBLEMS: dict[str, str] = {
    "payment.failed": C_("The payment was declined."),
    "payment.pending": C_("The payment has not arrived yet."),
    "payment.missing": _NOT_PAID,
    "payment.not_captured": _NOT_PAID,
    "payment.amount_mismatch": C_("The amount paid does not match the order total."),
    "payment.currency_mismatch": C_("The payment was made in another currency than the order."),
    "payment.card_expired": C_("The card used has expired."),
    "payment.card_": _CARD_UNVERIFIED,
    "price.": C_("The price charged differs from our price list."),
    "order.totals_inconsistent": C_("The order total does not add up."),
    "customer.arrears": C_("Your account has an outstanding balance."),
}


def payment_problem_text(findings: Iterable[Finding], language: str | None) -> str:
    """The payment findings as sentences a customer understands, in their language."""
    lang = language_of(language)
    sentences: list[str] = []
    for finding in findings:
        text = _PAYMENT_PROBLEMS.get(finding.code) or next(
            (
                texts
                for prefix, texts in _PAYMENT_PROBLEMS.items()
                if prefix.endswith(("_", ".")) and finding.code.startswith(prefix)
            ),
            None,
        )
        said = _in(lang, text) if text else None
        if said and said not in sentences:
            sentences.append(said)
    return " ".join(sentences)
