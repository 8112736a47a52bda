"""``orderdesk demo``: a realistic demo data set, with the desks' own work over part of it."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable

from app.cli.common import EXIT_OK, _open, emit_json
from app.errors import InvalidInput
from app.i18n import N_, _
from app.i18n import Sentence as S


def cmd_demo(args: argparse.Namespace) -> int:
    from sqlalchemy import exc as sa_exc

    from app.database import administration_lock
    from app.demo import DemoAlreadyPresent
    from app.demo.desk_work import generate_demo_with_desk_work
    from app.errors import OwnerOnly

    if args.orders < 0:
        raise InvalidInput("--orders", args.orders, N_("a whole number of 0 or more"))
    database = _open(args)
    try:
        # One demo load at a time: a second `demo --if-empty` waits, then finds the data.
        # The data, then the desks' own services over a small part of it (imports, review,
        # desk actions), in one transaction: Ctrl-C or a kill keeps nothing.
        with administration_lock(database):
            result, desk_work = generate_demo_with_desk_work(
                database, orders=args.orders, seed=args.seed
            )
    except sa_exc.ProgrammingError as exc:
        # PostgreSQL's "permission denied" / "must be owner": a desk role may not move id
        # sequences or load data in bulk. Nothing was kept (the demo is one transaction).
        if getattr(exc.orig, "sqlstate", None) in ("42501",):
            raise OwnerOnly(database.description, S("loading the demo data")) from exc
        raise
    except DemoAlreadyPresent as exc:
        if args.if_empty:
            print(
                _("{database} already holds data; demo data not added.").format(
                    database=database.description
                )
            )
            return EXIT_OK
        raise exc
    finally:
        database.dispose()
    if args.json:
        emit_json({**dataclasses.asdict(result), "desk_work": desk_work})
        return EXIT_OK
    print(
        _(
            "Demo data in {database}: {orders} orders, {customers} customers, "
            "{products} products, {warehouses} warehouses."
        ).format(
            database=database.description,
            orders=result.orders,
            customers=result.customers,
            products=result.products,
            warehouses=result.warehouses,
        )
    )
    print(desk_work.as_text())
    print(_("Demo users (passwords are shown only now; reset with `orderdesk user passwd NAME`):"))
    for user in result.users:
        print(f"  {user.username:<12} {user.password:<20} {user.role}")
    return EXIT_OK


def register(commands: argparse._SubParsersAction, add_common: Callable[..., None]) -> None:
    demo = commands.add_parser("demo", help=_("fill the database with a realistic demo data set"))
    demo.add_argument("--orders", type=int, default=5000, help=_("how many orders (default 5000)"))
    demo.add_argument("--seed", type=int, default=1, help=_("random seed: same seed, same data"))
    demo.add_argument(
        "--if-empty", action="store_true", help=_("do nothing when the database already has data")
    )
    add_common(demo, json_flag=True)
    demo.set_defaults(func=cmd_demo)
