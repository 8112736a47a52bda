"""One postal address type for every capability: what a file brought (formats), what review
checks, what the shop counter's form sends, what a label prints.

``PostalAddress`` is plain data with the parts a parcel and an order need, in the
person's own script; each capability reads the parts it uses. It holds personal data, so
its ``repr`` shows none of it (it may end up in a log or a traceback).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, repr=False)
class PostalAddress:
    """A postal address as the person wrote it (Latin, Chinese, Japanese …).

    Empty text means "not given". ``country_code`` is ISO 3166-1 alpha-2 once a reader or
    a form has checked it; review also sees it as the channel sent it.
    """

    recipient: str = ""
    line1: str = ""  # street and number
    line2: str = ""  # building, floor …
    line3: str = ""  # district …
    city: str = ""
    region: str = ""  # state, province, prefecture
    postal_code: str = ""
    country_code: str = ""
    phone: str = ""
    company: str = ""

    @property
    def lines(self) -> tuple[str, ...]:
        """The street lines that hold something, in order."""
        return tuple(line for line in (self.line1, self.line2, self.line3) if line)

    def __repr__(self) -> str:  # free text: could hold anything a person typed
        return "PostalAddress(…)"


def order_address(order) -> PostalAddress:
    """An order's ship-to as stored (its ``ship_*`` columns; empty parts as empty text),
    from a loaded order, a row with those columns, or a mapping of them."""
    column = order.get if isinstance(order, Mapping) else lambda name: getattr(order, name)
    return PostalAddress(
        recipient=column("ship_name") or "",
        line1=column("ship_line1") or "",
        line2=column("ship_line2") or "",
        line3=column("ship_line3") or "",
        city=column("ship_city") or "",
        region=column("ship_region") or "",
        postal_code=column("ship_postal_code") or "",
        country_code=column("ship_country") or "",
        phone=column("ship_phone") or "",
    )
