"""Carrier tracking: events read from carriers' files (or an adapter), attached to parcels by
tracking number, and the shipment status that follows from them."""
