"""Text outside the printers' fonts (Chinese, Japanese, arrows) as ZPL ^GF graphics: the
lines drawn with the CJK font, composed from glyphs rasterised once each, and the metrics
the ZPL writer fits such text with.
"""

from __future__ import annotations

import zlib
from base64 import b64encode
from binascii import crc_hqx, hexlify
from functools import lru_cache

from app.labels.text import cjk_font_path

LEADING = 1.12  # a line's height as a share of its size, in the ZPL labels


@lru_cache(maxsize=16)
def _pil_font(size: int):
    from PIL import ImageFont

    return ImageFont.truetype(cjk_font_path(), size=size, index=0)


@lru_cache(maxsize=65536)
def cjk_width_at_one(token: str) -> float:
    """The sum of the characters' advances, as ``_line_rows`` places them (the CJK font
    has no kerning to speak of); a name is new on almost every label, a character is not."""
    return sum([_cjk_char_width(char) for char in token])


@lru_cache(maxsize=16384)
def _cjk_char_width(char: str) -> float:
    return _pil_font(200).getlength(char) / 200


@lru_cache(maxsize=64)
def line_graphic(line: str, size: int, bold: bool, max_width: int) -> tuple[int, int, int, str]:
    """(width, bytes per row, rows, hex) of one line drawn with the CJK font: its plain
    ^GF data, uncut (the labels send ``graphic_field``'s)."""
    width, row_bytes, rows, dots = line_dots(line, size, bold, max_width)
    return width, row_bytes, rows, dots.hex().upper()


@lru_cache(maxsize=2048)
def graphic_field(
    line: str, size: int, bold: bool, max_width: int, most_rows: int, z64: bool
) -> tuple[int, int, bytes]:
    """(width, blank rows above, ``^GFA`` command) of one line drawn with the CJK font, at
    most ``most_rows`` rows of it, without the blank rows above and below its dots (a
    fifth of a line's rows: the printer need not be sent them); a city or a product name
    recurs from label to label and is drawn once.

    ``z64``: the dots zlib-compressed in base64 (ZPL II ``:Z64:``), a fifth of the hex's
    size; a run of labels is then half the bytes at 300 dpi, and 10-15 % more CPU time
    (measured), so it is a printer setting, not the default."""
    width, row_bytes, rows, dots = line_dots(line, size, bold, max_width)
    dots = dots[: row_bytes * min(rows, most_rows)]
    above = (len(dots) - len(dots.lstrip(b"\0"))) // row_bytes
    below = (len(dots) - len(dots.rstrip(b"\0"))) // row_bytes
    if above * row_bytes == len(dots):  # nothing drawn (spaces): one blank row
        above, below = 0, above - 1
    dots = dots[above * row_bytes : len(dots) - below * row_bytes]
    total = len(dots)
    data = z64_data(dots) if z64 else hexlify(dots).upper()
    return width, above, b"^GFA,%d,%d,%d,%b" % (total, total, row_bytes, data)


def z64_data(dots: bytes) -> bytes:
    """``^GF`` data as ``:Z64:`` base64 of the zlib stream ``:`` CRC-16/XMODEM (as ZPL II
    defines it: polynomial 0x1021, start 0, over the base64 characters) in 4 hex digits.
    Level 1: the bitmaps' blank runs compress nearly as well as at level 6, several times
    faster. A 4 KB window and a small hash table (a row repeats within a few hundred
    bytes): zlib's default state is ~270 KB, fresh memory on every call, which made the
    run a tenth slower."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 12, 4)
    b64 = b64encode(packer.compress(dots) + packer.flush())
    return b":Z64:%b:%04X" % (b64, crc_hqx(b64, 0))


def _stroke(size: int, bold: bool) -> int:
    """Dots a bold line is overprinted to the right: the CJK font has no bold face."""
    return max(1, size // 36) if bold else 0


def _layout(line: str, size: int) -> tuple[list[int], int]:
    """Where each character's glyph starts (its pen at the advances so far, rounded to a
    dot), and the line's width in dots before any bold stroke."""
    lefts = []
    x = 0.0
    right = 1
    for char in line:
        advance, glyph_width = _glyph_metrics(char, size)
        left = round(x)
        lefts.append(left)
        right = max(right, left + glyph_width)
        x += advance
    return lefts, max(int(x + 0.999), right)


def line_dots(line: str, size: int, bold: bool, max_width: int) -> tuple[int, int, int, bytes]:
    """(width, bytes per row, rows, the rows' bytes) of one line drawn with the CJK font,
    cut at ``max_width`` dots; a 1 bit is a dot, the highest bit of a byte leftmost."""
    stroke = _stroke(size, bold)
    lefts, inked = _layout(line, size)
    width = inked + 2 * stroke
    if width <= max_width:  # the same dots as ``line_image``, set as bits of one number
        row_bytes = (width + 7) // 8
        rows = round(size * LEADING)
        bits = 0
        for char, left in zip(line, lefts, strict=True):
            bits |= _placed_bits(char, size, row_bytes, left, stroke)
        return width, row_bytes, rows, bits.to_bytes(rows * row_bytes)
    image = line_image(line, size, bold)
    if image.width > max_width:
        image = image.crop((0, 0, max_width, image.height))
    # a 1-bit image's bytes are ^GF's rows: highest bit leftmost, each row padded to a byte
    return image.width, (image.width + 7) // 8, image.height, image.tobytes()


# FreeType's coverage (0-255) to a dot: on from 110 up (thin strokes stay, no blur)
_THRESHOLD = tuple(255 if value >= 110 else 0 for value in range(256))


@lru_cache(maxsize=16384)
def _glyph(char: str, size: int):
    """(advance, 1-bit image) of one character at ``size`` dots, its pen at the top left.
    A glyph is rasterised once: FreeType cost ~1.5 ms per line, and the names on labels
    are mostly new."""
    from PIL import Image, ImageDraw

    font = _pil_font(size)
    advance = font.getlength(char)
    width = max(1, int(advance + 0.999), font.getbbox(char)[2])
    image = Image.new("L", (width, round(size * LEADING)), 0)
    ImageDraw.Draw(image).text((0, 0), char, font=font, fill=255)
    return advance, image.point(_THRESHOLD, "1")


@lru_cache(maxsize=16384)
def _glyph_metrics(char: str, size: int) -> tuple[float, int]:
    advance, glyph = _glyph(char, size)
    return advance, glyph.width


@lru_cache(maxsize=65536)
def _glyph_bits(char: str, size: int, row_bytes: int) -> int:
    """A glyph's dots at the left of rows ``row_bytes`` wide, as one number (first row in
    the highest bits): shifted right by its place, it is ORed into a line's."""
    glyph = _glyph(char, size)[1]
    own = (glyph.width + 7) // 8
    data = glyph.tobytes()
    pad = bytes(row_bytes - own)
    return int.from_bytes(b"".join([data[i : i + own] + pad for i in range(0, len(data), own)]))


@lru_cache(maxsize=2048)  # a few KB each: ~10 MB at most
def _placed_bits(char: str, size: int, row_bytes: int, left: int, stroke: int) -> int:
    """A glyph's dots, overprinted ``stroke`` dots to the right, at ``left`` in rows
    ``row_bytes`` wide. The names on labels are new, but their characters stand at the
    same places from label to label (a surname, digits of one width), so the placed
    number is kept: a line is then one OR per character.

    Overprinting each glyph is overprinting the line (a shift distributes over OR), and
    needs no mask: the line is ``2 * stroke`` dots wider than its rightmost glyph, so no
    dot is pushed past it or into the next row."""
    bits = _glyph_bits(char, size, row_bytes)
    for _dot in range(stroke):
        bits |= bits >> 1
    return bits >> left


def line_image(line: str, size: int, bold: bool = False):
    """One line of text drawn with the CJK font at ``size`` dots, as a 1-bit image composed
    from cached glyphs at their advances (each pasted through itself: dots only add)."""
    from PIL import Image

    stroke = _stroke(size, bold)
    lefts, inked = _layout(line, size)
    image = Image.new("1", (inked + 2 * stroke, round(size * LEADING)), 0)
    for char, left in zip(line, lefts, strict=True):
        glyph = _glyph(char, size)[1]
        image.paste(glyph, (left, 0), glyph)
    for _dot in range(stroke):
        shifted = image.crop((0, 0, image.width - 1, image.height))
        image.paste(shifted, (1, 0), shifted)
    return image
