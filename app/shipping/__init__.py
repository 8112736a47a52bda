"""Shipping (issue 12): carriers and services, carrier choice and tracking numbers (pure),
hand-over scans, manifests and the channels' shipping confirmations."""
