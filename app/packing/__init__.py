"""The packing station: open a picked shipment, verify its items by scan into parcels,
weigh, choose the package, print label and packing slip; the shipment becomes packed."""
