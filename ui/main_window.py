"""The main window: one entry per desk the role may use; who and where in the status bar."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
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
from app.permissions import Actor
from ui.actions import make_action
from ui.desks import DESKS, Desk, DeskContext, DeskScreen, desks_for
from ui.style import SPACE_M

GEOMETRY_KEY = "main_window/geometry"

_ROLE_TEXT = {
    "customer_service": QT_TRANSLATE_NOOP("Roles", "Customer service"),
    "warehouse": QT_TRANSLATE_NOOP("Roles", "Warehouse"),
    "finance": QT_TRANSLATE_NOOP("Roles", "Finance"),
    "supervisor": QT_TRANSLATE_NOOP("Roles", "Supervisor"),
    "admin": QT_TRANSLATE_NOOP("Roles", "Administrator"),
}


def role_text(role: str) -> str:
    source = _ROLE_TEXT.get(role)
    return QCoreApplication.translate("Roles", source) if source else role


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

        self.setWindowTitle(self.tr("orderdesk"))
        self._stack = QStackedWidget()
        self.setCentralWidget(self._stack)
        self._build_menus()
        self._build_status_bar()
        self._restore_geometry()
        if self._desks:
            self.switch_to(self._desks[0].key)
        else:
            self._stack.addWidget(self._no_desk_label())

    # ----------------------------------------------------------------- building

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        self.logout_action = self._action(self.tr("&Log out"), "Ctrl+Shift+L", self.log_out)
        self.quit_action = self._action(self.tr("&Quit"), QKeySequence.StandardKey.Quit, self.close)
        # Ctrl+Q on every platform: the desk staff's habit, whatever the OS default is.
        self.quit_action.setShortcuts([QKeySequence("Ctrl+Q")])
        file_menu.addAction(self.logout_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        desk_menu = self.menuBar().addMenu(self.tr("&Desk"))
        self.desk_bar = QToolBar(self.tr("Desks"))
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

        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        self.about_action = self._action(self.tr("&About orderdesk"), "F1", self.show_about)
        help_menu.addAction(self.about_action)
        for desk in self._desks:
            # Each desk's own menu sits before Help, shown only while the desk is.
            menu = QMenu(desk.label(), self)
            self.menuBar().insertMenu(help_menu.menuAction(), menu)
            menu.menuAction().setVisible(False)
            self._desk_menus[desk.key] = menu

    def _switcher(self, key: str):
        return lambda: self.switch_to(key)

    def _action(self, text: str, shortcut, slot) -> QAction:
        return make_action(self, text, shortcut, slot)

    def _build_status_bar(self) -> None:
        actor = self._context.actor
        self.user_label = QLabel(user_text(actor))
        self.user_label.setObjectName("statusUser")
        self.database_label = QLabel(
            self.tr("Database: {database}").format(database=self._context.database.description)
        )
        self.database_label.setObjectName("statusDatabase")
        self.database_label.setToolTip(self._context.database.description)
        for label in (self.user_label, self.database_label):
            label.setContentsMargins(SPACE_M, 0, SPACE_M, 0)
        self.statusBar().addWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.database_label)

    def _no_desk_label(self) -> QLabel:
        label = QLabel(self.tr("Your role has no desk in this version. Ask an administrator."))
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
        self.setWindowTitle(self.tr("{desk} — orderdesk").format(desk=desk.label()))
        screen.focus_primary()

    # ----------------------------------------------------------------- commands

    def log_out(self) -> None:
        self.logged_out = True
        self.close()

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About orderdesk"),
            self.tr(
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
    return QCoreApplication.translate("MainWindow", "Signed in: {name} · {roles}").format(
        name=name, roles=roles
    )
