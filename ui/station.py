"""Station mode for a dedicated packing PC: full screen, large type, log in by scanning a
staff badge, logged out after the workstation's idle time (``station_idle_minutes``).

The badge prompt has one scan field; a badge (its barcode carries a revocable token, see
``app.packing.station``) opens the packing station as its holder. Any key or click keeps
the session; after the idle time the station goes back to the badge prompt, so a packer
who walks away leaves nothing open in their name. ``python -m ui.station --db URL``.

The station has no menu bar, so its language switch is a row of buttons at the top, each
language named in itself. A switch applies at once, like the desk's Language menu: the
badge prompt and the packing screen say everything again in the new language and keep
what is on them (the shipment being packed, its scans). The packer's badge brings their
saved language, a switch while logged in is saved with them, and logging out goes back
to the workstation's language.
"""

from __future__ import annotations

import argparse
import sys

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.auth import saved_language
from app.auth import set_language as set_user_language
from app.database import Database
from app.errors import OrderdeskError
from app.i18n import (
    DESK_LANGUAGES,
    _,
    choose_language,
    current_language,
    language_name,
    system_language,
)
from app.packing.station import actor_for_badge, record_station_sign
from app.permissions import Actor, Permission
from ui.desk_screen import DeskContext
from ui.errors import error_text
from ui.language import apply_language
from ui.screens.packing import PackingScreen
from ui.settings import DeskSettings, SettingsStore
from ui.style import BAD, INFO, SPACE_M
from ui.tasks import TaskRunner
from ui.widgets.display import set_tone

STATION_FONT_SCALE = 1.35


class StationWindow(QWidget):
    def __init__(
        self,
        database: Database,
        settings: DeskSettings,
        store: SettingsStore,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("stationWindow")
        self._database = database
        self._settings = settings
        self._store = store
        self.actor: Actor | None = None
        self.packing: PackingScreen | None = None
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * STATION_FONT_SCALE)
        self.setFont(font)
        self.stack = QStackedWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACE_M, SPACE_M, SPACE_M, SPACE_M)
        layout.addLayout(self._language_bar())
        layout.addWidget(self.stack)
        self.stack.addWidget(self._badge_page())
        self.idle = QTimer(self)
        self.idle.setSingleShot(True)
        self.idle.timeout.connect(self.log_out)
        QApplication.instance().installEventFilter(self)

    def _language_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.addStretch(1)
        self.language_buttons: dict[str, QToolButton] = {}
        for language in DESK_LANGUAGES:
            button = QToolButton()
            button.setObjectName(f"stationLanguage_{language}")
            button.setText(language_name(language))  # named in itself: found by anyone
            button.setCheckable(True)
            button.setChecked(language == current_language())
            button.clicked.connect(lambda _on=False, lang=language: self.set_language(lang))
            bar.addWidget(button)
            self.language_buttons[language] = button
        return bar

    def _badge_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.addStretch(1)
        self.prompt = QLabel()
        self.prompt.setObjectName("badgePrompt")
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 2.2)
        big.setBold(True)
        self.prompt.setFont(big)
        set_tone(self.prompt, INFO)
        box.addWidget(self.prompt)
        self.badge_message = QLabel()
        self.badge_message.setObjectName("badgeMessage")
        self.badge_message.setWordWrap(True)
        self.badge_message.setMinimumHeight(self.fontMetrics().height() * 3)
        box.addWidget(self.badge_message)
        self.badge_edit = QLineEdit()
        self.badge_edit.setObjectName("badgeEdit")
        self.badge_edit.setEchoMode(QLineEdit.EchoMode.Password)  # the token is not for show
        self.badge_edit.returnPressed.connect(self._badge_scanned)
        box.addWidget(self.badge_edit)
        box.addStretch(2)
        self._set_texts()
        return page

    # ----------------------------------------------------------------- language

    def set_language(self, language: str) -> str:
        """The station in ``language`` now, everything on it kept; saved with the packer
        logged in, else as the workstation's language. Returns the language used."""
        chosen = apply_language(language)
        if self.actor is not None and self.actor.user_id is not None:
            try:
                set_user_language(
                    self._database.unit_of_work(), self.actor, self.actor.username, chosen
                )
            except OrderdeskError as error:  # the switch still holds for this session
                self.badge_message.setText(error_text(error))
        else:
            self._settings.language = chosen
            self._store.save(self._settings)
        self.retranslate()
        return chosen

    def retranslate(self) -> None:
        self._set_texts()
        if self.packing is not None:
            self.packing.retranslate()
            self.packing.focus_primary()
        else:
            self.badge_edit.setFocus()

    def _set_texts(self) -> None:
        self.setWindowTitle(_("Packing station"))
        self.prompt.setText(_("Packing station — scan your staff badge"))
        self.badge_edit.setPlaceholderText(_("Staff badge"))
        for language, button in self.language_buttons.items():
            button.setChecked(language == current_language())

    # ----------------------------------------------------------------- log in and out

    def _badge_scanned(self) -> None:
        code = self.badge_edit.text()
        self.badge_edit.clear()
        try:
            actor = actor_for_badge(self._database, code)
        except OrderdeskError as error:
            self._refuse(error_text(error))
            return
        if not actor.may(Permission.PICK_AND_PACK):
            self._refuse(_("{user} may not pack: ask a supervisor.").format(user=actor.username))
            return
        self._log(actor, "station_login")
        self.actor = actor
        own = choose_language(saved_language(self._database.unit_of_work(), actor))[0]
        if own != current_language():
            apply_language(own)
            self._set_texts()
        context = DeskContext(
            self._database, actor, self._settings, self._store, TaskRunner(synchronous=True)
        )
        self.packing = PackingScreen(context)
        self.stack.addWidget(self.packing)
        self.stack.setCurrentWidget(self.packing)
        self.packing.focus_primary()
        self._restart_idle()

    def log_out(self) -> None:
        """Back to the badge prompt; whatever the packer had open stays as saved."""
        if self.packing is None:
            return
        self._log(self.actor, "station_logout")
        self.stack.removeWidget(self.packing)
        self.packing.deleteLater()
        self.packing = None
        self.actor = None
        self.idle.stop()
        self.badge_message.clear()
        workstation = self._settings.language or system_language()
        if workstation != current_language():  # the next packer starts from the station's
            apply_language(workstation)
            self._set_texts()
        self.badge_edit.setFocus()

    def _refuse(self, text: str) -> None:
        self.badge_message.setText(f"{BAD.symbol} {text}")
        set_tone(self.badge_message, BAD)
        QApplication.beep()
        self.badge_edit.setFocus()

    def _log(self, actor: Actor | None, action: str) -> None:
        if actor is None or actor.user_id is None:
            return
        record_station_sign(self._database, actor, action)

    # ----------------------------------------------------------------- idle time

    def _restart_idle(self) -> None:
        if self.packing is not None:
            self.idle.start(max(1, self._settings.station_idle_minutes) * 60_000)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress):
            self._restart_idle()
        return False

    def closeEvent(self, event) -> None:
        QApplication.instance().removeEventFilter(self)
        self.log_out()
        super().closeEvent(event)


def run(db_url: str) -> int:
    """The station, full screen, on ``db_url`` (``orderdesk station``; ``python -m ui.station``).
    A database that cannot be used stops it with the desk's own message."""
    from ui.main import EXIT_CANNOT_START, _open
    from ui.style import apply_look

    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_look(app)  # type: ignore[arg-type]
    store = SettingsStore.for_workstation()
    settings = store.load()
    apply_language(settings.language or system_language())
    database = _open(db_url)
    if database is None:
        return EXIT_CANNOT_START
    window = StationWindow(database, settings, store)
    window.showFullScreen()
    window.badge_edit.setFocus()
    try:
        return app.exec()
    finally:
        database.dispose()


def main(argv: list[str] | None = None) -> int:
    """``python -m ui.station --db URL``: the station, full screen."""
    from app.config import resolve_database_url

    parser = argparse.ArgumentParser(prog="orderdesk-station")
    parser.add_argument("--db", default=None)
    args = parser.parse_args(argv)
    return run(resolve_database_url(args.db))


if __name__ == "__main__":
    sys.exit(main())
