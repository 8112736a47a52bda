"""Printing PDFs through Qt offscreen: pages reach a PDF-format QPrinter at their own size
and their barcodes still scan; the label printer settings come from the desk settings."""

from __future__ import annotations

import pytest
from PySide6.QtPrintSupport import QPrinter

from app.errors import InvalidInput
from app.labels.model import LabelKind, SmallLabel
from app.labels.shipping import render_shipping_label_pdf
from app.labels.small import render_small_labels_pdf
from app.printing.model import RawTransport
from tests.app.labels.decoding import decoded_per_page, page_sizes_mm
from tests.app.labels.samples import shipping_doc
from ui.printing import label_printer_settings, label_zpl_settings, preview_pdf, print_pdf
from ui.settings import DeskSettings


def _pdf_printer(path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setResolution(300)
    return printer


def test_a_pdf_printed_through_qprinter_keeps_its_pages_sizes_and_barcodes(qapp, tmp_path):
    pdf = render_shipping_label_pdf(shipping_doc()) + b""
    labels = render_small_labels_pdf([SmallLabel(LabelKind.BIN, "A-01-02", "Aisle A")])
    out = tmp_path / "printed.pdf"
    assert print_pdf(pdf, printer=_pdf_printer(out), ask=False, title="SH-000456")
    printed = out.read_bytes()
    assert page_sizes_mm(printed) == [(101.6, 152.4)]
    assert decoded_per_page(printed, dpi=300) == [
        [("Code128", "SF1234567890123"), ("Code128", "SH-000456")]
    ]
    out_labels = tmp_path / "labels.pdf"
    assert print_pdf(labels, printer=_pdf_printer(out_labels), ask=False)
    assert page_sizes_mm(out_labels.read_bytes()) == [(50.8, 25.4)]


def test_printing_to_a_file_does_not_replace_the_remembered_printer(qapp, tmp_path):
    settings = DeskSettings(document_printer="Office laser")
    print_pdf(
        render_small_labels_pdf([SmallLabel(LabelKind.TOTE, "T-1")]),
        printer=_pdf_printer(tmp_path / "x.pdf"),
        ask=False,
        settings=settings,
    )
    assert settings.document_printer == "Office laser"


def test_the_preview_dialog_paints_the_pdf(qapp):
    dialog = preview_pdf(render_small_labels_pdf([SmallLabel(LabelKind.TOTE, "T-1")]))
    assert dialog is not None
    dialog.deleteLater()


def test_label_printer_settings_come_from_the_desk_settings():
    desk = DeskSettings(
        label_printer_transport="cups",
        label_printer_queue="zebra1",
        label_printer_dpi=300,
        label_printer_font="E:SIMSUN.TTF",
    )
    raw = label_printer_settings(desk)
    assert raw.transport is RawTransport.CUPS and raw.queue == "zebra1"
    zpl = label_zpl_settings(desk)
    assert zpl.dpi == 300 and zpl.stored_font == "E:SIMSUN.TTF"
    with pytest.raises(InvalidInput):
        label_printer_settings(DeskSettings())  # no address yet: says which setting
