"""Address blocks in the order the destination's post reads them.

China, Japan, Korea, Taiwan and Hong Kong addresses written in their own script go from the
largest place to the smallest (postal code, region, city, street, then the name); elsewhere
the name comes first and the city line follows local habit. A parcel crossing a border ends
with the destination country in capitals.
"""

from __future__ import annotations

import re

from app.address import PostalAddress

_EAST_ASIAN = {"CN", "JP", "KR", "TW", "HK", "MO"}
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_CITY_REGION_POSTAL = {"US", "CA", "AU"}
_POSTAL_AFTER_CITY = {"GB", "IE"}
COUNTRY_NAMES = {
    "AT": "AUSTRIA",
    "AU": "AUSTRALIA",
    "BE": "BELGIUM",
    "CA": "CANADA",
    "CH": "SWITZERLAND",
    "CN": "CHINA",
    "CZ": "CZECHIA",
    "DE": "GERMANY",
    "DK": "DENMARK",
    "ES": "SPAIN",
    "FI": "FINLAND",
    "FR": "FRANCE",
    "GB": "UNITED KINGDOM",
    "HK": "HONG KONG",
    "IE": "IRELAND",
    "IT": "ITALY",
    "JP": "JAPAN",
    "KR": "KOREA, REPUBLIC OF",
    "NL": "NETHERLANDS",
    "NO": "NORWAY",
    "PL": "POLAND",
    "PT": "PORTUGAL",
    "SE": "SWEDEN",
    "SG": "SINGAPORE",
    "TW": "TAIWAN",
    "US": "UNITED STATES",
}


def country_name(code: str) -> str:
    return COUNTRY_NAMES.get(code.upper(), code.upper())


def is_east_asian_script(address: PostalAddress) -> bool:
    if address.country_code.upper() not in _EAST_ASIAN:
        return False  # most parcels: no need to look at the text
    text = "".join((address.recipient, address.city, address.region, *address.lines))
    return bool(_CJK.search(text))


def address_lines(address: PostalAddress, *, home_country: str | None = None) -> list[str]:
    """The lines of the address block; the country line only when it leaves
    ``home_country`` (or always, when no home country is given)."""
    country = address.country_code.upper()
    lines: list[str] = []
    if country in _EAST_ASIAN and is_east_asian_script(address):
        if address.postal_code:
            lines.append(("〒" if country == "JP" else "") + address.postal_code)
        place = "".join(part for part in (address.region, address.city) if part)
        street = "".join(address.lines)
        if place or street:
            lines.append(place + street if len(place + street) <= 24 else place)
            if len(place + street) > 24 and street:
                lines.append(street)
        if address.company:
            lines.append(address.company)
        lines.append(address.recipient + (" 様" if country == "JP" else ""))
    else:
        lines.append(address.recipient)
        if address.company:
            lines.append(address.company)
        # the street lines that hold something (``address.lines``, without its generator)
        lines += [line for line in (address.line1, address.line2, address.line3) if line]
        if country in _CITY_REGION_POSTAL:
            region = f" {address.region}" if address.region else ""
            lines.append(f"{address.city},{region} {address.postal_code}".strip(", "))
        elif country in _POSTAL_AFTER_CITY:
            lines.append(address.city)
            if address.postal_code:
                lines.append(address.postal_code)
        else:
            lines.append(f"{address.postal_code} {address.city}".strip())
            if address.region:
                lines.append(address.region)
    if address.phone:
        lines.append(address.phone)
    if country and (home_country is None or country != home_country.upper()):
        lines.append(country_name(country))
    return [line for line in lines if line.strip()]
