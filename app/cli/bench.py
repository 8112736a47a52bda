"""``orderdesk bench NAME --n N``: one command for every benchmark in ``app.bench.BENCHES``."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from app.cli.common import EXIT_OK, emit_json
from app.errors import InvalidInput
from app.i18n import N_, _


def cmd_bench(args: argparse.Namespace) -> int:
    from app.bench import run_bench

    if args.n < 1:
        raise InvalidInput("--n", args.n, N_("a whole number of at least 1"))
    for result in run_bench(args.name, args.n, args.db):
        if args.json:
            emit_json(result.as_json())
        else:
            print(result.as_text())
    return EXIT_OK


def register(commands: argparse._SubParsersAction, add_common: Callable[..., None]) -> None:
    from app.bench import BENCHES

    bench = commands.add_parser("bench", help=_("measure a performance target"))
    bench.add_argument("name", choices=sorted(BENCHES), help=_("what to measure"))
    bench.add_argument("--n", type=int, required=True, help=_("size of the data"))
    add_common(bench, json_flag=True)
    bench.set_defaults(func=cmd_bench)
