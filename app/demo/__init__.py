"""The demo data set (``orderdesk demo``): data tables, life paths, the row builder and the
bulk writer (``generate_demo``), then the desks' own services over part of it (desk work).

``app.demo.generate`` says what the data set holds and how it is written fast;
``app.demo.desk_work`` what the desks' services add. Stock and picking stages live in
``app.demo.stock`` and ``app.demo.picking`` with their capabilities.
"""

from app.demo.generate import (
    DemoAlreadyPresent,
    DemoResult,
    DemoUser,
    bench_demo,
    demo_reference_time,
    generate_demo,
)
from app.demo.paths import plan_orders, received_times
from app.demo.tables import PROBLEM_KINDS, ean13_check_digit, is_valid_ean13

__all__ = [
    "PROBLEM_KINDS",
    "DemoAlreadyPresent",
    "DemoResult",
    "DemoUser",
    "bench_demo",
    "demo_reference_time",
    "ean13_check_digit",
    "generate_demo",
    "is_valid_ean13",
    "plan_orders",
    "received_times",
]
