"""Customers written through the ORM (the shop counter, desks, tests) get their search keys.

Bulk writers (intake, the demo) call ``customer_search_keys`` themselves and put the keys
in their INSERT rows; this listener covers every ORM insert and any change of name,
e-mail or phone, so no writer can forget them. Registered when ``app.database`` is
imported, i.e. before any database is opened.
"""

from __future__ import annotations

from sqlalchemy import event

from app.search.keys import customer_search_keys
from db.models import Customer


def _fill_keys(_mapper, _connection, customer: Customer) -> None:
    keys = customer_search_keys(customer.name, customer.email, customer.phone)
    customer.search_text = keys.search_text
    customer.search_phone = keys.search_phone


event.listen(Customer, "before_insert", _fill_keys)
event.listen(Customer, "before_update", _fill_keys)
