"""CN22 / CN23 customs declarations for parcels that cross a border.

CN22 (a 4×6 inch sticker beside the label) up to the postal threshold (UPU: 300 SDR; the
table below gives it per currency, and the desk's settings may pass another), CN23 (an A4
form that goes in a document pouch) above it, or when the contents have more lines than a
CN22 holds.
"""

from __future__ import annotations

from app.errors import InvalidInput
from app.i18n import N_, _
from app.labels.address import address_lines, country_name
from app.labels.barcodes import code128
from app.labels.layout import INCH_MM, Align, Code, Element, Frame, Page, Rule, Text
from app.labels.model import CustomsCategory, CustomsDeclarationDoc, CustomsForm
from app.labels.pdf import DEFAULT_DPI, render_pdf
from app.money import format_money

# 300 SDR in each currency's minor units, rounded down (the post's own figure may differ)
CN22_LIMIT_MINOR = {
    "EUR": 35_000,
    "USD": 40_000,
    "GBP": 30_000,
    "CHF": 33_000,
    "CNY": 290_000,
    "JPY": 60_000,
    "HKD": 310_000,
    "SEK": 400_000,
    "PLN": 150_000,
}
CN22_MAX_LINES = 5

CATEGORY_TITLES = {
    CustomsCategory.GIFT: N_("Gift"),
    CustomsCategory.DOCUMENTS: N_("Documents"),
    CustomsCategory.COMMERCIAL_SAMPLE: N_("Commercial sample"),
    CustomsCategory.RETURNED_GOODS: N_("Returned goods"),
    CustomsCategory.SALE_OF_GOODS: N_("Sale of goods"),
    CustomsCategory.OTHER: N_("Other"),
}


def total_value_minor(doc: CustomsDeclarationDoc) -> int:
    return sum(item.value_cents for item in doc.items)


def total_weight_g(doc: CustomsDeclarationDoc) -> int:
    return sum(item.weight_g for item in doc.items)


def customs_form_for(doc: CustomsDeclarationDoc, limit_minor: int | None = None) -> CustomsForm:
    """CN22 up to the threshold (and while the lines fit one), CN23 above."""
    if limit_minor is None:
        limit_minor = CN22_LIMIT_MINOR.get(doc.currency.upper())
        if limit_minor is None:
            raise InvalidInput(
                "currency",
                doc.currency,
                "a currency with a known CN22 threshold ("
                + ", ".join(sorted(CN22_LIMIT_MINOR))
                + "), or the threshold given in the settings",
            )
    if total_value_minor(doc) > limit_minor or len(doc.items) > CN22_MAX_LINES:
        return CustomsForm.CN23
    return CustomsForm.CN22


def validate_customs(doc: CustomsDeclarationDoc) -> None:
    """Refuse a declaration customs would send back: every field named."""
    if not doc.items:
        raise InvalidInput("items", "", "at least one line of contents")
    for number, item in enumerate(doc.items, start=1):
        if not item.description.strip():
            raise InvalidInput(f"items[{number}].description", "", "what the goods are")
        if item.quantity < 1:
            raise InvalidInput(f"items[{number}].quantity", item.quantity, "1 or more")
        digits = item.hs_code.replace(".", "").replace(" ", "")
        if doc.category is not CustomsCategory.DOCUMENTS and not (
            digits.isdigit() and 6 <= len(digits) <= 10
        ):
            raise InvalidInput(f"items[{number}].hs_code", item.hs_code, "6 to 10 digits")
        if len(item.origin_country) != 2 or not item.origin_country.isalpha():
            raise InvalidInput(
                f"items[{number}].origin_country", item.origin_country, "a two-letter country code"
            )
        if item.value_cents < 0 or item.weight_g < 0:
            raise InvalidInput(f"items[{number}]", item.value_cents, "no negative value or weight")
    if doc.category is CustomsCategory.OTHER and not doc.explanation.strip():
        raise InvalidInput("explanation", "", "an explanation when the category is Other")


def _kg(grams: int) -> str:
    return f"{grams / 1000:.3f} kg"


def _categories(x: float, y: float, w: float, chosen: CustomsCategory) -> list[Element]:
    e: list[Element] = []
    col_w = w / 3
    for index, category in enumerate(CustomsCategory):
        cx = x + (index % 3) * col_w
        cy = y + (index // 3) * 4.6
        e.append(Frame(cx, cy + 0.4, 3.2, 3.2, 0.25))
        if category is chosen:
            e.append(Text(cx, cy + 0.3, 3.2, 3.4, "X", "category", 8, 6, True, Align.CENTER, True))
        e.append(
            Text(
                cx + 4,
                cy + 0.2,
                col_w - 4.5,
                3.8,
                _(CATEGORY_TITLES[category]),
                "category",
                7,
                5,
                middle=True,
            )
        )
    return e


def _cn22_page(doc: CustomsDeclarationDoc) -> Page:
    width, height = 4 * INCH_MM, 6 * INCH_MM
    m = 3.0
    inner = width - 2 * m
    e: list[Element] = [
        Frame(m, m, inner, height - 2 * m, 0.5),
        Text(m + 2, m + 1.5, 60, 6, _("CUSTOMS DECLARATION"), "title", 11, 7, bold=True),
        Text(m + 62, m + 1, inner - 64, 7, "CN 22", "title", 18, 10, True, Align.RIGHT),
        Text(m + 2, m + 7.5, inner - 4, 3.5, _("May be opened officially"), "title", 7, 5),
        Rule(m, m + 11.5, m + inner, m + 11.5, 0.3),
    ]
    e += _categories(m + 2, m + 12.5, inner - 4, doc.category)
    y = m + 22.5
    e.append(Rule(m, y, m + inner, y, 0.3))
    desc_w, weight_w, value_w = inner - 48, 20.0, 26.0
    heads = (
        (m + 1.5, desc_w - 2, _("Quantity and detailed description of contents"), Align.LEFT),
        (m + desc_w, weight_w, _("Weight"), Align.RIGHT),
        (m + desc_w + weight_w, value_w - 1.5, _("Value"), Align.RIGHT),
    )
    for x, w, title, align in heads:
        e.append(Text(x, y + 0.6, w, 5.5, title, "column", 6.5, 4, True, align, max_lines=1))
    y += 6.5
    for item in doc.items:
        e.append(
            Text(
                m + 1.5,
                y,
                desc_w - 2,
                6.4,
                f"{item.quantity} × {item.description}",
                "description",
                8,
                5,
            )
        )
        tariff = _("HS {code} · origin {country}").format(
            code=item.hs_code, country=item.origin_country.upper()
        )
        e.append(Text(m + 1.5, y + 6.4, desc_w - 2, 3, tariff, "hs_code", 6.5, 4.5, max_lines=1))
        e.append(
            Text(
                m + desc_w, y, weight_w, 4, _kg(item.weight_g), "weight", 7.5, 5, align=Align.RIGHT
            )
        )
        e.append(
            Text(
                m + desc_w + weight_w,
                y,
                value_w - 1.5,
                4,
                format_money(item.value_cents, doc.currency),
                "value",
                7.5,
                5,
                align=Align.RIGHT,
            )
        )
        y += 10.2
        e.append(Rule(m, y - 0.4, m + inner, y - 0.4, 0.1))
    e.append(
        Text(
            m + 1.5,
            y,
            desc_w - 2,
            4,
            _("Total gross weight and total value"),
            "total",
            7,
            5,
            bold=True,
        )
    )
    e.append(
        Text(
            m + desc_w,
            y,
            weight_w,
            4,
            _kg(total_weight_g(doc)),
            "total_weight",
            8,
            5,
            bold=True,
            align=Align.RIGHT,
        )
    )
    e.append(
        Text(
            m + desc_w + weight_w,
            y,
            value_w - 1.5,
            4,
            format_money(total_value_minor(doc), doc.currency),
            "total_value",
            8,
            5,
            bold=True,
            align=Align.RIGHT,
        )
    )
    y = 106.0
    e.append(Rule(m, y, m + inner, y, 0.3))
    declaration = _(
        "I, the undersigned, certify that the particulars given in this declaration are correct "
        "and that this item does not contain any dangerous article prohibited by legislation or "
        "by postal or customs regulations."
    )
    e.append(Text(m + 1.5, y + 0.8, inner - 3, 9.5, declaration, "declaration", 6.5, 4.5))
    signed = " · ".join(
        part
        for part in (
            doc.signed_on.isoformat() if doc.signed_on else "",
            doc.signed_by,
        )
        if part
    )
    e.append(
        Text(
            m + 1.5,
            y + 10.5,
            inner - 3,
            4,
            _("Date and sender's signature: {signed}").format(signed=signed),
            "signed_by",
            7.5,
            5,
        )
    )
    e.append(
        Text(
            m + 1.5,
            y + 15,
            inner - 3,
            4,
            _("To: {country}").format(country=country_name(doc.recipient.country_code)),
            "recipient",
            7.5,
            5,
            bold=True,
        )
    )
    e.append(
        Code(
            m + 2,
            126.5,
            inner - 4,
            19.5,
            code128(doc.tracking_number or doc.shipment_number),
            "tracking_number" if doc.tracking_number else "shipment_number",
        )
    )
    return Page(width, height, tuple(e), name=_("CN22 customs declaration"))


def _cn23_pages(doc: CustomsDeclarationDoc) -> list[Page]:
    width, height = 210.0, 297.0
    m = 10.0
    inner = width - 2 * m
    rows_first = 14
    rows_next = 30
    items = list(doc.items)
    chunks = [items[:rows_first]]
    rest = items[rows_first:]
    while rest:
        chunks.append(rest[:rows_next])
        rest = rest[rows_next:]
    pages: list[Page] = []
    for number, chunk in enumerate(chunks, start=1):
        e: list[Element] = [
            Text(m, m, 90, 8, _("CUSTOMS DECLARATION"), "title", 16, 9, bold=True),
            Text(m, m + 8, 90, 4, _("May be opened officially"), "title", 8, 6),
            Text(m + 92, m, 30, 10, "CN 23", "title", 20, 10, True, Align.LEFT),
            # 64 mm holds a UPS number (18 characters) as Code 128 at a readable module.
            Code(
                width - m - 64,
                m,
                64,
                15,
                code128(doc.tracking_number or doc.shipment_number),
                "tracking_number" if doc.tracking_number else "shipment_number",
                align=Align.RIGHT,
            ),
        ]
        y = m + 17
        if number == 1:
            half = inner / 2 - 2
            e.append(Frame(m, y, half, 36, 0.3))
            e.append(Text(m + 1.5, y + 1, half - 3, 3.5, _("From (sender)"), "sender", 7, 5, True))
            e.append(
                Text(
                    m + 1.5,
                    y + 5,
                    half - 3,
                    30,
                    "\n".join(address_lines(doc.sender)),
                    "sender",
                    9,
                    5,
                )
            )
            e.append(Frame(m + half + 4, y, half, 36, 0.3))
            e.append(
                Text(
                    m + half + 5.5,
                    y + 1,
                    half - 3,
                    3.5,
                    _("To (addressee)"),
                    "recipient",
                    7,
                    5,
                    True,
                )
            )
            e.append(
                Text(
                    m + half + 5.5,
                    y + 5,
                    half - 3,
                    30,
                    "\n".join(address_lines(doc.recipient)),
                    "recipient",
                    9,
                    5,
                )
            )
            y += 39
            refs = [
                _("Shipment {shipment}").format(shipment=doc.shipment_number),
            ]
            if doc.invoice_number:
                refs.append(_("Invoice {invoice}").format(invoice=doc.invoice_number))
            if doc.sender_reference:
                refs.append(
                    _("Sender's customs reference {reference}").format(
                        reference=doc.sender_reference
                    )
                )
            e.append(Text(m, y, inner, 4.5, "   ".join(refs), "references", 8.5, 5.5))
            y += 6
            e += _categories(m, y, 120, doc.category)
            if doc.explanation:
                e.append(
                    Text(
                        m + 122,
                        y,
                        inner - 122,
                        9,
                        _("Explanation: {text}").format(text=doc.explanation),
                        "explanation",
                        8,
                        5,
                    )
                )
            y += 11
        cols = (
            (_("Detailed description of contents"), 78.0, Align.LEFT),
            (_("Quantity"), 16.0, Align.RIGHT),
            (_("Net weight"), 22.0, Align.RIGHT),
            (_("Value"), 28.0, Align.RIGHT),
            (_("HS tariff number"), 26.0, Align.LEFT),
            (_("Origin"), inner - 170.0, Align.LEFT),
        )
        e.append(Frame(m, y, inner, 6, 0.2, filled=True))
        x = m
        for title, w, align in cols:
            e.append(Text(x + 1, y, w - 2, 6, title, "column", 7.5, 5, True, align, True, True))
            x += w
        y += 6
        for item in chunk:
            values = (
                item.description,
                str(item.quantity),
                _kg(item.weight_g),
                format_money(item.value_cents, doc.currency),
                item.hs_code,
                f"{item.origin_country.upper()} {country_name(item.origin_country)}".strip(),
            )
            x = m
            for (_title, w, align), value in zip(cols, values, strict=True):
                e.append(Text(x + 1, y + 0.6, w - 2, 6.8, value, "items", 8.5, 5, align=align))
                x += w
            y += 8
            e.append(Rule(m, y, m + inner, y, 0.1))
        if number == len(chunks):
            y += 2
            totals = _("Total gross weight {weight} · total value {value}").format(
                weight=_kg(total_weight_g(doc)),
                value=format_money(total_value_minor(doc), doc.currency),
            )
            if doc.postage_cents is not None:
                totals += " · " + _("postal charges {amount}").format(
                    amount=format_money(doc.postage_cents, doc.currency)
                )
            e.append(Text(m, y, inner, 5, totals, "total", 10, 6, bold=True))
            y += 8
            declaration = _(
                "I certify that the particulars given in this customs declaration are correct and "
                "that this item does not contain any dangerous article or articles prohibited by "
                "legislation or by postal or customs regulations."
            )
            e.append(Text(m, y, inner, 10, declaration, "declaration", 8.5, 5.5))
            y += 12
            signed = " · ".join(
                part
                for part in (doc.signed_on.isoformat() if doc.signed_on else "", doc.signed_by)
                if part
            )
            e.append(
                Text(
                    m,
                    y,
                    inner,
                    5,
                    _("Date and sender's signature: {signed}").format(signed=signed),
                    "signed_by",
                    9,
                    6,
                )
            )
            e.append(Rule(m + 60, y + 12, m + 150, y + 12, 0.3))
        e.append(
            Text(
                m,
                height - m - 5,
                inner,
                5,
                _("{shipment} · page {page} of {pages}").format(
                    shipment=doc.shipment_number, page=number, pages=len(chunks)
                ),
                "page",
                8,
                6,
                align=Align.RIGHT,
            )
        )
        pages.append(Page(width, height, tuple(e), name=_("CN23 customs declaration")))
    return pages


def customs_pages(
    doc: CustomsDeclarationDoc, form: CustomsForm | None = None, limit_minor: int | None = None
) -> list[Page]:
    validate_customs(doc)
    form = form or customs_form_for(doc, limit_minor)
    if form is CustomsForm.CN22:
        if len(doc.items) > CN22_MAX_LINES:
            raise InvalidInput("items", len(doc.items), f"at most {CN22_MAX_LINES} lines on a CN22")
        return [_cn22_page(doc)]
    return _cn23_pages(doc)


def render_customs_pdf(
    doc: CustomsDeclarationDoc,
    *,
    form: CustomsForm | None = None,
    limit_minor: int | None = None,
    dpi: int = DEFAULT_DPI,
) -> bytes:
    """The CN22 or CN23 (chosen by value and lines unless ``form`` is given) as PDF."""
    pages = customs_pages(doc, form, limit_minor)
    return render_pdf(pages, title=pages[0].name, dpi=dpi)
