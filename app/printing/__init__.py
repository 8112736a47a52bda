"""Local printing without Qt: raw bytes (ZPL) to a CUPS queue or a network printer.

PDFs go through Qt's print dialog in ``ui/printing.py``; this package is what the CLI, the
benches and the screens share for label printers.
"""
