"""Pure decisions of order changes: may this order be cancelled or readdressed by us now,
and is a new address complete. No database, no Qt."""

from __future__ import annotations

from collections.abc import Iterable

from app.address import PostalAddress
from app.i18n import N_
from app.review.rules import CITY_OPTIONAL, REGION_REQUIRED, is_known_country

CHANNELS_THAT_OWN_THE_ADDRESS = frozenset({"amazon"})  # the buyer changes it there
_GONE = frozenset({"shipped", "in_transit", "out_for_delivery", "delivered", "delayed", "lost",
                   "damaged", "returned"})  # fmt: skip
_ORDER_BEFORE_SHIPMENT = frozenset({"received", "needs_info", "stock_short", "payment_problem",
                                    "on_hold", "approved", "allocated"})  # fmt: skip


def why_not_cancel(order_status: str, shipment_statuses: Iterable[str]) -> str:
    """ "" when we may cancel now; else why not (N_-marked)."""
    if order_status == "cancelled":
        return N_("it is cancelled already")
    if order_status not in _ORDER_BEFORE_SHIPMENT or any(s in _GONE for s in shipment_statuses):
        return N_("it has left the warehouse: offer a return instead")
    return ""


def why_not_readdress(channel: str, order_status: str, shipment_statuses: Iterable[str]) -> str:
    if channel in CHANNELS_THAT_OWN_THE_ADDRESS:
        return N_("the buyer changes the address on the marketplace (or the order is cancelled)")
    return why_not_cancel(order_status, shipment_statuses)


def cleaned_address(address: PostalAddress) -> PostalAddress:
    """A typed address tidied: runs of spaces made one, postal and country codes upper case."""

    def tidy(text: str | None) -> str:
        return " ".join((text or "").split())

    return PostalAddress(
        recipient=tidy(address.recipient), line1=tidy(address.line1),
        line2=tidy(address.line2), line3=tidy(address.line3), city=tidy(address.city),
        region=tidy(address.region), postal_code=tidy(address.postal_code).upper(),
        country_code=tidy(address.country_code).upper(), phone=tidy(address.phone),
        company=tidy(address.company),
    )  # fmt: skip


def address_problems(address: PostalAddress) -> list[tuple[str, str]]:
    """Every problem of a typed address at once, as (field, what is expected)."""
    problems = []
    if not address.recipient:
        problems.append(("name", N_("the recipient's name")))
    if not address.line1:
        problems.append(("line1", N_("a street and house number")))
    if not is_known_country(address.country_code):
        problems.append(("country", N_("a two-letter country code such as TW or DE")))
    if not address.city and address.country_code not in CITY_OPTIONAL:
        problems.append(("city", N_("the city")))
    if not address.region and address.country_code in REGION_REQUIRED:
        problems.append(("region", N_("the state or province")))
    if not address.postal_code and address.country_code not in CITY_OPTIONAL:
        problems.append(("postal_code", N_("the postal code")))
    return problems
