"""Printing PDFs through Qt (print dialog with the printer remembered per workstation, a
preview), and the label printer settings read from the desk's settings.

The PDF pages are rasterised with pypdfium2 at the printer's resolution (at most 600 dpi)
and painted on the QPrinter, so what prints is exactly what the PDF shows.
"""

from __future__ import annotations

import pypdfium2 as pdfium
from PySide6.QtCore import QMarginsF, QSizeF
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QWidget

from app.labels.zpl import ZplSettings
from app.printing.model import RawPrinterSettings, RawTransport
from ui.settings import DeskSettings, SettingsStore

MAX_RASTER_DPI = 600


def label_printer_settings(settings: DeskSettings) -> RawPrinterSettings:
    """The workstation's label printer; ``InvalidInput`` names the setting that is wrong."""
    return RawPrinterSettings(
        transport=RawTransport(settings.label_printer_transport),
        host=settings.label_printer_host,
        port=settings.label_printer_port,
        queue=settings.label_printer_queue,
    )


def label_zpl_settings(settings: DeskSettings) -> ZplSettings:
    return ZplSettings(
        dpi=settings.label_printer_dpi, stored_font=settings.label_printer_font or None
    )


def remembered_printer(settings: DeskSettings) -> str | None:
    """The printer chosen last time, when it is still installed."""
    name = settings.document_printer
    if name and name in QPrinterInfo.availablePrinterNames():
        return name
    return None


def paint_pdf(printer: QPrinter, pdf: bytes) -> int:
    """Paint every page of ``pdf`` on ``printer``, each at its own paper size. Returns the
    number of pages."""
    document = pdfium.PdfDocument(pdf)
    dpi = min(max(printer.resolution(), 150), MAX_RASTER_DPI)
    painter = QPainter()
    try:
        for index in range(len(document)):
            page = document[index]
            width_pt, height_pt = page.get_size()
            layout = QPageLayout(
                QPageSize(
                    QSizeF(width_pt, height_pt),
                    QPageSize.Unit.Point,
                    "",
                    QPageSize.SizeMatchPolicy.ExactMatch,
                ),
                QPageLayout.Orientation.Portrait,
                QMarginsF(0, 0, 0, 0),
            )
            printer.setPageLayout(layout)
            if index == 0:
                if not painter.begin(printer):
                    raise RuntimeError("the printer could not start the job")
            else:
                printer.newPage()
            bitmap = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            image = QImage(
                bitmap.tobytes(),
                bitmap.width,
                bitmap.height,
                bitmap.width,
                QImage.Format.Format_Grayscale8,
            ).copy()  # own the pixels: the PIL buffer goes away
            painter.drawImage(printer.pageLayout().fullRectPixels(printer.resolution()), image)
        return len(document)
    finally:
        if painter.isActive():
            painter.end()


def print_pdf(
    pdf: bytes,
    *,
    parent: QWidget | None = None,
    settings: DeskSettings | None = None,
    store: SettingsStore | None = None,
    printer: QPrinter | None = None,
    ask: bool = True,
    title: str = "orderdesk",
) -> bool:
    """Print ``pdf``: the print dialog opens on the printer used last at this workstation
    (``ask=False`` prints straight to it). The chosen printer is remembered in the desk's
    settings. Returns False when the person cancels."""
    printer = printer or QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    printer.setFullPage(True)
    if settings is not None and printer.outputFormat() == QPrinter.OutputFormat.NativeFormat:
        name = remembered_printer(settings)
        if name:
            printer.setPrinterName(name)
    if ask and QPrintDialog(printer, parent).exec() != QDialog.DialogCode.Accepted:
        return False
    paint_pdf(printer, pdf)
    if (
        settings is not None
        and printer.outputFormat() == QPrinter.OutputFormat.NativeFormat
        and printer.printerName()
    ):
        settings.document_printer = printer.printerName()
        if store is not None:
            store.save(settings)
    return True


def preview_pdf(pdf: bytes, parent: QWidget | None = None) -> QPrintPreviewDialog:
    """A print preview of ``pdf`` (the caller shows it with ``exec()``)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setFullPage(True)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.paintRequested.connect(lambda target: paint_pdf(target, pdf))
    return dialog
