"""Labels and printed warehouse documents: plain data in, PDF or ZPL bytes out.

No Qt and no database here: the picking, packing and shipping services build the documents
(``model.py``) and these layouts draw them. Entry points:

- ``small.render_small_labels_pdf(labels)`` 2×1 inch bin/product/tote labels;
  ``zpl.render_small_labels_zpl(labels, ZplSettings(dpi=203))``
- ``picklist.render_pick_list_pdf(doc)`` the A4 pick list
- ``shipping.render_shipping_labels_pdf(docs)`` / ``render_shipping_label_pdf(doc)`` 4×6 inch;
  ``zpl.render_shipping_labels_zpl(docs, ZplSettings(dpi=300, stored_font=None))``
- ``packing_slip.render_packing_slip_pdf(doc, size=SlipSize.A5)``
- ``customs.render_customs_pdf(doc)`` (CN22 or CN23 by ``customs_form_for``)
- ``manifest.render_manifest_pdf(doc)`` and ``manifest.render_manifest_csv(doc)``
- ``barcodes.barcode_for_screen(value)`` the bars a screen paints (``.bars()`` in modules);
  ``barcodes.product_code(barcode, sku)`` what a picker scans for a product

Send ZPL with ``app.printing.transports.send_raw``; print PDFs with ``ui.printing.print_pdf``.
"""
