"""Why we cancel, in our words and in Amazon's codes (kept import-light: the CLI's parser
reads them while the desk starts)."""

from __future__ import annotations

from app.i18n import N_

# Amazon's cancellation reason codes (the order-cancellation upload file), from ours.
AMAZON_CANCEL_REASONS = {
    "customer_request": "BuyerCanceled",
    "no_stock": "NoInventory",
    "address_undeliverable": "ShippingAddressUndeliverable",
    "risk": "RiskAssessmentInformationNotValid",
    "other": "GeneralAdjustment",
}
CANCEL_REASON_WORDS = {
    "customer_request": N_("the customer asked"),
    "no_stock": N_("out of stock"),
    "address_undeliverable": N_("the address cannot be delivered to"),
    "risk": N_("payment or fraud risk"),
    "other": N_("other"),
}
