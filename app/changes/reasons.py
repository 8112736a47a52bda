"""Why we cancel, in our words and in Amazon's codes (kept import-light: the CLI's parser
reads them while the desk starts)."""

from __future__ import annotations

# Amazon's cancellation reason codes (the order-cancellation upload file), from ours.
AMAZON_CANCEL_REASONS = {
    "customer_request": "BuyerCanceled",
    "no_stock": "NoInventory",
    "address_undeliverable": "ShippingAddressUndeliverable",
    "risk": "RiskAssessmentInformationNotValid",
    "other": "GeneralAdjustment",
}
