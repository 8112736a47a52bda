"""Grab the desk's windows to PNG, offscreen: ``python -m ui.screenshots --db URL OUT_DIR``.

For looking at what a change did to the screens (clipped text, boxes instead of Chinese,
cramped layouts) and for the README's picture. Reads only; the database should hold the
demo data set (``orderdesk demo``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path, help="folder for the PNG files")
    parser.add_argument("--db", required=True, metavar="URL")
    parser.add_argument("--search", default="", help="text typed into the search field")
    parser.add_argument("--status", default=None, help="status filter, e.g. shipped")
    parser.add_argument("--channel", default=None, help="channel filter, e.g. shop")
    parser.add_argument("--row", type=int, default=0, help="which row of the list to select")
    parser.add_argument("--language", default="en", help="desk language: zh_TW, zh_CN, en")
    parser.add_argument("--size", default="1440x860", help="window size, e.g. 1280x800")
    parser.add_argument(
        "--role", default="customer_service", help="whose desks: customer_service, supervisor …"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtWidgets import QApplication

    from app.database import open_database
    from app.permissions import Actor, Role
    from ui.desk_screen import DeskContext
    from ui.language import apply_language
    from ui.login import LoginDialog
    from ui.main_window import MainWindow
    from ui.settings import DeskSettings, SettingsStore
    from ui.style import apply_look
    from ui.tasks import TaskRunner

    app = QApplication(sys.argv[:1])
    apply_look(app)
    apply_language(args.language)
    size = tuple(int(part) for part in args.size.split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    database = open_database(args.db)
    try:
        login = LoginDialog(database, "mei")
        login.show()
        app.processEvents()
        login.grab().save(str(args.out / "login.png"))
        login.close()

        actor = Actor(None, "mei", frozenset({Role(args.role).value}), "Li Mei")
        with tempfile.TemporaryDirectory() as folder:
            store = SettingsStore.for_workstation(Path(folder))
            context = DeskContext(database, actor, DeskSettings(), store, TaskRunner())
            window = MainWindow(context)
            window.resize(*size)
            window.show()
            app.processEvents()
            window.grab().save(str(args.out / "main_window.png"))
            orders = window.screen("orders")
            orders.search_edit.setText(args.search)
            for combo, value in (
                (orders.status_combo, args.status),
                (orders.channel_combo, args.channel),
            ):
                combo.setCurrentIndex(max(combo.findData(value), 0))
            orders.apply_filter()
            orders.focus_list()
            orders.select_row(args.row)
            app.processEvents()
            window.grab().save(str(args.out / "orders_selected.png"))
            names = ["login.png", "main_window.png", "orders_selected.png"]
            for key in window.desk_keys[1:]:
                window.switch_to(key)
                app.processEvents()
                names.append(f"desk_{key}.png")
                window.grab().save(str(args.out / names[-1]))
            window.close()
    finally:
        database.dispose()
    for name in names:
        print(args.out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
