"""Per-workstation settings: declared once here with their defaults, stored through QSettings.

The settings object is created at start and passed to the windows that need it; nothing
reads QSettings behind the caller's back. Window geometry and table layouts are opaque
Qt blobs kept beside the declared settings, table layouts keyed by user so each person
keeps their own columns at a shared desk.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from app.config import data_dir

SETTINGS_FILE_NAME = "desk.ini"


@dataclass
class DeskSettings:
    """What a workstation remembers between runs, with the value it starts from."""

    last_username: str = ""
    language: str = ""  # the desk language of the last session (the login shows it); "" system
    search_delay_ms: int = 250  # typing pause before a search runs
    page_rows: int = 100  # rows a table fetches at a time
    cached_pages: int = 64  # pages a table keeps in memory
    shop_store_code: str = ""  # the store a shop-counter desk stands in, e.g. BER
    document_printer: str = ""  # the printer chosen for pick lists, slips, PDFs (remembered)
    label_printer_transport: str = "network"  # raw ZPL goes by "network" (port 9100) or "cups"
    label_printer_host: str = ""  # the label printer's address (network)
    label_printer_port: int = 9100
    label_printer_queue: str = ""  # the CUPS queue (cups)
    label_printer_dpi: int = 203  # 203 or 300
    label_printer_font: str = ""  # a CJK font stored on the printer (E:SIMSUN.TTF), if any
    station_idle_minutes: int = 5  # a station (badge login) logs out after this long idle


class SettingsStore:
    """Reads and writes ``DeskSettings`` and the layout blobs in one QSettings file."""

    def __init__(self, qsettings: QSettings) -> None:
        self._qsettings = qsettings

    @classmethod
    def for_workstation(cls, folder: Path | None = None) -> SettingsStore:
        # An INI file in the data folder rather than the registry or ~/.config: it moves
        # with ORDERDESK_DATA_DIR, so tests and benches never touch a real desk's settings.
        path = (folder or data_dir()) / SETTINGS_FILE_NAME
        return cls(QSettings(str(path), QSettings.Format.IniFormat))

    @property
    def path(self) -> str:
        return self._qsettings.fileName()

    def load(self) -> DeskSettings:
        values = {}
        defaults = DeskSettings()
        for field in fields(DeskSettings):
            default = getattr(defaults, field.name)
            stored = self._qsettings.value(f"desk/{field.name}", default)
            values[field.name] = _coerce(stored, default)
        return DeskSettings(**values)

    def save(self, settings: DeskSettings) -> None:
        for field in fields(DeskSettings):
            self._qsettings.setValue(f"desk/{field.name}", getattr(settings, field.name))
        self._qsettings.sync()

    def blob(self, key: str) -> QByteArray | None:
        value = self._qsettings.value(f"layout/{key}")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_blob(self, key: str, value: QByteArray) -> None:
        self._qsettings.setValue(f"layout/{key}", value)
        self._qsettings.sync()

    def user_blob(self, username: str, key: str) -> QByteArray | None:
        return self.blob(f"users/{username}/{key}")

    def set_user_blob(self, username: str, key: str, value: QByteArray) -> None:
        self.set_blob(f"users/{username}/{key}", value)


def _coerce(stored: object, default: object) -> object:
    """INI files give strings back; a value that does not parse falls back to the default."""
    if isinstance(default, bool):
        return stored if isinstance(stored, bool) else str(stored).lower() in {"1", "true", "yes"}
    if isinstance(default, int):
        try:
            return int(stored)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            return default
    return default if stored is None else str(stored)
