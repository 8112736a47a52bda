"""Live changes from other desks: one mechanism for every screen that shows shared data.

``LiveChanges(database)`` emits ``changed(topic)`` on the GUI thread after another desk
(or this one) commits a change. On PostgreSQL a thread holds its own connection and
``LISTEN``s on the channel that ``app.live.notify`` writes to, so a desk hears a change as it
is committed. On SQLite a timer asks a dedicated connection for ``PRAGMA data_version``
about once a second (microseconds: no table is read) and emits ``changed("*")`` when another
connection committed; every topic is then treated as changed. Screens connect to
``changed`` and reload what they show; they do not poll the database themselves.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from app.database import Database
from app.live import CHANNEL

log = logging.getLogger(__name__)

ANY = "*"
SQLITE_CHECK_MS = 1000


class LiveChanges(QObject):
    changed = Signal(str)  # a topic (app.live.ORDERS …) or ANY
    _heard = Signal(str)  # from the listening thread, re-emitted on the GUI thread

    def __init__(self, database: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._database = database
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._connection = None
        self._version: int | None = None
        self._timer = QTimer(self)
        self._heard.connect(self.changed, Qt.ConnectionType.QueuedConnection)
        if database.dialect == "postgresql":
            self._thread = threading.Thread(target=self._listen, name="live-changes", daemon=True)
            self._thread.start()
        else:
            self._timer.setInterval(SQLITE_CHECK_MS)
            self._timer.timeout.connect(self.check_now)
            self.check_now()  # the baseline now: a commit before the first tick is heard too
            self._timer.start()

    # --------------------------------------------------------------- SQLite

    def check_now(self) -> bool:
        """Ask SQLite whether another connection committed since the last look."""
        if self._database.dialect == "postgresql":
            return False
        try:
            if self._connection is None:
                self._connection = self._database.engine.raw_connection()
            cursor = self._connection.cursor()
            version = cursor.execute("PRAGMA data_version").fetchone()[0]
            cursor.close()
        except Exception as error:  # a desk keeps working without live updates
            log.warning("live changes: %s", error)
            return False
        changed = self._version is not None and version != self._version
        self._version = version
        if changed:
            self.changed.emit(ANY)
        return changed

    # --------------------------------------------------------------- PostgreSQL

    def _listen(self) -> None:
        import psycopg

        url = self._database.url.set(drivername="postgresql")
        dsn = url.render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    while not self._stop.is_set():
                        for note in connection.notifies(timeout=0.5):
                            self._heard.emit(note.payload or ANY)
            except Exception as error:  # reconnect after a dropped connection
                log.warning("live changes: %s", error)
                self._stop.wait(2.0)

    def stop(self) -> None:
        self._stop.set()
        self._timer.stop()
        if self._connection is not None:
            self._connection.close()
            self._connection = None
