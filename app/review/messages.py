"""Customer messages the review desk drafts, in the customer's language (en, zh).

The desk drafts; the service desk sends from the outbox. Templates are plain data here so
a new language is one more entry, and a template that lacks a language falls back to
English rather than sending nothing. Pure: no database, no Qt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

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

DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "zh")


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


_TEMPLATES: dict[MessageKind, dict[str, tuple[str, str]]] = {
    MessageKind.REQUEST_INFO: {
        "en": (
            "Your order {order}: we need a few details",
            "Dear {name},\n\nthank you for your order {order}. Before we can send it we need:\n"
            "{missing}\n\nPlease reply to this message or call us. Thank you.",
        ),
        "zh": (
            "您的订单 {order}：需要补充信息",
            "{name}，您好：\n\n感谢您的订单 {order}。发货前我们还需要以下信息：\n{missing}\n\n"
            "请回复此消息或致电我们。谢谢！",
        ),
    },
    MessageKind.STOCK_SHORT: {
        "en": (
            "Your order {order}: an item is not in stock",
            "Dear {name},\n\n{item} in your order {order} is not in stock right now.\n"
            "{arrival}\n{substitutes}\nPlease tell us whether you would like to wait, take "
            "an alternative, or cancel the order.",
        ),
        "zh": (
            "您的订单 {order}：部分商品缺货",
            "{name}，您好：\n\n您订单 {order} 中的 {item} 目前缺货。\n{arrival}\n{substitutes}\n"
            "请告诉我们您希望等待到货、换购替代商品，还是取消订单。",
        ),
    },
    MessageKind.CANCELLED_STOCK: {
        "en": (
            "Your order {order} has been cancelled",
            "Dear {name},\n\nas you asked, we have cancelled your order {order} because {item} "
            "is not in stock. You will not be charged; any payment is refunded.\n\n{reason}",
        ),
        "zh": (
            "您的订单 {order} 已取消",
            "{name}，您好：\n\n由于 {item} 缺货，我们已按您的要求取消订单 {order}。"
            "您不会被扣款，已付款项将退回。\n\n{reason}",
        ),
    },
    MessageKind.PAYMENT_PROBLEM: {
        "en": (
            "Your order {order}: a problem with the payment",
            "Dear {name},\n\nwe could not complete the payment for your order {order}.\n"
            "{problem}\n\nPlease pay again or choose another payment method.",
        ),
        "zh": (
            "您的订单 {order}：付款出现问题",
            "{name}，您好：\n\n您订单 {order} 的付款未能完成。\n{problem}\n\n"
            "请重新付款或选择其他付款方式。",
        ),
    },
    MessageKind.CANCELLED_PAYMENT: {
        "en": (
            "Your order {order} has been cancelled",
            "Dear {name},\n\nwe have cancelled your order {order} because the payment could "
            "not be completed.\n\n{reason}",
        ),
        "zh": (
            "您的订单 {order} 已取消",
            "{name}，您好：\n\n由于付款未能完成，我们已取消您的订单 {order}。\n\n{reason}",
        ),
    },
    MessageKind.CANCELLED_DUPLICATE: {
        "en": (
            "Your order {order} was a duplicate",
            "Dear {name},\n\nyour order {order} repeated order {kept}, so we have cancelled "
            "the copy. Order {kept} goes ahead; you are charged only once.",
        ),
        "zh": (
            "您的订单 {order} 为重复订单",
            "{name}，您好：\n\n您的订单 {order} 与订单 {kept} 重复，我们已取消重复的订单。"
            "订单 {kept} 将正常处理，您只会被扣款一次。",
        ),
    },
    MessageKind.CANCELLED: {
        "en": (
            "Your order {order} has been cancelled",
            "Dear {name},\n\nwe have cancelled your order {order}.\n\n{reason}",
        ),
        "zh": (
            "您的订单 {order} 已取消",
            "{name}，您好：\n\n我们已取消您的订单 {order}。\n\n{reason}",
        ),
    },
}

# What a customer is asked for, by the field a finding points at.
_MISSING_BY_FIELD: dict[str, dict[str, str]] = {
    F_PHONE: {"en": "a phone number we can reach you on", "zh": "可以联系到您的电话号码"},
    F_SHIP_NAME: {"en": "the recipient's name", "zh": "收件人姓名"},
    F_CUSTOMER_NAME: {"en": "your name", "zh": "您的姓名"},
    F_STREET: {"en": "the street and house number", "zh": "街道和门牌号"},
    F_CITY: {"en": "the town or city", "zh": "城市"},
    F_POSTAL_CODE: {"en": "a correct postal code", "zh": "正确的邮政编码"},
    F_REGION: {"en": "the state, province or region", "zh": "省/州/地区"},
    F_COUNTRY: {"en": "the country", "zh": "国家"},
}
# Asked for by what was found, before the field: a card number sent in the order.
_MISSING_BY_CODE: dict[str, dict[str, str]] = {
    "card_number.removed": {
        "en": "your delivery details once more: they held a card number, which we removed "
        "and did not keep (please never send card numbers; we will never ask for one)",
        "zh": "请重新提供收货信息：其中含有银行卡号，我们已删除且未保存"
        "（请勿发送银行卡号，我们绝不会索取）",
    },
}
_MISSING_LINE = {
    "en": "which item you meant on line {line} (the product or quantity is unclear)",
    "zh": "第 {line} 行您想购买的商品（商品或数量不明确）",
}
_NO_ARRIVAL = {
    "en": "We do not have a date for new stock yet.",
    "zh": "目前尚无到货日期。",
}
_ARRIVAL = {"en": "We expect new stock by {date}.", "zh": "预计到货日期：{date}。"}
_SUBSTITUTES = {"en": "Alternatives we have in stock:", "zh": "我们有库存的替代商品："}


def language_of(code: str | None) -> str:
    """The template language for a customer's language code ("zh-CN" → "zh")."""
    base = (code or "").strip().lower().replace("_", "-").split("-")[0]
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


def draft_message(kind: MessageKind, language: str | None, **values: str) -> Draft:
    lang = language_of(language)
    templates = _TEMPLATES[kind]
    subject, body = templates.get(lang, templates[DEFAULT_LANGUAGE])
    safe = _SafeValues(values)
    return Draft(kind, lang, subject.format_map(safe), body.format_map(safe))


class _SafeValues(dict):
    # A value the caller did not give is left blank, never a KeyError in front of a customer.
    def __missing__(self, key: str) -> str:
        return ""


def missing_items(findings: Iterable[Finding], language: str | None) -> str:
    """The findings a customer can fix, as a bulleted list in their language."""
    lang = language_of(language)
    items: list[str] = []
    for finding in findings:
        phrase = _MISSING_BY_CODE.get(finding.code, {}).get(lang)
        phrase = phrase or _MISSING_BY_FIELD.get(finding.field, {}).get(lang)
        if phrase is None and finding.field.startswith("lines["):
            line = finding.field[len("lines[") :].split("]")[0]
            phrase = _MISSING_LINE[lang].format(line=line)
        if phrase and phrase not in items:
            items.append(phrase)
    return "\n".join(f"- {item}" for item in items)


def arrival_sentence(date: str | None, language: str | None) -> str:
    lang = language_of(language)
    return _ARRIVAL[lang].format(date=date) if date else _NO_ARRIVAL[lang]


def substitutes_paragraph(names: Iterable[str], language: str | None) -> str:
    names = list(names)
    if not names:
        return ""
    lang = language_of(language)
    return _SUBSTITUTES[lang] + "\n" + "\n".join(f"- {name}" for name in names)


_CARD_UNVERIFIED = {
    "en": "The card details could not be verified.",
    "zh": "银行卡信息无法核实。",
}
_NOT_PAID = {"en": "We have not received a payment.", "zh": "我们尚未收到付款。"}
# What a customer is told about a payment problem, by finding code (or code prefix).
_PAYMENT_PROBLEMS: dict[str, dict[str, str]] = {
    "payment.failed": {"en": "The payment was declined.", "zh": "付款被拒绝。"},
    "payment.pending": {"en": "The payment has not arrived yet.", "zh": "我们尚未收到付款。"},
    "payment.missing": _NOT_PAID,
    "payment.not_captured": _NOT_PAID,
    "payment.amount_mismatch": {
        "en": "The amount paid does not match the order total.",
        "zh": "支付金额与订单总额不符。",
    },
    "payment.currency_mismatch": {
        "en": "The payment was made in another currency than the order.",
        "zh": "付款币种与订单币种不一致。",
    },
    "payment.card_expired": {"en": "The card used has expired.", "zh": "所用银行卡已过期。"},
    "payment.card_": _CARD_UNVERIFIED,
    "price.": {
        "en": "The price charged differs from our price list.",
        "zh": "订单价格与我们的价目表不符。",
    },
    "order.totals_inconsistent": {
        "en": "The order total does not add up.",
        "zh": "订单总额计算有误。",
    },
    "customer.arrears": {
        "en": "Your account has an outstanding balance.",
        "zh": "您的账户有未结清的款项。",
    },
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
        if text and text[lang] not in sentences:
            sentences.append(text[lang])
    return " ".join(sentences)
