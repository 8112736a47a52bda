"""The login dialog: who is at the desk, and against which database.

Mistakes are said inline under the fields (never a second dialog), and a throttled
account counts down until it may try again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.errors import AuthError, DatabaseError, LoginThrottled
from app.i18n import _, ngettext
from app.permissions import Actor
from ui.errors import error_text
from ui.style import BAD, MUTED, SPACE_L, SPACE_M, SPACE_XL, heading_font

if TYPE_CHECKING:
    from app.database import Database


class LoginDialog(QDialog):
    """Asks for a user name and password; ``actor`` is set once the login succeeded.

    At start-up the dialog shows before the database is open (``database=None``): the
    person reads it while the database layer loads, and ``set_database`` follows before
    any key typed meanwhile is handled.
    """

    def __init__(
        self, database: Database | None, username: str = "", parent: QWidget | None = None
    ):
        super().__init__(parent)
        self._database = database
        self.actor: Actor | None = None
        self._retry_in_s = 0
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._tick)

        self.setWindowTitle(_("Log in — orderdesk"))
        self.setMinimumWidth(420)
        self._build(username)

    # ----------------------------------------------------------------- layout

    def _build(self, username: str) -> None:
        title = QLabel(_("Log in to orderdesk"))
        title.setFont(heading_font(self.font()))

        self.username_edit = QLineEdit(username)
        self.username_edit.setObjectName("username")
        self.username_edit.setPlaceholderText(_("e.g. ada"))
        self.username_edit.setMaxLength(64)
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)

        form = QFormLayout()
        form.setSpacing(SPACE_M)
        form.addRow(_("&User name:"), self.username_edit)
        form.addRow(_("&Password:"), self.password_edit)

        self.error_label = QLabel()
        self.error_label.setObjectName("loginError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {BAD.foreground}; font-weight: bold;")
        self.error_label.hide()

        self.database_label = QLabel(_("Opening the database…"))
        self.database_label.setObjectName("loginDatabase")
        self.database_label.setWordWrap(True)
        self.database_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.database_label.setStyleSheet(f"color: {MUTED.foreground};")

        self.buttons = QDialogButtonBox()
        self.login_button = self.buttons.addButton(
            _("Log in"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.login_button.setDefault(True)
        self.login_button.setToolTip(_("Log in (Enter)"))
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setToolTip(_("Close orderdesk (Esc)"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACE_XL, SPACE_XL, SPACE_XL, SPACE_L)
        layout.setSpacing(SPACE_L)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.database_label)
        layout.addWidget(self.buttons)

        first = self.password_edit if username else self.username_edit
        first.setFocus()
        if self._database is not None:
            self.set_database(self._database)

    def set_database(self, database: Database) -> None:
        self._database = database
        self.database_label.setText(_("Database: {database}").format(database=database.description))

    # ----------------------------------------------------------------- actions

    def submit(self) -> None:
        if self._retry_in_s > 0:
            return
        username = self.username_edit.text().strip()
        password = self.password_edit.text()
        if not username:
            self._say(_("Enter your user name."), self.username_edit)
            return
        if not password:
            self._say(_("Enter your password."), self.password_edit)
            return
        # Imported here: the module hashes a dummy password at import, which is work the
        # dialog need not do before it is on screen.
        from app.auth import login

        assert self._database is not None, "set_database comes before any key is handled"
        try:
            self.actor = login(self._database.unit_of_work(), username, password)
        except LoginThrottled as error:
            self._start_countdown(error.retry_after_seconds)
            return
        except (AuthError, DatabaseError) as error:
            self._say(error_text(error), self.password_edit)
            return
        self.accept()

    def _say(self, message: str, focus: QLineEdit) -> None:
        self.error_label.setText("✕ " + message)
        self.error_label.show()
        if focus is self.password_edit:
            self.password_edit.clear()
        focus.setFocus()

    def _start_countdown(self, seconds: int) -> None:
        self._retry_in_s = seconds
        self.login_button.setEnabled(False)
        self._show_countdown()
        self._countdown.start()

    def _tick(self) -> None:
        self._retry_in_s -= 1
        if self._retry_in_s > 0:
            self._show_countdown()
            return
        self._countdown.stop()
        self.login_button.setEnabled(True)
        self.error_label.setText(_("You can try again now."))
        self.password_edit.setFocus()

    def _show_countdown(self) -> None:
        self._say(
            ngettext(
                "Too many failed attempts. Try again in {seconds} second.",
                "Too many failed attempts. Try again in {seconds} seconds.",
                self._retry_in_s,
            ).format(seconds=self._retry_in_s),
            self.password_edit,
        )

    @property
    def message(self) -> str:
        """The inline message as shown, empty when there is none."""
        return "" if self.error_label.isHidden() else self.error_label.text()
