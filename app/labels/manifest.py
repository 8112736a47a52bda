"""The end-of-day manifest per carrier: the parcels handed over, as a PDF for the driver to
sign and as CSV for the carrier's system."""

from __future__ import annotations

import datetime as dt
import io

from app.formats.export import write_safe_csv
from app.i18n import _, ngettext
from app.labels.barcodes import code128
from app.labels.layout import Align, Code, Element, Frame, Page, Rule, Text
from app.labels.model import ManifestDoc, ManifestParcel
from app.labels.pdf import DEFAULT_DPI, render_pdf
from app.labels.text import abbreviate

A4_LANDSCAPE = (297.0, 210.0)
M = 10.0
ROW_H = 6.0
HEADER_H = 26.0
SIGN_H = 26.0
FOOTER_H = 7.0

CSV_HEADER = (
    "manifest",
    "carrier",
    "day",
    "shipment_number",
    "order_number",
    "tracking_number",
    "parcel",
    "parcels",
    "recipient",
    "postal_code",
    "city",
    "country",
    "service",
    "weight_g",
    "handed_over_at",
)


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def render_manifest_csv(doc: ManifestDoc) -> bytes:
    """One row per parcel, UTF-8 with BOM (spreadsheets then read non-Latin names), times
    in UTC ISO 8601; cells a spreadsheet would run as formulas are neutralised."""
    stream = io.StringIO()
    rows = (
        (
            doc.number,
            doc.carrier,
            doc.day.isoformat(),
            parcel.shipment_number,
            parcel.order_number,
            parcel.tracking_number,
            parcel.parcel_index,
            parcel.parcel_count,
            parcel.recipient,
            parcel.postal_code,
            parcel.city,
            parcel.country_code,
            parcel.service,
            parcel.weight_g,
            _utc(parcel.handed_over_at).isoformat(timespec="seconds"),
        )
        for parcel in doc.parcels
    )
    write_safe_csv(stream, CSV_HEADER, rows)
    return stream.getvalue().encode("utf-8-sig")


def _paginate(parcels: tuple[ManifestParcel, ...]) -> list[tuple[ManifestParcel, ...]]:
    usable = A4_LANDSCAPE[1] - 2 * M - HEADER_H - 6 - FOOTER_H
    per_page = int(usable // ROW_H)
    chunks = [parcels[i : i + per_page] for i in range(0, len(parcels), per_page)] or [()]
    last = chunks[-1]
    if usable - len(last) * ROW_H < SIGN_H:  # the signatures need room under the last rows
        keep = max(0, int((usable - SIGN_H) // ROW_H))
        if keep < len(last):
            chunks[-1:] = [last[:keep], last[keep:]] if keep else [last, ()]
    return chunks


def manifest_pages(doc: ManifestDoc) -> list[Page]:
    width, height = A4_LANDSCAPE
    inner = width - 2 * M
    chunks = _paginate(doc.parcels)
    total_weight = sum(parcel.weight_g for parcel in doc.parcels)
    count = len(doc.parcels)
    cols = (
        ("#", 10.0, Align.RIGHT),
        (_("Shipment"), 24.0, Align.LEFT),
        (_("Tracking number"), 44.0, Align.LEFT),
        (_("Order"), 22.0, Align.LEFT),
        (_("Recipient"), 44.0, Align.LEFT),
        (_("Postal code, city"), 44.0, Align.LEFT),
        (_("Country"), 15.0, Align.LEFT),
        (_("Service"), 24.0, Align.LEFT),
        (_("Parcel"), 12.0, Align.RIGHT),
        (_("Weight"), 18.0, Align.RIGHT),
        (_("Time"), inner - 257.0, Align.RIGHT),
    )
    pages: list[Page] = []
    index = 0
    for number, chunk in enumerate(chunks, start=1):
        e: list[Element] = [
            Text(
                M,
                M,
                150,
                8,
                _("Manifest {number}").format(number=doc.number),
                "number",
                16,
                9,
                bold=True,
            ),
            Code(width - M - 80, M, 80, 17, code128(doc.number), "number", align=Align.RIGHT),
            Text(
                M,
                M + 9,
                170,
                5,
                "   ".join(
                    part
                    for part in (
                        _("Carrier: {carrier}").format(carrier=doc.carrier),
                        _("Account: {account}").format(account=doc.account) if doc.account else "",
                        _("Warehouse: {warehouse}").format(warehouse=doc.warehouse),
                        _("Day: {day}").format(day=doc.day.isoformat()),
                    )
                    if part
                ),
                "carrier",
                9,
                6,
            ),
            Text(
                M,
                M + 14.5,
                170,
                5,
                ngettext("{count} parcel", "{count} parcels", count).format(count=count)
                + " · "
                + _("total weight {kg} kg").format(kg=f"{total_weight / 1000:.2f}"),
                "totals",
                9,
                6,
                bold=True,
            ),
        ]
        y = M + HEADER_H
        e.append(Frame(M, y, inner, 6, 0.2, filled=True))
        x = M
        for title, w, align in cols:
            e.append(Text(x + 0.8, y, w - 1.6, 6, title, "column", 7.5, 5, True, align, True, True))
            x += w
        y += 6
        for parcel in chunk:
            index += 1
            values = (
                str(index),
                parcel.shipment_number,
                parcel.tracking_number,
                parcel.order_number,
                abbreviate(parcel.recipient, 40),
                f"{parcel.postal_code} {parcel.city}".strip(),
                parcel.country_code.upper(),
                parcel.service,
                f"{parcel.parcel_index}/{parcel.parcel_count}",
                f"{parcel.weight_g / 1000:.2f} kg",
                _utc(parcel.handed_over_at).strftime("%H:%M"),
            )
            x = M
            for (_title, w, align), value in zip(cols, values, strict=True):
                e.append(
                    Text(
                        x + 0.8,
                        y + 0.7,
                        w - 1.6,
                        ROW_H - 1.2,
                        value,
                        "parcels",
                        8.5,
                        4.5,
                        align=align,
                        max_lines=1,
                    )
                )
                x += w
            y += ROW_H
            e.append(Rule(M, y, M + inner, y, 0.1))
        if number == len(chunks):
            y += 5
            e.append(
                Text(
                    M,
                    y,
                    inner,
                    5,
                    _("Handed over: {count} parcels, {kg} kg. Times are UTC.").format(
                        count=count, kg=f"{total_weight / 1000:.2f}"
                    ),
                    "totals",
                    9,
                    6,
                )
            )
            y += 14
            for column, caption in enumerate(
                (
                    _("Warehouse (name, signature)"),
                    _("Driver (name, signature)"),
                    _("Date and time of collection"),
                )
            ):
                x = M + column * (inner / 3)
                e.append(Rule(x, y, x + inner / 3 - 8, y, 0.3))
                e.append(Text(x, y + 1, inner / 3 - 8, 4, caption, "signature", 8, 6))
        e.append(
            Text(
                M,
                height - M - 4.5,
                inner,
                4.5,
                _("{number} · page {page} of {pages}").format(
                    number=doc.number, page=number, pages=len(chunks)
                ),
                "page",
                8,
                6,
                align=Align.RIGHT,
            )
        )
        pages.append(Page(width, height, tuple(e), name=_("manifest")))
    return pages


def render_manifest_pdf(doc: ManifestDoc, *, dpi: int = DEFAULT_DPI) -> bytes:
    return render_pdf(
        manifest_pages(doc), title=_("Manifest {number}").format(number=doc.number), dpi=dpi
    )
