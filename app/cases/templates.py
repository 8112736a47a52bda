"""Reply templates of the service desk, in the customer's language (zh_TW, zh_CN, en, de,
fr, es, it), whatever language the agent's desk shows. English source texts marked ``C_``
(the ``customer`` catalogue); values the agent does not have are left blank. Pure."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from app.i18n import C_, N_, customer_gettext, customer_language


class ReplyKind(StrEnum):
    DELAYED = "delayed"
    LOST = "lost"
    DAMAGED = "damaged"
    RESHIP = "reship"
    REFUND = "refund"
    REPLACEMENT = "replacement"
    ADDRESS_CHANGED = "address_changed"
    CANCELLED = "cancelled"


# What the agent picks from (the desk's language).
REPLY_WORDS = {
    ReplyKind.DELAYED: N_("Parcel delayed"),
    ReplyKind.LOST: N_("Parcel lost"),
    ReplyKind.DAMAGED: N_("Arrived damaged"),
    ReplyKind.RESHIP: N_("Sending a new parcel"),
    ReplyKind.REFUND: N_("Refund on its way"),
    ReplyKind.REPLACEMENT: N_("Replacement"),
    ReplyKind.ADDRESS_CHANGED: N_("Address changed"),
    ReplyKind.CANCELLED: N_("Order cancelled"),
}

_GREETING = C_("Dear {name},")
_SIGN_OFF = C_("Kind regards,\nCustomer service")
_TEMPLATES: dict[ReplyKind, tuple[str, str]] = {
    ReplyKind.DELAYED: (
        C_("Your order {order}: your parcel is delayed"),
        C_(
            "Your parcel {tracking} is taking longer than planned. We are following it with"
            " the carrier and will write again as soon as we know more."
        ),
    ),
    ReplyKind.LOST: (
        C_("Your order {order}: your parcel is lost"),
        C_(
            "We are sorry: the carrier has lost your parcel {tracking}. We will send you a "
            "new one at no charge, or refund you if you prefer. Please tell us which you "
            "would like."
        ),
    ),
    ReplyKind.DAMAGED: (
        C_("Your order {order}: damaged on arrival"),
        C_(
            "We are sorry your parcel arrived damaged. Please send us a photo of the item "
            "and the box; we will then send a replacement or refund you, as you prefer."
        ),
    ),
    ReplyKind.RESHIP: (
        C_("Your order {order}: a new parcel is on its way"),
        C_(
            "We have sent you a new parcel at no charge. You will receive its tracking "
            "number as soon as it leaves our warehouse."
        ),
    ),
    ReplyKind.REFUND: (
        C_("Your order {order}: your refund"),
        C_(
            "We are refunding {amount} to your original payment method. Depending on your "
            "bank it can take a few days to appear."
        ),
    ),
    ReplyKind.REPLACEMENT: (
        C_("Your order {order}: your replacement"),
        C_(
            "We are sending you a replacement. Please return the original item with the "
            "enclosed label; there is nothing to pay."
        ),
    ),
    ReplyKind.ADDRESS_CHANGED: (
        C_("Your order {order}: new delivery address"),
        C_(
            "We have changed the delivery address of your order as you asked. It will be "
            "sent to the new address."
        ),
    ),
    ReplyKind.CANCELLED: (
        C_("Your order {order} has been cancelled"),
        C_(
            "As you asked, we have cancelled your order. You will not be charged; any "
            "payment is refunded."
        ),
    ),
}


@dataclass(frozen=True)
class Reply:
    language: str
    subject: str
    body: str


def draft_reply(kind: ReplyKind, language: str | None, **values: str) -> Reply:
    """The template in the customer's language, filled with what is known."""
    lang = customer_language(language)
    known = defaultdict(str, {key: value for key, value in values.items() if value})

    def say(text: str) -> str:
        return customer_gettext(lang, text).format_map(known)

    subject, body = _TEMPLATES[kind]
    text = "\n\n".join((say(_GREETING), say(body), say(_SIGN_OFF)))
    return Reply(lang, say(subject), text)
