"""Allocation and picking (issue 11): reservations, shipments per warehouse, pick lists,
scanning. ``plan.py`` decides, ``service.py`` / ``lists.py`` act, ``queries.py`` reads."""
