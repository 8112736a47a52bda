"""Refunds: customer service asks, finance approves or rejects and pays; an order never
gives back more than was paid, enforced by the service and by the database."""
