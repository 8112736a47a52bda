"""The main window: one entry per desk the role may use; who and where in the status bar."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from app import __version__
from app.auth import saved_language
from app.auth import set_language as set_user_language
from app.i18n import DESK_LANGUAGES, N_, _, choose_language, current_language, language_name
from app.permissions import Actor
from ui.actions import make_action, retitle
from ui.desk_screen import DeskContext, DeskScreen
from ui.desks import DESKS, Desk, desks_for
from ui.errors import user_action
from ui.language import apply_language
from ui.style import SPACE_M

log = logging.getLogger("orderdesk.ui")

GEOMETRY_KEY = "main_window/geometry"

_ROLE_TEXT = {
    "customer_service": N_("Customer service"),
    "warehouse": N_("Warehouse"),
    "finance": N_("Finance"),
    "supervisor": N_("Supervisor"),
    "admin": N_("Administrator"),
}


def role_text(role: str) -> str:
    source = _ROLE_TEXT.get(role)
    return _(source) if source else role


class MainWindow(QMainWindow):
    """Desks in a stack; switching desks swaps the visible screen and its menu."""

    closed = Signal()

    def __init__(
        self, context: DeskContext, desks: Sequence[Desk] = DESKS, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._desks = desks_for(context.actor, desks)
        self._screens: dict[str, DeskScreen] = {}
        self._desk_menus: dict[str, QMenu] = {}
        self._desk_actions: dict[str, QAction] = {}
        self.logged_out = False
        self.current_desk: str | None = None

        self.setWindowTitle(_("orderdesk"))
        self._stack = QStackedWidget()
        self.setCentralWidget(self._stack)
        self._build_menus()
        self._build_status_bar()
        self._restore_geometry()
        self._no_desk: QLabel | None = None
        # The language saved with the user (ui.main applied it before opening the window).
        self.saved_language = saved_language(context.database.unit_of_work(), context.actor)
        if self._desks:
            self.switch_to(self._desks[0].key)
        else:
            self._no_desk = self._no_desk_label()
            self._stack.addWidget(self._no_desk)
        self._say_if_language_set_aside()

    # ----------------------------------------------------------------- building

    def _build_menus(self) -> None:
        self.file_menu = file_menu = self.menuBar().addMenu(_("&File"))
        self.logout_action = self._action(_("&Log out"), "Ctrl+Shift+L", self.log_out)
        self.quit_action = self._action(_("&Quit"), QKeySequence.StandardKey.Quit, self.close)
        # Ctrl+Q on every platform: the desk staff's habit, whatever the OS default is.
        self.quit_action.setShortcuts([QKeySequence("Ctrl+Q")])
        file_menu.addAction(self.logout_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        self.desk_menu = desk_menu = self.menuBar().addMenu(_("&Desk"))
        self.desk_bar = QToolBar(_("Desks"))
        self.desk_bar.setObjectName("deskBar")
        self.desk_bar.setMovable(False)
        self.desk_bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.desk_bar)
        group = QActionGroup(self)
        group.setExclusive(True)
        for desk in self._desks:
            action = self._action(desk.label(), desk.shortcut, self._switcher(desk.key))
            action.setCheckable(True)
            group.addAction(action)
            desk_menu.addAction(action)
            self.desk_bar.addAction(action)
            self._desk_actions[desk.key] = action

        self._build_language_menu()

        self.help_menu = help_menu = self.menuBar().addMenu(_("&Help"))
        self.about_action = self._action(_("&About orderdesk"), "F1", self.show_about)
        help_menu.addAction(self.about_action)
        for desk in self._desks:
            # Each desk's own menu sits before Help, shown only while the desk is.
            menu = QMenu(desk.label(), self)
            self.menuBar().insertMenu(help_menu.menuAction(), menu)
            menu.menuAction().setVisible(False)
            self._desk_menus[desk.key] = menu

    def _build_language_menu(self) -> None:
        # Each language is named in itself, so a person lost in another one finds their own.
        self.language_menu = self.menuBar().addMenu(_("&Language"))
        self.language_menu.setObjectName("languageMenu")
        group = QActionGroup(self)
        group.setExclusive(True)
        self.language_actions: dict[str, QAction] = {}
        for language in DESK_LANGUAGES:
            action = QAction(language_name(language), self)
            action.setCheckable(True)
            action.setChecked(language == current_language())
            action.setData(language)
            action.triggered.connect(lambda _checked=False, lang=language: self.set_language(lang))
            group.addAction(action)
            self.language_menu.addAction(action)
            self.language_actions[language] = action

    def _switcher(self, key: str):
        return lambda: self.switch_to(key)

    def _action(self, text: str, shortcut, slot) -> QAction:
        return make_action(self, text, shortcut, slot)

    def _build_status_bar(self) -> None:
        actor = self._context.actor
        self.user_label = QLabel(user_text(actor))
        self.user_label.setObjectName("statusUser")
        self.database_label = QLabel(
            _("Database: {database}").format(database=self._context.database.description)
        )
        self.database_label.setObjectName("statusDatabase")
        self.database_label.setToolTip(self._context.database.description)
        for label in (self.user_label, self.database_label):
            label.setContentsMargins(SPACE_M, 0, SPACE_M, 0)
        self.statusBar().addWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.database_label)

    def _no_desk_label(self) -> QLabel:
        label = QLabel(_("Your role has no desk in this version. Ask an administrator."))
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return label

    # ----------------------------------------------------------------- desks

    @property
    def desk_keys(self) -> list[str]:
        return [desk.key for desk in self._desks]

    def screen(self, key: str) -> DeskScreen | None:
        return self._screens.get(key)

    def switch_to(self, key: str) -> None:
        desk = next(d for d in self._desks if d.key == key)
        screen = self._screens.get(key)
        if screen is None:
            screen = desk.factory(self._context)
            self._screens[key] = screen
            self._stack.addWidget(screen)
            self._desk_menus[key].addActions(screen.desk_actions())
        self._stack.setCurrentWidget(screen)
        for other, menu in self._desk_menus.items():
            menu.menuAction().setVisible(other == key)
        self._desk_actions[key].setChecked(True)
        self.current_desk = key
        self.setWindowTitle(_("{desk} — orderdesk").format(desk=desk.label()))
        screen.focus_primary()

    # ----------------------------------------------------------------- language

    def set_language(self, language: str) -> None:
        """Show the desk in ``language`` now and save it with the user; desks keep their state."""
        context = self._context
        with user_action(self):
            set_user_language(
                context.database.unit_of_work(), context.actor, context.actor.username, language
            )
            chosen = apply_language(language)
            context.settings.language = chosen
            context.store.save(context.settings)
            self.retranslate()

    def retranslate(self) -> None:
        """Every text of the window and of each open desk again, in the current language."""
        retitle(self.logout_action, _("&Log out"))
        retitle(self.quit_action, _("&Quit"))
        retitle(self.about_action, _("&About orderdesk"))
        self.file_menu.setTitle(_("&File"))
        self.desk_menu.setTitle(_("&Desk"))
        self.help_menu.setTitle(_("&Help"))
        self.language_menu.setTitle(_("&Language"))
        self.desk_bar.setWindowTitle(_("Desks"))
        for language, action in self.language_actions.items():
            action.setChecked(language == current_language())
        for desk in self._desks:
            retitle(self._desk_actions[desk.key], desk.label())
            self._desk_menus[desk.key].setTitle(desk.label())
        self.user_label.setText(user_text(self._context.actor))
        self.database_label.setText(
            _("Database: {database}").format(database=self._context.database.description)
        )
        if self._no_desk is not None:
            self._no_desk.setText(_("Your role has no desk in this version. Ask an administrator."))
        for key in list(self._screens):
            self._retranslate_desk(key)
        if self.current_desk is not None:
            desk = next(d for d in self._desks if d.key == self.current_desk)
            self.setWindowTitle(_("{desk} — orderdesk").format(desk=desk.label()))

    def _retranslate_desk(self, key: str) -> None:
        screen = self._screens[key]
        if screen.retranslate():
            return
        # A desk that cannot retranslate itself is opened again; it says so, once.
        if key == self.current_desk:
            self._reopen(key)
            self.statusBar().showMessage(
                _("The {desk} desk was opened again in the new language.").format(
                    desk=next(d for d in self._desks if d.key == key).label()
                ),
                10_000,
            )
        else:
            self._drop_screen(key)

    def _drop_screen(self, key: str) -> None:
        screen = self._screens.pop(key)
        screen.save_layout()
        self._desk_menus[key].clear()
        self._stack.removeWidget(screen)
        screen.deleteLater()

    def _reopen(self, key: str) -> None:
        self._drop_screen(key)
        self.current_desk = None
        self.switch_to(key)

    def _say_if_language_set_aside(self) -> None:
        saved = self.saved_language
        if saved and choose_language(saved)[1]:
            log.warning("saved language %r is not available; using the system's", saved)
            text = _("Your saved language “{saved}” is not available here; showing {language}.")
            self.statusBar().showMessage(
                text.format(saved=saved, language=language_name(current_language())), 15_000
            )

    # ----------------------------------------------------------------- commands

    def log_out(self) -> None:
        self.logged_out = True
        self.close()

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            _("About orderdesk"),
            _(
                "<b>orderdesk {version}</b><br>Warehouse and customer-service desk.<br><br>"
                "Database: {database}<br>{user}"
            ).format(
                version=__version__,
                database=self._context.database.description,
                user=user_text(self._context.actor),
            ),
        )

    # ----------------------------------------------------------------- state

    def _restore_geometry(self) -> None:
        geometry = self._context.store.blob(GEOMETRY_KEY)
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 800)

    def closeEvent(self, event: QCloseEvent) -> None:
        for screen in self._screens.values():
            screen.save_layout()
        self._context.store.set_blob(GEOMETRY_KEY, self.saveGeometry())
        super().closeEvent(event)
        self.closed.emit()


def user_text(actor: Actor) -> str:
    roles = ", ".join(role_text(role) for role in sorted(actor.roles))
    name = f"{actor.full_name} ({actor.username})" if actor.full_name else actor.username
    return _("Signed in: {name} · {roles}").format(name=name, roles=roles)
