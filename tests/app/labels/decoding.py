"""Read labels back as a scanner and a person would: rasterise at 203 dpi, decode barcodes."""

from __future__ import annotations

import pypdfium2 as pdfium
import zxingcpp

LABEL_DPI = 203


def pdf_pages(pdf: bytes) -> list[pdfium.PdfPage]:
    return list(pdfium.PdfDocument(pdf))


def decoded_per_page(pdf: bytes, dpi: int = LABEL_DPI) -> list[list[tuple[str, str]]]:
    """Per page, the (format, text) of every barcode found at ``dpi``."""
    document = pdfium.PdfDocument(pdf)
    pages = []
    for page in document:
        image = page.render(scale=dpi / 72).to_pil()
        found = zxingcpp.read_barcodes(image)
        pages.append(sorted((result.format.name, result.text) for result in found))
    return pages


def texts_per_page(pdf: bytes) -> list[str]:
    return [page.get_textpage().get_text_range() for page in pdfium.PdfDocument(pdf)]


def page_sizes_mm(pdf: bytes) -> list[tuple[float, float]]:
    return [
        (round(page.get_width() * 25.4 / 72, 1), round(page.get_height() * 25.4 / 72, 1))
        for page in pdfium.PdfDocument(pdf)
    ]
