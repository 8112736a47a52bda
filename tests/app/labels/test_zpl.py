"""ZPL II checked structurally: the label's data is in its fields, every field lies inside
^PW × ^LL, positions scale with the printer's resolution, Chinese goes as a graphic unless a
printer-stored font is configured."""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from dataclasses import dataclass

import pytest

from app.errors import InvalidInput
from app.labels.model import LabelKind, SmallLabel
from app.labels.zpl import (
    ZplSettings,
    code128_modules_upper_bound,
    field_data,
    render_shipping_labels_zpl,
    render_small_labels_zpl,
)
from tests.app.labels.samples import PARIS, shipping_doc

_COMMAND = re.compile(r"\^([A-Z@][A-Z0-9]?)([^\^]*)")


@dataclass
class Field:
    kind: str  # text, graphic, box, code128, ean13, qr
    x: int
    y: int
    width: int
    height: int
    data: str


def _text_width(text: str, height: int) -> int:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return round(stringWidth(text, "Helvetica-Bold", height))


def parse_labels(zpl: bytes) -> list[tuple[dict[str, str], list[Field]]]:
    """Each ^XA … ^XZ as (its settings, its fields with their extent in dots)."""
    labels = []
    for body in zpl.decode("utf-8").split("^XZ"):
        if "^XA" not in body:
            continue
        head: dict[str, str] = {}
        fields: list[Field] = []
        x = y = 0
        font_h = 0
        block_w = None
        module = 2
        pending: tuple[str, int] | None = None
        for command, args in _COMMAND.findall(body):
            if command in ("PW", "LL", "CI", "CW", "LH"):
                head[command] = args
            elif command == "FO":
                x, y = (int(v) for v in args.split(","))
                block_w, pending = None, None
            elif command == "A0" or command == "AZ":
                font_h = int(args.split(",")[1])
                pending = ("text", font_h)
            elif command == "FB":
                block_w = int(args.split(",")[0])
            elif command == "BY":
                module, _ratio, bar_h = args.split(",")
                module = int(module)
                pending = ("bars", int(bar_h))
            elif command in ("BC", "BE", "BU", "B8"):
                pending = (
                    {"BC": "code128", "BE": "ean13", "BU": "upca", "B8": "ean8"}[command],
                    int(args.split(",")[1]),
                )
            elif command == "BQ":
                pending = ("qr", int(args.split(",")[2]))
            elif command == "GB":
                w, h, _t = (int(v) for v in args.split(","))
                fields.append(Field("box", x, y, w, h, ""))
            elif command == "GF":
                _a, total, _total, row_bytes, data = args.split(",")
                assert int(total) % int(row_bytes) == 0, "whole rows"
                dots = graphic_dots(data, int(total))  # the data, as hex, decoded and checked
                fields.append(
                    Field(
                        "graphic",
                        x,
                        y,
                        int(row_bytes) * 8,
                        int(total) // int(row_bytes),
                        dots.hex().upper(),
                    )
                )
            elif command == "FD":
                assert pending is not None, f"field data without a field type at {x},{y}"
                kind, size = pending
                if kind == "text":
                    width = block_w if block_w is not None else _text_width(args, size)
                    fields.append(Field("text", x, y, width, size, args))
                elif kind == "code128":
                    width = module * code128_modules_upper_bound(args)
                    fields.append(Field(kind, x, y, width, size, args))
                elif kind in ("ean13", "upca", "ean8"):
                    fields.append(
                        Field(kind, x, y, module * (67 if kind == "ean8" else 95), size, args)
                    )
                elif kind == "qr":
                    from app.labels.barcodes import qr

                    side = size * qr(args[3:]).size
                    fields.append(Field(kind, x, y, side, side, args[3:]))
        labels.append((head, fields))
    return labels


def graphic_dots(data: str, total: int) -> bytes:
    """A ^GF field's bytes, from its hex or its :Z64: data (base64 of a zlib stream, then
    the CRC-16/XMODEM of the base64 text in hex, which the printer checks); exactly the
    ``total`` bytes the field announces."""
    if data.startswith(":Z64:"):
        encoded, crc = data[len(":Z64:") :].split(":")
        assert int(crc, 16) == binascii.crc_hqx(encoded.encode("ascii"), 0)
        dots = zlib.decompress(base64.b64decode(encoded, validate=True))
    else:
        assert re.fullmatch(r"[0-9A-F]*", data)
        dots = bytes.fromhex(data)
    assert len(dots) == total
    return dots


def assert_inside(head: dict[str, str], fields: list[Field]) -> None:
    width, height = int(head["PW"]), int(head["LL"])
    for field in fields:
        assert field.x >= 0 and field.x + field.width <= width, field
        assert field.y >= 0 and field.y + field.height <= height, field


@pytest.mark.parametrize("dpi", [203, 300])
def test_shipping_label_zpl_carries_its_numbers_with_every_field_inside_the_label(dpi):
    zpl = render_shipping_labels_zpl([shipping_doc(ship_to=PARIS)], ZplSettings(dpi=dpi))
    [(head, fields)] = parse_labels(zpl)
    assert head["CI"] == "28"
    assert (int(head["PW"]), int(head["LL"])) == {203: (812, 1218), 300: (1200, 1800)}[dpi]
    assert_inside(head, fields)
    codes = {field.data for field in fields if field.kind == "code128"}
    assert codes == {"SF1234567890123", "SH-000456"}
    texts = " ".join(field.data for field in fields if field.kind == "text")
    for expected in ("SO-000123", "SF Express", "Café des Deux Moulins", "75018 Paris", "1 of 2"):
        assert expected in texts


def test_positions_and_bar_widths_scale_with_the_printers_resolution():
    doc = shipping_doc(ship_to=PARIS)
    [(_h203, at_203)] = parse_labels(render_shipping_labels_zpl([doc], ZplSettings(dpi=203)))
    [(_h300, at_300)] = parse_labels(render_shipping_labels_zpl([doc], ZplSettings(dpi=300)))
    boxes_203 = [(f.x, f.y) for f in at_203 if f.kind == "box"]
    boxes_300 = [(f.x, f.y) for f in at_300 if f.kind == "box"]
    assert len(boxes_203) == len(boxes_300) > 3
    for (x1, y1), (x2, y2) in zip(boxes_203, boxes_300, strict=True):
        assert abs(x1 * 300 / 203 - x2) <= 2 and abs(y1 * 300 / 203 - y2) <= 2
    zpl_203 = render_shipping_labels_zpl([doc], ZplSettings(dpi=203)).decode()
    zpl_300 = render_shipping_labels_zpl([doc], ZplSettings(dpi=300)).decode()
    assert "^BY3," in zpl_203  # 3 dots = 0.375 mm at 203 dpi
    assert "^BY4," in zpl_300  # 4 dots = 0.339 mm at 300 dpi


def test_chinese_text_is_sent_as_a_graphic_drawn_with_the_cjk_font():
    zpl = render_shipping_labels_zpl([shipping_doc()])
    [(head, fields)] = parse_labels(zpl)
    assert_inside(head, fields)
    graphics = [field for field in fields if field.kind == "graphic"]
    assert graphics, "the Beijing address should be a ^GF graphic"
    assert all(set(field.data) - {"0"} for field in graphics)  # something is drawn
    assert "王小明" not in zpl.decode()


def test_with_a_printer_stored_font_chinese_goes_as_text_in_that_font():
    settings = ZplSettings(stored_font="E:SIMSUN.TTF")
    zpl = render_shipping_labels_zpl([shipping_doc()], settings).decode()
    assert "^CWZ,E:SIMSUN.TTF" in zpl
    assert "^AZN" in zpl and "王小明" in zpl
    assert "^GF" not in zpl
    [(head, fields)] = parse_labels(zpl.encode())
    assert_inside(head, fields)


@pytest.mark.parametrize("dpi", [203, 300])
def test_small_labels_zpl_one_label_each_all_inside(dpi):
    labels = [
        SmallLabel(LabelKind.BIN, "A-01-02-03", "Zone A", "Main"),
        SmallLabel(LabelKind.PRODUCT, "4006381333931", "无线蓝牙耳机", "黑色"),
        SmallLabel(LabelKind.TOTE, "T-0042", "Tote 42"),
        SmallLabel(LabelKind.PRODUCT, "SKU-VERY-LONG-PRODUCT-CODE-0001-XL", "Long"),
    ]
    parsed = parse_labels(render_small_labels_zpl(labels, ZplSettings(dpi=dpi)))
    assert len(parsed) == 4
    for head, fields in parsed:
        assert int(head["PW"]) == round(2 * dpi) and int(head["LL"]) == round(dpi)
        assert_inside(head, fields)
    kinds = [
        [f.kind for f in fields if f.kind not in ("text", "box", "graphic")] for _, fields in parsed
    ]
    assert kinds == [["code128"], ["ean13"], ["code128"], ["qr"]]
    ean = next(f for f in parsed[1][1] if f.kind == "ean13")
    assert ean.data == "400638133393"  # the printer adds the check digit it was checked for


def test_field_data_escapes_the_characters_zpl_reserves():
    assert field_data("A^B~C") == "^FH\\^FDA\\5EB\\7EC^FS"
    assert field_data("plain") == "^FDplain^FS"


def test_only_203_and_300_dpi_printers_are_accepted():
    with pytest.raises(InvalidInput):
        ZplSettings(dpi=600)


def test_the_fast_shipping_label_writer_gives_exactly_the_drawn_page():
    from app.labels.shipping import shipping_label_page
    from app.labels.zpl import page_zpl
    from tests.app.labels.samples import BEIJING, TOKYO

    docs = [
        shipping_doc(),
        shipping_doc(ship_to=PARIS, tracking_number=None, fragile=False),
        shipping_doc(ship_to=TOKYO, tracking_number="JD01460000628-ABCDEFGHIJKLMNOPQRSTUVWXYZ-01"),
        shipping_doc(ship_to=BEIJING, weight_g=None, channel_order_id="", parcel_count=12),
        shipping_doc(shipment_number="SH-^~\\1", tracking_number="1Z 999 AA1"),
    ]
    for dpi in (203, 300):
        settings = ZplSettings(dpi=dpi)
        fast = render_shipping_labels_zpl(docs, settings).decode().splitlines()
        drawn = [page_zpl(shipping_label_page(doc), settings) for doc in docs]
        assert fast == drawn


def test_the_fast_writer_matches_the_drawn_page_when_its_shapes_repeat():
    """Code 128 fields are set into the fields worked out for the first value of their
    shape (same characters, other digits): every later label still equals its drawn page."""
    from app.labels.bench import sample_shipping_docs
    from app.labels.shipping import shipping_label_page
    from app.labels.zpl import page_zpl

    docs = sample_shipping_docs(40)
    docs += [
        shipping_doc(tracking_number="1Z999AA10123456784", shipment_number="SH-7"),
        shipping_doc(tracking_number="1Z999AA10123456785", shipment_number="SH-8"),
        shipping_doc(tracking_number="12345678901234567890123456789012345678901234"),
        shipping_doc(tracking_number="98765432109876543210987654321098765432109876"),
    ]
    for dpi in (203, 300):
        settings = ZplSettings(dpi=dpi)
        fast = render_shipping_labels_zpl(docs, settings).decode().splitlines()
        drawn = [page_zpl(shipping_label_page(doc), settings) for doc in docs]
        assert fast == drawn


@pytest.mark.parametrize("bold", [False, True])
def test_a_line_graphic_has_the_dots_of_its_glyphs_pasted_with_the_cjk_font(bold):
    """The ^GF line set as bits equals the line composed by pasting the glyph images."""
    from app.labels.zpl_glyphs import line_graphic, line_image

    lines = ("王小明 000019", "北京市朝阳区建国路88号", "〒100-0001", "↑ THIS SIDE UP ↑", "ワイヤ")
    for line in lines:
        for size in (12, 24, 39, 58, 83):
            for max_width in (10_000, 60):  # the second: cut at the box's edge
                image = line_image(line, size, bold)
                if image.width > max_width:
                    image = image.crop((0, 0, max_width, image.height))
                row_bytes = (image.width + 7) // 8
                drawn = (image.width, row_bytes, image.height, image.tobytes().hex().upper())
                assert line_graphic.__wrapped__(line, size, bold, max_width) == drawn


def test_the_built_in_font_widths_are_reportlabs_helvetica_bold():
    from reportlab.pdfbase.pdfmetrics import getFont

    from app.labels.builtin_font import HELVETICA_BOLD_WIDTHS

    widths = getFont("Helvetica-Bold").widths
    assert tuple(width / 1000 for width in widths) == HELVETICA_BOLD_WIDTHS


def test_zpl_labels_are_written_without_loading_reportlab():
    """A ZPL-only desk's first labels do not pay for the PDF library (a third of them)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from app.labels.bench import sample_shipping_docs\n"
        "from app.labels.zpl import render_shipping_labels_zpl\n"
        "render_shipping_labels_zpl(sample_shipping_docs(20))\n"
        "print(sorted(m for m in sys.modules if m.startswith('reportlab')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def _ink(image) -> tuple[int, bytes]:
    """A 1-bit image's dots without the blank rows and columns around them, and the row
    they start at."""
    box = image.getbbox()
    return (box[1], image.crop(box).tobytes()) if box else (0, b"")


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize("compressed", [False, True])
def test_the_graphics_decode_to_the_address_lines_drawn_with_the_cjk_font(dpi, compressed):
    """Read back as the printer would (hex or :Z64:), each ^GF graphic of a Chinese and a
    Japanese address is one of the address's lines as the CJK font draws it, at one size
    between the field's smallest and largest: the label shows the text."""
    from PIL import Image

    from app.labels.address import address_lines
    from app.labels.shipping import parcel_templates
    from app.labels.zpl import dots
    from app.labels.zpl_glyphs import line_image
    from tests.app.labels.samples import BEIJING, TOKYO

    settings = ZplSettings(dpi=dpi, compressed_graphics=compressed)
    [box] = [field for field in parcel_templates(True, 0) if field.field == "ship_to"]
    for ship_to in (BEIJING, TOKYO):
        doc = shipping_doc(ship_to=ship_to, fragile=False, this_side_up=False, contents=())
        zpl = render_shipping_labels_zpl([doc], settings)
        assert (b":Z64:" in zpl) is compressed
        [(head, fields)] = parse_labels(zpl)
        assert_inside(head, fields)
        graphics = [field for field in fields if field.kind == "graphic"]
        every_line = address_lines(ship_to, home_country="DE")  # short: none is wrapped
        lines = [line for line in every_line if not line.isascii()]
        assert len(graphics) == len(lines)
        sizes = range(round(6 * dpi / 72), round(14 * dpi / 72) + 1)  # the ship-to's range
        tops = {}  # where each line's own top (its first row, blank or not) is on the label
        for field in graphics:
            image = Image.frombytes("1", (field.width, field.height), bytes.fromhex(field.data))
            ink_top, drawn = _ink(image)
            assert drawn, "something is drawn"
            found = [
                (line, size, field.y + ink_top - own_top)
                for line in lines
                for size in sizes
                for own_top, own in [_ink(line_image(line, size, bold=True))]
                if own == drawn
            ]
            assert found, f"the graphic at {field.x},{field.y} is none of the address lines"
            line, size, top = found[0]
            tops[every_line.index(line)] = (size, top)
        # the lines stand one leading apart, from the ship-to box's top down
        [size] = {size for size, _top in tops.values()}
        for index, (_size, top) in tops.items():
            assert top == dots(box.y, dpi) + round(index * size * 1.12)


def test_compressed_graphics_carry_the_same_dots_as_hex():
    from tests.app.labels.samples import BEIJING

    docs = [shipping_doc(), shipping_doc(ship_to=BEIJING, weight_g=None)]
    for dpi in (203, 300):
        plain = parse_labels(render_shipping_labels_zpl(docs, ZplSettings(dpi=dpi)))
        packed = render_shipping_labels_zpl(docs, ZplSettings(dpi=dpi, compressed_graphics=True))
        assert parse_labels(packed) == plain
        assert len(packed) < len(render_shipping_labels_zpl(docs, ZplSettings(dpi=dpi))) * 0.6
