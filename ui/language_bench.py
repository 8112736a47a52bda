"""``orderdesk bench language-switch --n N``: switching the desk's language with every desk open.

The main window over ``n`` orders (demo data added to an empty database), every desk the
supervisor may use opened, an order selected; then the Language menu's three languages in
turn. Each figure is one switch: Qt's translations swapped, the user's choice saved, every
open desk retranslated (or reopened) and painted. Target: at most 1 s.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from app.bench import BenchResult, stopwatch
from app.database import open_database

SWITCH_TARGET_S = 1.0
BENCH_USER = "bench-language"


def bench_language_switch(n: int, url: str) -> list[BenchResult]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.auth import add_user, list_users
    from app.permissions import Actor, Role
    from ui.bench import BENCH_ACTOR, _ensure_orders
    from ui.desk_screen import DeskContext
    from ui.language import apply_language
    from ui.main_window import MainWindow
    from ui.settings import DeskSettings, SettingsStore
    from ui.style import apply_look
    from ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_look(app)  # type: ignore[arg-type]
    apply_language("en")
    database = open_database(url)
    results: list[BenchResult] = []
    try:
        _ensure_orders(database, n)
        users = {u.username: u for u in list_users(database.unit_of_work(), BENCH_ACTOR)}
        user = users.get(BENCH_USER) or add_user(
            database.unit_of_work(),
            BENCH_ACTOR,
            BENCH_USER,
            "bench language switch",
            [Role.SUPERVISOR.value],
        )
        actor = Actor(user.id, user.username, frozenset(user.roles))
        with tempfile.TemporaryDirectory(prefix="orderdesk-bench-") as folder:
            store = SettingsStore.for_workstation(Path(folder))
            context = DeskContext(database, actor, DeskSettings(), store, TaskRunner())
            window = MainWindow(context)
            window.resize(1280, 800)
            window.show()
            for key in window.desk_keys:
                window.switch_to(key)
                app.processEvents()
            window.switch_to("orders")
            window.screen("orders").select_row(0)  # type: ignore[union-attr]
            app.processEvents()
            for language in ("zh_TW", "zh_CN", "en"):
                with stopwatch() as elapsed:
                    window.set_language(language)
                    window.repaint()
                    app.processEvents()
                results.append(
                    BenchResult(
                        "language-switch",
                        n,
                        elapsed(),
                        database.dialect,
                        figure=f"to_{language}",
                        target_seconds=SWITCH_TARGET_S,
                    )
                )
            window.close()
    finally:
        apply_language("en")
        database.dispose()
    return results
