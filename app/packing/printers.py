"""Where the station's labels and slips go: a ZPL label printer (network or CUPS), a folder
of files, or any object with ``name``, ``label_format`` and ``send`` (the desk passes one
that prints PDFs through Qt). Declared here so the service never imports Qt."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from app.errors import PrintFailed
from app.i18n import _
from app.labels.zpl import ZplSettings
from app.printing.model import PrintReceipt, RawPrinterSettings
from app.printing.transports import send_raw


class LabelPrinter(Protocol):
    name: str
    label_format: str  # "pdf" or "zpl"

    def send(self, data: bytes, title: str) -> PrintReceipt:
        """Print ``data`` or raise ``PrintFailed`` saying why."""
        ...


@dataclass(frozen=True)
class RawLabelPrinter:
    settings: RawPrinterSettings
    zpl: ZplSettings = field(default_factory=ZplSettings)
    label_format: str = "zpl"

    @property
    def name(self) -> str:
        return self.settings.printer_name

    def send(self, data: bytes, title: str) -> PrintReceipt:
        return send_raw(self.settings, data, title=title)


@dataclass
class FolderPrinter:
    """Writes each job as a file (a station without a printer, the demo, the tests)."""

    folder: Path
    label_format: str = "pdf"
    sent: list[tuple[str, bytes]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.folder)

    def send(self, data: bytes, title: str) -> PrintReceipt:
        path = Path(self.folder) / f"{title}.{self.label_format}"
        try:
            Path(self.folder).mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        except OSError as error:
            raise PrintFailed(
                self.name,
                _("the file could not be written ({reason}).").format(
                    reason=error.strerror or error
                ),
            ) from error
        self.sent.append((title, data))
        return PrintReceipt(str(path), len(data))


@dataclass(frozen=True)
class StationPrinters:
    """The label printer and, when the slip goes elsewhere (A5 on the office printer),
    the slip printer; without one the slip prints 4×6 on a PDF label printer."""

    label: LabelPrinter
    slip: LabelPrinter | None = None
    zpl: ZplSettings = field(default_factory=ZplSettings)
