"""Matching, the pure step between reading and writing: what an order read from a file
will be stored as — its marketplace, its amounts (the channel's, or estimated from that
marketplace's price list) and its priority. No database, no Qt.

A channel that collects the money (Amazon) lists an order in its Unshipped Orders report
once it is paid, but the report has no prices. Such an order is priced from the price
list of its marketplace and marked ``estimated`` until the real amounts arrive (the
service desk's channel updates, later the settlement import). Without a price list, or
when a SKU is not on it, nothing is guessed: the amounts are ``unknown`` (0, currency
``XXX``) and screens say so instead of showing 0.00.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.formats.common import NO_CURRENCY, IncomingOrder

CHANNEL, ESTIMATED, UNKNOWN = "channel", "estimated", "unknown"
AMOUNTS_SOURCES = (CHANNEL, ESTIMATED, UNKNOWN)
# An order the channel says is about to ship late is picked before the others.
VERGE_OF_LATE_SHIPMENT_PRIORITY = 1

# The Amazon marketplace a buyer in a country buys on, when the account does not say.
MARKETPLACE_BY_COUNTRY = {
    "US": "US",
    "CA": "CA",
    "MX": "MX",
    "BR": "BR",
    "GB": "UK",
    "IE": "UK",
    "DE": "DE",
    "AT": "DE",
    "CH": "DE",
    "FR": "FR",
    "IT": "IT",
    "ES": "ES",
    "NL": "NL",
    "BE": "BE",
    "SE": "SE",
    "PL": "PL",
    "TR": "TR",
    "AE": "AE",
    "SA": "SA",
    "EG": "EG",
    "IN": "IN",
    "JP": "JP",
    "AU": "AU",
    "SG": "SG",
}


@dataclass(frozen=True)
class PriceListFacts:
    marketplace: str
    currency: str
    unit_prices: Mapping[str, int]  # SKU → price of one unit, in minor units


@dataclass(frozen=True)
class Amounts:
    """The money an order is stored with, and where it comes from."""

    source: str
    currency: str
    line_totals: tuple[int, ...]
    subtotal: int
    shipping: int
    tax: int
    discount: int
    total: int

    def unit_price(self, index: int, quantity: int) -> int:
        # Display only: the line total is what is charged; half a cent rounds up.
        return (self.line_totals[index] + quantity // 2) // quantity


def needs_price_list(order: IncomingOrder) -> bool:
    """The file said nothing about money (Amazon's Unshipped Orders report)."""
    return order.currency == NO_CURRENCY


def marketplace_for(order: IncomingOrder, accounts: Mapping[str, str]) -> str | None:
    """The account's marketplace when configured, else the buyer's (from the ship-to)."""
    return accounts.get(order.channel) or MARKETPLACE_BY_COUNTRY.get(order.ship_to.country_code)


def amounts_for(order: IncomingOrder, price_list: PriceListFacts | None) -> Amounts:
    if not needs_price_list(order):
        return Amounts(
            CHANNEL,
            order.currency,
            tuple(line.line_total_minor for line in order.lines),
            order.subtotal_minor,
            order.shipping_minor,
            order.tax_minor,
            order.discount_minor,
            order.total_minor,
        )
    prices = price_list.unit_prices if price_list is not None else {}
    if price_list is None or any(line.sku not in prices for line in order.lines):
        zeros = tuple(0 for _ in order.lines)
        return Amounts(UNKNOWN, NO_CURRENCY, zeros, 0, 0, 0, 0, 0)
    # A price list holds what the customer pays, tax included; shipping is not known.
    totals = tuple(prices[line.sku] * line.quantity for line in order.lines)
    subtotal = sum(totals)
    return Amounts(ESTIMATED, price_list.currency, totals, subtotal, 0, 0, 0, subtotal)


def priority_of(order: IncomingOrder) -> int:
    return VERGE_OF_LATE_SHIPMENT_PRIORITY if order.verge_of_late_shipment else 0
