"""The carriers and services a new database starts with (migration 0017_shipping seeds
them; a supervisor edits the tables after that). Plain data, no database.

``amazon_code`` is Amazon's carrier code for the shipping confirmation (None → ``Other``
plus the carrier's name). Thresholds are in ``THRESHOLD_CURRENCY`` cents.
"""

from __future__ import annotations

THRESHOLD_CURRENCY = "EUR"

# code, name, amazon code, issues its own labels
CARRIERS: tuple[tuple[str, str, str | None, bool], ...] = (
    ("own_fleet", "Own fleet", None, False),
    ("ups", "UPS", "UPS", True),
    ("fedex", "FedEx", "FedEx", True),
    ("dhl_express", "DHL Express", "DHL", True),
    ("usps", "USPS", "USPS", False),
    ("sf_express", "SF Express", "SF Express", False),
)

CARRIER_NAMES: dict[str, str] = {code: name for code, name, _amazon, _issues in CARRIERS}

_GREATER_CHINA = ("CN", "HK", "MO", "TW")

# carrier, code, name, level, ship method (as channels name it), max weight g,
# countries (None = anywhere), signature above cents, insurance above cents, transit days,
# silent hours, rank (lower preferred)
SERVICES: tuple[tuple, ...] = (
    ("own_fleet", "local", "Own fleet local", "standard", "Standard", 30_000,
     ("DE",), 50_000, 100_000, 1, 24, 10),
    ("own_fleet", "same_day", "Own fleet same day", "next_day", "NextDay", 30_000,
     ("DE",), 50_000, 100_000, 1, 12, 10),
    ("ups", "standard", "UPS Standard", "standard", "Standard", 70_000,
     None, 25_000, 50_000, 4, 72, 30),
    ("ups", "express_saver", "UPS Express Saver", "expedited", "Expedited", 70_000,
     None, 25_000, 50_000, 2, 48, 30),
    ("ups", "express", "UPS Express", "next_day", "NextDay", 70_000,
     None, 25_000, 50_000, 1, 24, 40),
    ("fedex", "economy", "FedEx International Economy", "standard", "Standard", 68_000,
     None, 25_000, 50_000, 5, 72, 40),
    ("fedex", "priority", "FedEx International Priority", "expedited", "Expedited", 68_000,
     None, 25_000, 50_000, 2, 48, 40),
    ("fedex", "priority_overnight", "FedEx Priority Overnight", "next_day", "NextDay", 68_000,
     None, 25_000, 50_000, 1, 24, 50),
    ("dhl_express", "worldwide", "DHL Express Worldwide", "expedited", "Expedited", 70_000,
     None, 25_000, 50_000, 3, 48, 20),
    ("dhl_express", "nine", "DHL Express 9:00", "next_day", "NextDay", 70_000,
     None, 25_000, 50_000, 1, 24, 20),
    ("usps", "ground_advantage", "USPS Ground Advantage", "standard", "Standard", 31_750,
     ("US", "PR"), 30_000, 50_000, 5, 96, 15),
    ("usps", "priority", "USPS Priority Mail", "expedited", "Expedited", 31_750,
     ("US", "PR"), 30_000, 50_000, 3, 72, 15),
    ("usps", "priority_express", "USPS Priority Mail Express", "next_day", "NextDay", 31_750,
     ("US", "PR"), 30_000, 50_000, 1, 24, 15),
    ("sf_express", "standard", "SF Express Standard", "standard", "Standard", 50_000,
     _GREATER_CHINA, 30_000, 50_000, 3, 72, 10),
    ("sf_express", "express", "SF Express Next Morning", "next_day", "NextDay", 30_000,
     _GREATER_CHINA, 30_000, 50_000, 1, 24, 10),
)  # fmt: skip

SERVICE_FIELDS = (
    "carrier",
    "code",
    "name",
    "level",
    "ship_method",
    "max_weight_g",
    "countries",
    "signature_above_cents",
    "insurance_above_cents",
    "transit_days",
    "silent_hours",
    "rank",
)


def service_rows() -> list[dict]:
    return [dict(zip(SERVICE_FIELDS, row, strict=True)) for row in SERVICES]
