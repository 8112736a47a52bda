"""ZPL II for Zebra-type thermal printers, from the same layout pages as the PDFs.

Positions are the layout's millimetres turned into dots at 203 or 300 dpi. Text the
printer's built-in font draws (Latin-1) goes as ``^A0`` fields with ``^CI28`` (UTF-8); other
text (Chinese, Japanese, arrows) goes as a ``^GF`` graphic drawn with the CJK font, unless a
font stored on the printer is configured (``^CW``), which then draws it. Code 128 prints as
``^BC``, EAN/UPC as ``^BE``/``^BU``/``^B8``, a code too long for its box as ``^BQ`` (QR).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from app.errors import InvalidInput
from app.i18n import _
from app.labels.barcodes import (
    LinearCode,
    Placement,
    Symbology,
    min_module_dots,
    module_mm,
    place_qr,
    preferred_module_dots,
)
from app.labels.builtin_font import HELVETICA_BOLD_WIDTHS
from app.labels.layout import CAPTION_MM, CAPTION_PT, Align, Code, Element, Frame, Page, Rule, Text
from app.labels.model import ShippingLabelDoc, SmallLabel
from app.labels.text import FittedText, fit_text_cached
from app.labels.zpl_glyphs import LEADING as _LEADING
from app.labels.zpl_glyphs import cjk_width_at_one, graphic_field

SUPPORTED_DPI = (203, 300)
STORED_FONT_ID = "Z"  # the ^CW alias given to a printer-stored font
_ZPL_ESCAPE = re.compile(r"[\^~\\]")
_PRINTABLE = re.compile(r"[ -~]+")
_CODE128_RUNS = re.compile(r"\d{4,}|\D+|\d{1,3}")
_BUILTIN_RANGE = re.compile(r"[ -~\xa0-\xff\n]*")
_PLAIN_LATIN = re.compile(r"[ -\[\]_-}\xa0-\xff\n]*")  # the built-in range but ^ ~ and backslash


@dataclass(frozen=True)
class ZplSettings:
    """Per workstation: the printer's resolution and, when one is loaded, the name of a
    font stored on it that draws Chinese/Japanese (e.g. ``E:SIMSUN.TTF``)."""

    dpi: int = 203
    stored_font: str | None = None
    # graphics (text outside the printer's fonts) as :Z64: compressed data, which every
    # Zebra firmware of the last twenty years reads: half the bytes of a run at 300 dpi on
    # a slow line to the printer, 10-15 % more CPU time here; by default plain hex, which
    # every ZPL printer (and emulation) reads
    compressed_graphics: bool = False

    def __post_init__(self) -> None:
        if self.dpi not in SUPPORTED_DPI:
            raise InvalidInput("dpi", self.dpi, "203 or 300")
        if self.stored_font is not None and not re.fullmatch(
            r"[REBA]:[A-Z0-9_\-]{1,16}\.(TTF|TTE|FNT)", self.stored_font
        ):
            raise InvalidInput(
                "stored_font", self.stored_font, "a printer font path such as E:SIMSUN.TTF"
            )


def dots(mm_value: float, dpi: int) -> int:
    return round(mm_value * dpi / 25.4)


def builtin_font_draws(text: str) -> bool:
    """The printer's built-in font 0 draws Latin-1 (with ^CI28 the text travels as UTF-8)."""
    return _BUILTIN_RANGE.fullmatch(text) is not None


def field_data(text: str) -> str:
    """``^FD`` data; ``^``, ``~`` and ``\\`` are sent as ``^FH`` hex escapes."""
    if _ZPL_ESCAPE.search(text) is None:
        return f"^FD{text}^FS"
    return "^FH\\^FD" + _ZPL_ESCAPE.sub(lambda m: f"\\{ord(m.group()):02X}", text) + "^FS"


# --------------------------------------------------------------------------- metrics


def _builtin_width_at_one(token: str) -> float:
    """An upper bound of font 0 (CG Triumvirate Bold Condensed) widths: Helvetica-Bold's,
    which is wider, so a field measured with it stays inside the label. Only Latin-1 text
    is measured here (anything else goes as a graphic)."""
    widths = HELVETICA_BOLD_WIDTHS
    return sum(widths[ord(char)] for char in token)


# --------------------------------------------------------------------------- symbols


def code128_modules_upper_bound(text: str) -> int:
    """Modules of a Code 128 symbol as a printer's automatic mode encodes ``text``, or
    fewer: digit runs of four or more in subset C, the rest in B, a shift in and out of C
    per run; start, check and stop symbols."""
    symbols = 0
    for run in _CODE128_RUNS.finditer(text):
        chunk = run.group()
        if chunk[0].isdigit() and len(chunk) >= 4:
            symbols += len(chunk) // 2 + len(chunk) % 2 + 2
        else:
            symbols += len(chunk)
    return 11 * (symbols + 2) + 13


_GTIN_MODULES = {Symbology.EAN13: 95, Symbology.UPCA: 95, Symbology.EAN8: 67}


def _linear_total_modules(symbol: LinearCode) -> int:
    if symbol.symbology is Symbology.CODE128:
        bars = code128_modules_upper_bound(symbol.text)
    else:
        bars = _GTIN_MODULES[symbol.symbology]
    return bars + symbol.quiet_left + symbol.quiet_right


def _place(code: Code, height_mm: float, dpi: int) -> Placement:
    total = _linear_total_modules(code.symbol)
    largest = code.max_module_dots or preferred_module_dots(dpi)
    for module_dots in range(largest, min_module_dots(dpi) - 1, -1):
        width = total * module_mm(module_dots, dpi)
        if width <= code.w + 1e-9:
            return Placement(code.symbol, module_dots, dpi, width, height_mm)
    return place_qr(code.symbol.text, code.w, height_mm, dpi, field=code.field)


# --------------------------------------------------------------------------- elements


def _text_zpl(element: Text, settings: ZplSettings, label: str) -> str:
    dpi = settings.dpi
    text = element.text.strip()
    if not text:
        return ""
    pad = 0.8 if element.inverse else 0.0
    x, y = dots(element.x + pad, dpi), dots(element.y, dpi)
    w, h = dots(element.w - 2 * pad, dpi), dots(element.h - pad, dpi)
    scale = dpi / 72.0
    builtin = builtin_font_draws(text)
    if builtin or settings.stored_font:
        width_at_one = _builtin_width_at_one if builtin else cjk_width_at_one
        fitted = fit_text_cached(
            text,
            width_at_one,
            w,
            h,
            max_size=round(element.max_pt * scale),
            min_size=round(element.min_pt * scale),
            field=element.field,
            label=label,
            leading_factor=_LEADING,
            max_lines=element.max_lines,
            step=1,
        )
        font = "^A0N" if builtin else f"^A{STORED_FONT_ID}N"
        size = int(fitted.size)
        out = []
        if element.inverse:
            out.append(_black_box(element, dpi))
        top = y + _vertical_offset(element, fitted, h)
        justify = {Align.LEFT: "L", Align.CENTER: "C", Align.RIGHT: "R"}[element.align]
        reverse = "^FR" if element.inverse else ""
        for index, line in enumerate(fitted.lines):
            line_y = top + round(index * fitted.leading)
            block = f"^FB{w},1,0,{justify}" if justify != "L" else ""
            out.append(f"^FO{x},{line_y}{font},{size},{size}{block}{reverse}{field_data(line)}")
        return "".join(out)
    return _graphic_text_zpl(element, text, settings, label, x, y, w, h).decode()


def _black_box(element: Text, dpi: int) -> str:
    """The black box a white (``^FR``) text sits on."""
    w, h = dots(element.w, dpi), dots(element.h, dpi)
    return f"^FO{dots(element.x, dpi)},{dots(element.y, dpi)}^GB{w},{h},{min(w, h)}^FS"


def _vertical_offset(element: Text, fitted: FittedText, h: int) -> int:
    if element.middle or element.inverse:
        return max(0, round((h - fitted.height) / 2))
    return 0


def _graphic_text_zpl(
    element: Text, text: str, settings: ZplSettings, label: str, x: int, y: int, w: int, h: int
) -> bytes:
    """``text`` (stripped) in ``element``'s box, outside the printer's fonts, as UTF-8: its
    lines that the printer cannot draw go as ^GF graphics drawn with the CJK font, the
    others as printer text at the same size. Bytes: the graphics' hex is most of a label,
    kept as bytes it is copied once into the fields and once into the run."""
    scale = settings.dpi / 72.0
    stroke_room = 2 * max(1, round(element.max_pt * scale) // 36) if element.bold else 0
    fitted = fit_text_cached(
        text,
        cjk_width_at_one,
        w - stroke_room,
        h,
        max_size=round(element.max_pt * scale),
        min_size=round(element.min_pt * scale),
        field=element.field,
        label=label,
        leading_factor=_LEADING,
        max_lines=element.max_lines,
        step=1,
    )
    size = int(fitted.size)
    top = y + _vertical_offset(element, fitted, h)
    out: list[bytes] = []
    if element.inverse:
        out.append(_black_box(element, settings.dpi).encode())
    reverse = "^FR" if element.inverse else ""
    justify = {Align.LEFT: "L", Align.CENTER: "C", Align.RIGHT: "R"}[element.align]
    for index, line in enumerate(fitted.lines):
        offset = round(index * fitted.leading)
        line_y = top + offset
        if builtin_font_draws(line):  # a Latin line of the block: the printer's own font
            block = f"^FB{w},1,0,{justify}" if justify != "L" else ""
            field = f"^FO{x},{line_y}^A0N,{size},{size}{block}{reverse}{field_data(line)}"
            out.append(field.encode("utf-8"))
            continue
        # at most to the box's bottom: the last line's leading below it is left out
        width, above, graphic = graphic_field(
            line, size, element.bold, w, max(1, h - offset), settings.compressed_graphics
        )
        if element.align is Align.LEFT:
            left = x
        elif element.align is Align.RIGHT:
            left = x + w - width
        else:
            left = x + (w - width) // 2
        out += (f"^FO{left},{line_y + above}{reverse}".encode(), graphic, b"^FS")
    return b"".join(out)


def _code_zpl(element: Code, settings: ZplSettings, label: str) -> str:
    dpi = settings.dpi
    bars_h_mm = element.h - (CAPTION_MM if element.caption else 0.0)
    placement = _place(element, bars_h_mm, dpi)
    symbol = element.symbol
    out = []
    if placement.is_linear:
        width_mm = placement.width_mm
        if element.align is Align.LEFT:
            left_mm = element.x
        elif element.align is Align.RIGHT:
            left_mm = element.x + element.w - width_mm
        else:
            left_mm = element.x + (element.w - width_mm) / 2
        x = dots(left_mm, dpi) + symbol.quiet_left * placement.module_dots
        y = dots(element.y, dpi)
        h = dots(bars_h_mm, dpi)
        by = f"^BY{placement.module_dots},3,{h}"
        if symbol.symbology is Symbology.CODE128:
            out.append(f"^FO{x},{y}{by}^BCN,{h},N,N,N,A{field_data(symbol.text)}")
        elif symbol.symbology is Symbology.EAN13:
            out.append(f"^FO{x},{y}{by}^BEN,{h},N,N^FD{symbol.text[:12]}^FS")
        elif symbol.symbology is Symbology.UPCA:
            out.append(f"^FO{x},{y}{by}^BUN,{h},N,N,N^FD{symbol.text[:11]}^FS")
        else:
            out.append(f"^FO{x},{y}{by}^B8N,{h},N,N^FD{symbol.text[:7]}^FS")
        if element.caption:
            out.append(
                _text_zpl(
                    Text(
                        element.x,
                        element.y + bars_h_mm,
                        element.w,
                        CAPTION_MM,
                        symbol.text,
                        element.field,
                        max_pt=CAPTION_PT,
                        min_pt=5,
                        align=element.align,
                        max_lines=1,
                    ),
                    settings,
                    label,
                )
            )
        return "".join(out)
    side = placement.width_mm
    quiet_mm = 4 * placement.module_mm
    x_mm = (
        element.x
        if element.align is Align.LEFT or element.w - side >= 12
        else (element.x + (element.w - side) / 2)
    )
    out.append(
        f"^FO{dots(x_mm + quiet_mm, dpi)},{dots(element.y + quiet_mm, dpi)}"
        f"^BQN,2,{placement.module_dots}" + field_data(f"MA,{symbol.text}")
    )
    if element.caption and element.w - side >= 12:
        out.append(
            _text_zpl(
                Text(
                    x_mm + side + 0.5,
                    element.y,
                    element.w - side - 0.5,
                    min(element.h, side),
                    symbol.text,
                    element.field,
                    max_pt=CAPTION_PT,
                    min_pt=5,
                ),
                settings,
                label,
            )
        )
    return "".join(out)


_ELEMENT_CACHE: dict[tuple[Element, ZplSettings, str], str] = {}
_ELEMENT_CACHE_ENTRIES = 20_000
_LARGE_CACHE: dict[tuple[Element, ZplSettings, str], str] = {}
_LARGE_CACHE_ENTRIES = 200  # at most a few MB
_ELEMENT_CACHE_LARGEST = 2_000  # characters; a ^GF graphic of an address is tens of KB


def element_zpl(element: Element, settings: ZplSettings, label: str) -> str:
    """One element's fields; small ones are cached (captions, rules and repeated texts cost
    nothing), large graphics are not kept."""
    key = (element, settings, label)
    cached = _ELEMENT_CACHE.get(key)
    if cached is not None:
        return cached
    large = _LARGE_CACHE.get(key)
    if large is not None:
        return large
    result = _element_zpl(element, settings, label)
    if len(result) <= _ELEMENT_CACHE_LARGEST:
        if len(_ELEMENT_CACHE) >= _ELEMENT_CACHE_ENTRIES:
            _ELEMENT_CACHE.clear()
        _ELEMENT_CACHE[key] = result
    else:  # a few graphics (a warehouse's own address, a frequent customer) are kept too
        if len(_LARGE_CACHE) >= _LARGE_CACHE_ENTRIES:
            _LARGE_CACHE.pop(next(iter(_LARGE_CACHE)))
        _LARGE_CACHE[key] = result
    return result


def _element_zpl(element: Element, settings: ZplSettings, label: str) -> str:
    dpi = settings.dpi
    if isinstance(element, Text):
        return _text_zpl(element, settings, label)
    if isinstance(element, Code):
        return _code_zpl(element, settings, label)
    if isinstance(element, Rule):
        thickness = max(1, dots(element.thickness, dpi))
        x1, y1, x2, y2 = (dots(v, dpi) for v in (element.x1, element.y1, element.x2, element.y2))
        width, height = max(abs(x2 - x1), thickness), max(abs(y2 - y1), thickness)
        return f"^FO{min(x1, x2)},{min(y1, y2)}^GB{width},{height},{thickness}^FS"
    if isinstance(element, Frame):
        w, h = dots(element.w, dpi), dots(element.h, dpi)
        thickness = min(w, h) if element.filled else max(1, dots(element.thickness, dpi))
        return f"^FO{dots(element.x, dpi)},{dots(element.y, dpi)}^GB{w},{h},{thickness}^FS"
    raise TypeError(f"not a layout element: {element!r}")


def page_zpl(page: Page, settings: ZplSettings, copies: int = 1) -> str:
    body = "".join(element_zpl(element, settings, page.name) for element in page.elements)
    tail = f"^PQ{copies}^XZ" if copies > 1 else "^XZ"
    return _head(page.width, page.height, settings) + body + tail


def render_zpl(pages: Iterable[Page], settings: ZplSettings | None = None) -> bytes:
    """One ``^XA … ^XZ`` label per page, UTF-8."""
    settings = settings or ZplSettings()
    return "\n".join(page_zpl(page, settings) for page in pages).encode("utf-8") + b"\n"


def render_shipping_labels_zpl(
    docs: Iterable[ShippingLabelDoc], settings: ZplSettings | None = None
) -> bytes:
    """One 4×6 inch label per parcel. The parts every parcel of a carrier service shares
    are written once and reused; the parcel's own values go through field writers compiled
    once per label shape (the same output as drawing the page, tested so)."""
    from app.i18n import current_language
    from app.labels.shipping import (
        HEIGHT_MM,
        LABEL_NAME,
        WIDTH_MM,
        fixed_key,
        fixed_part_key,
        head_values,
    )

    settings = settings or ZplSettings()
    name = _(LABEL_NAME)
    language = current_language()
    head = _head(WIDTH_MM, HEIGHT_MM, settings)
    # bytes all the way: one UTF-8 encoding of the whole run costs as much as the fields
    # (the ^GF graphics' hex is most of the text). Written into one growing buffer, not
    # joined from a list: each field's memory is reused for the next label, where a list
    # of them touched as many fresh pages again as the run's bytes (a fifth of the time)
    buffer = io.BytesIO()
    put, put_all = buffer.write, buffer.writelines
    # this call's ship-from/carrier/service parts, by the ship-from's identity (hashing an
    # address per parcel costs more than the lookup; the entry keeps it alive)
    fixed_parts: dict[tuple, tuple[object, bytes]] = {}
    # the field writers of a shape and its contents rows, by the parcel's contents: the
    # same products go out all day (one look-up: hashing the contents is a call per line)
    by_contents: dict[tuple, tuple[tuple[Callable[[str], bytes], ...], bytes]] = {}
    for doc in docs:
        ship_from = doc.ship_from
        key = fixed_part_key(doc)
        fixed = fixed_parts.get(key)
        if fixed is None or fixed[0] is not ship_from:
            zpl = head + _fixed_shipping_zpl(fixed_key(doc), settings, name)
            fixed = fixed_parts[key] = (ship_from, zpl.encode("utf-8"))
        put(fixed[1])
        values = head_values(doc, language)
        contents_key = (len(values), doc.contents)  # 6 values with a tracking number, else 5
        entry = by_contents.get(contents_key)
        if entry is None:
            if len(by_contents) >= 4096:
                by_contents.clear()
            entry = by_contents[contents_key] = _contents_part(doc, settings, name, language)
        writers = entry[0]
        put_all([write(value) for write, value in zip(writers, values, strict=False)])
        put(entry[1])
        put(b"^XZ\n")
    return buffer.getvalue() if buffer.tell() else b"\n"


def _contents_part(
    doc: ShippingLabelDoc, settings: ZplSettings, name: str, language: str
) -> tuple[tuple[Callable[[str], bytes], ...], bytes]:
    """The field writers of the parcel's label shape, and its contents rows written."""
    from app.labels.shipping import content_row_count, content_values, parcel_templates

    shape = parcel_templates(bool(doc.tracking_number), content_row_count(doc.contents))
    writers = _writers_for(shape, settings, name)
    rows = content_values(doc.contents, language)
    fields = len(writers) - len(rows)
    block = b"".join([write(value) for write, value in zip(writers[fields:], rows, strict=True)])
    return writers, block


_WRITERS: dict[tuple[int, ZplSettings, str], tuple[tuple, tuple[Callable[[str], bytes], ...]]] = {}


def _writers_for(
    templates: tuple, settings: ZplSettings, name: str
) -> tuple[Callable[[str], bytes], ...]:
    # the templates tuple is cached by the layout, so its identity names the shape (the
    # entry keeps it alive, so the identity cannot be reused)
    key = (id(templates), settings, name)
    entry = _WRITERS.get(key)
    if entry is None:
        writers = tuple(_compile_field(template, settings, name) for template in templates)
        entry = _WRITERS[key] = (templates, writers)
    return entry[1]


def _compile_field(
    template: Text | Code, settings: ZplSettings, name: str
) -> Callable[[str], bytes]:
    """A writer of one field's ZPL as UTF-8 bytes."""
    if isinstance(template, Code):
        return _compile_code(template, settings, name)
    write = _compile_text(template, settings, name)
    if template.field in _PARCEL_OWN_FIELDS:  # new on every parcel: nothing to look up
        return write
    return _memoised(write)


# the shipping label's fields whose value is the parcel's own (its address, its numbers)
_PARCEL_OWN_FIELDS = frozenset({"ship_to", "numbers"})


def _memoised(write: Callable[[str], bytes], limit: int = 4096) -> Callable[[str], bytes]:
    """Contents lines, weights, "1 of 2" recur from parcel to parcel: each value's field
    is written once (bounded: the memo starts over past ``limit`` values)."""
    memo: dict[str, bytes] = {}
    seen: set[str] = set()

    def cached(value: str) -> bytes:
        out = memo.get(value)
        if out is None:
            out = write(value)
            # a large field (a ^GF graphic is tens of KB) is kept from its second time on:
            # a Chinese address comes once, and keeping it only costs fresh memory
            if len(out) <= _ELEMENT_CACHE_LARGEST or value in seen:
                if len(memo) >= limit:
                    memo.clear()
                memo[value] = out
            else:
                if len(seen) >= 4 * limit:
                    seen.clear()
                seen.add(value)
        return out

    return cached


def _compile_text(template: Text, settings: ZplSettings, name: str) -> Callable[[str], bytes]:
    """A writer for one text box (UTF-8 bytes): Latin-1 lines that fit at the largest size
    go straight out; anything else is fitted (or drawn as a graphic) as ``element_zpl``
    does."""
    from dataclasses import replace

    def general(value: str) -> bytes:
        return element_zpl(replace(template, text=value), settings, name).encode("utf-8")

    if template.inverse or template.middle:
        return general
    dpi = settings.dpi
    x, y = dots(template.x, dpi), dots(template.y, dpi)
    w, h = dots(template.w, dpi), dots(template.h, dpi)
    size = round(template.max_pt * dpi / 72.0)
    leading = size * _LEADING
    most_lines = int((h + 1e-6 + leading - size) // leading) if size <= h + 1e-6 else 0
    if template.max_lines is not None:
        most_lines = min(most_lines, template.max_lines)
    justify = {Align.LEFT: "L", Align.CENTER: "C", Align.RIGHT: "R"}[template.align]
    font = f"^A0N,{size},{size}" + (f"^FB{w},1,0,{justify}" if justify != "L" else "")
    limit = w / size
    widths = HELVETICA_BOLD_WIDTHS
    starts = [f"^FO{x},{y + round(i * leading)}{font}^FD" for i in range(max(most_lines, 0))]

    def _measure(line: str) -> float:
        return sum([widths[ord(char)] for char in line])

    def write(value: str) -> bytes:
        value = value.strip()
        if not value:
            return b""
        if _PLAIN_LATIN.fullmatch(value) is not None:  # most fields: one look at the text
            lines = value.split("\n")
            # no Latin-1 character is wider than an em: lines that short fit unmeasured
            if len(lines) <= most_lines and (
                max(map(len, lines)) <= limit
                or all([len(line) <= limit or _measure(line) <= limit for line in lines])
            ):  # the fields made in C (map), not a comprehension: most labels come here
                return ("^FS".join(map(str.__add__, starts, lines)) + "^FS").encode("utf-8")
        if _BUILTIN_RANGE.fullmatch(value) is None:
            if settings.stored_font:
                return general(value)
            # as element_zpl draws it, without making the element (a Chinese address)
            return _graphic_text_zpl(template, value, settings, name, x, y, w, h)
        lines = value.split("\n")
        if len(lines) > most_lines:
            return general(value)
        for line in lines:  # no Latin-1 character is wider than an em: short lines fit
            if len(line) > limit and sum([widths[ord(char)] for char in line]) > limit:
                return general(value)
        if _ZPL_ESCAPE.search(value) is None:
            fields = [start + line for start, line in zip(starts, lines, strict=False)]
            return ("^FS".join(fields) + "^FS").encode("utf-8")
        escaped = [
            start[:-3] + field_data(line) for start, line in zip(starts, lines, strict=False)
        ]
        return "".join(escaped).encode("utf-8")

    return write


def _compile_code(template: Code, settings: ZplSettings, name: str) -> Callable[[str], bytes]:
    """A writer for one Code 128 box (UTF-8 bytes): the same placement as ``element_zpl``
    without building the layout element for every parcel."""
    from app.labels.shipping import fill

    def general(value: str) -> str:
        return element_zpl(fill(template, value), settings, name)

    dpi = settings.dpi
    bars_mm = template.h - (CAPTION_MM if template.caption else 0.0)
    caption = (
        _compile_text(
            Text(
                template.x,
                template.y + bars_mm,
                template.w,
                CAPTION_MM,
                "",
                template.field,
                max_pt=CAPTION_PT,
                min_pt=5,
                align=template.align,
                max_lines=1,
            ),
            settings,
            name,
        )
        if template.caption
        else None
    )
    y, h = dots(template.y, dpi), dots(bars_mm, dpi)
    module_choices = [
        (module_dots, module_mm(module_dots, dpi))
        for module_dots in range(
            template.max_module_dots or preferred_module_dots(dpi), min_module_dots(dpi) - 1, -1
        )
    ]
    quiet = template.symbol.quiet_left + template.symbol.quiet_right
    shapes: dict[str, tuple[bytes, ...] | None] = {}

    def write(value: str) -> bytes:
        """Values of one shape (the same characters, any digits) give the same fields
        around the value: every digit has the same width and the same Code 128 cost, so
        a shape's fields are worked out once and the value is set into them."""
        shape = value.translate(_DIGITS_AS_ZERO)
        parts = shapes.get(shape)
        if parts is None:
            out = place(value)
            if len(shapes) >= 4096:
                shapes.clear()
            shapes[shape] = _split_around(out, value, 2 if caption else 1)
            return out.encode("utf-8")
        return value.encode("ascii").join(parts)  # a shape's value is printable ASCII

    def place(value: str) -> str:
        if not value or _PRINTABLE.fullmatch(value) is None:
            return general(value)  # refused with the reason, as any code is
        total = code128_modules_upper_bound(value) + quiet
        chosen = next(
            (
                (module_dots, total * one_module_mm)
                for module_dots, one_module_mm in module_choices
                if total * one_module_mm <= template.w + 1e-9
            ),
            None,
        )
        if chosen is None:
            return general(value)  # too long: a QR code
        module_dots, width_mm = chosen
        if template.align is Align.LEFT:
            left_mm = template.x
        elif template.align is Align.RIGHT:
            left_mm = template.x + template.w - width_mm
        else:
            left_mm = template.x + (template.w - width_mm) / 2
        x = dots(left_mm, dpi) + template.symbol.quiet_left * module_dots
        bars = f"^FO{x},{y}^BY{module_dots},3,{h}^BCN,{h},N,N,N,A{field_data(value)}"
        return bars + caption(value).decode("utf-8") if caption else bars

    return write


_DIGITS_AS_ZERO = str.maketrans("0123456789", "0000000000")


def _split_around(out: str, value: str, times: int) -> tuple[bytes, ...] | None:
    """``out`` cut where ``value`` stands as field data ``times`` times, or None when it
    stands otherwise (escaped, shortened, also elsewhere): such shapes are placed anew."""
    if not value or _ZPL_ESCAPE.search(value) is not None:
        return None
    parts = tuple(out.split(value))
    if len(parts) != times + 1 or not all(part.endswith("^FD") for part in parts[:-1]):
        return None
    return tuple(part.encode("utf-8") for part in parts)


@lru_cache(maxsize=512)
def _fixed_shipping_zpl(key, settings: ZplSettings, name: str) -> str:
    from app.labels.shipping import fixed_elements

    return "".join(element_zpl(element, settings, name) for element in fixed_elements(key))


def _head(width_mm: float, height_mm: float, settings: ZplSettings) -> str:
    dpi = settings.dpi
    head = f"^XA^CI28^PW{dots(width_mm, dpi)}^LL{dots(height_mm, dpi)}^LH0,0"
    if settings.stored_font:
        head += f"^CW{STORED_FONT_ID},{settings.stored_font}"
    return head


def render_small_labels_zpl(
    labels: Iterable[SmallLabel], settings: ZplSettings | None = None
) -> bytes:
    from app.labels.small import SmallLabelFallback, small_label_page

    settings = settings or ZplSettings()
    return render_zpl(
        (
            small_label_page(label, dpi=settings.dpi, fallback=SmallLabelFallback.QR)
            for label in labels
        ),
        settings,
    )
