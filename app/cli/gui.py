"""``orderdesk gui`` (the default): hands over to the screens through ``ui.main.run``, the one
entry point into the UI, or says how to open the window where there is no screen.
``orderdesk station`` (also the ``orderdesk-station`` script) does the same for station mode,
the full-screen packing station logged into by badge (``ui.station.run``)."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable

from app.cli.common import EXIT_FAILED, EXIT_OK
from app.config import resolve_database_url
from app.i18n import _


def _has_screen() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform != "linux":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _this_command() -> str:
    """How this very command was started, so the advice works when pasted as written."""
    started = sys.argv[0] if sys.argv else ""
    if os.path.basename(started) == "orderdesk" and os.path.exists(started):
        command = os.path.relpath(started)
        return command if os.sep in command else f".{os.sep}{command}"
    return f"{os.path.relpath(sys.executable)} -m app"


def no_screen_message(subcommand: str = "gui") -> str:
    command = f"{_this_command()} {subcommand}"
    return _(
        "orderdesk: no screen here (DISPLAY is not set); open the window under Xvfb with "
        "`{xvfb}` or without one with `{offscreen}`."
    ).format(xvfb=f"xvfb-run -a {command}", offscreen=f"QT_QPA_PLATFORM=offscreen {command}")


def _open_screens(args: argparse.Namespace, subcommand: str, module: str) -> int:
    if not _has_screen():
        # `make run` on a server: the set-up is done, which is not a failure.
        print(no_screen_message(subcommand), file=sys.stderr)
        return EXIT_OK if getattr(args, "if_screen", False) else EXIT_FAILED
    # The composition root: only here does the business layer hand over to the screens.
    screens = importlib.import_module(module)
    return screens.run(resolve_database_url(args.db))


def cmd_gui(args: argparse.Namespace) -> int:
    return _open_screens(args, "gui", "ui.main")


def cmd_station(args: argparse.Namespace) -> int:
    return _open_screens(args, "station", "ui.station")


def station_main() -> int:
    """The ``orderdesk-station`` script: ``orderdesk station`` with the same options."""
    from app.cli import main

    return main(["station", *sys.argv[1:]])


def register(commands: argparse._SubParsersAction, add_common: Callable[..., None]) -> None:
    gui = commands.add_parser("gui", help=_("open the desk window (the default)"))
    gui.add_argument(
        "--if-screen",
        action="store_true",
        help=_("where there is no screen, say how to open the window and exit 0"),
    )
    add_common(gui)
    gui.set_defaults(func=cmd_gui)
    station = commands.add_parser(
        "station",
        help=_("open station mode: the packing station full screen, logged into by staff badge"),
    )
    station.add_argument(
        "--if-screen",
        action="store_true",
        help=_("where there is no screen, say how to open the window and exit 0"),
    )
    add_common(station)
    station.set_defaults(func=cmd_station)
