"""Product and stock rules: SKUs known and active, sane quantities, the channel's model and spec
match ours, enough stock available.

Each rule is ``rule(order, world) -> list[Finding]``; see ``rules.py``. Pure: no database,
no Qt.
"""

from __future__ import annotations

import re

from app.i18n import N_
from app.i18n import Sentence as S
from app.review.model import (
    F_LINES,
    Finding,
    LineFacts,
    OrderFacts,
    ProductFacts,
    Queue,
    ReviewWorld,
    line_field,
)
from app.review.rules_common import (
    BLOCK,
    SPEC_MISMATCH,
    WARN,
    has_text,
)

# --------------------------------------------------------------------------- products


def sku_known_and_active(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    findings: list[Finding] = []
    for line in order.lines:
        field = line_field(line.line_no, "sku")
        product = world.products.get(line.sku)
        if not has_text(line.sku):
            findings.append(
                Finding(
                    "line.sku_missing",
                    BLOCK,
                    field,
                    S("Line {line} has no SKU.", line=line.line_no),
                    Queue.NEEDS_INFO,
                )
            )
        elif product is None:
            findings.append(
                Finding(
                    "line.sku_unknown",
                    BLOCK,
                    field,
                    S(
                        "Line {line}: SKU {sku!r} is not in our catalogue.",
                        line=line.line_no,
                        sku=line.sku,
                    ),
                    Queue.NEEDS_INFO,
                )
            )
        elif not product.active:
            findings.append(
                Finding(
                    "line.sku_inactive",
                    BLOCK,
                    field,
                    S(
                        "Line {line}: {sku} is no longer sold; offer a substitute.",
                        line=line.line_no,
                        sku=line.sku,
                    ),
                    Queue.STOCK_SHORT,
                )
            )
    if not order.lines:
        findings.append(
            Finding(
                "order.no_lines", BLOCK, F_LINES, S("The order has no lines."), Queue.NEEDS_INFO
            )
        )
    return findings


def quantity_sane(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    limit = world.settings.max_line_quantity
    findings: list[Finding] = []
    for line in order.lines:
        field = line_field(line.line_no, "quantity")
        quantity = line.quantity
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
            findings.append(
                Finding(
                    "line.quantity_not_positive",
                    BLOCK,
                    field,
                    S(
                        "Line {line}: quantity {quantity!r} is not a positive whole number.",
                        line=line.line_no,
                        quantity=quantity,
                    ),
                    Queue.NEEDS_INFO,
                )
            )
        elif quantity > limit:
            findings.append(
                Finding(
                    "line.quantity_excessive",
                    BLOCK,
                    field,
                    S(
                        "Line {line}: {quantity:,} units is more than the {limit:,} we sell on "
                        "one line without confirming with the customer.",
                        line=line.line_no,
                        quantity=quantity,
                        limit=limit,
                    ),
                    Queue.NEEDS_INFO,
                    (("quantity", quantity), ("limit", limit)),
                )
            )
    return findings


_MODEL_TOKEN = re.compile(r"\b([A-Za-z]{1,6})[- ]?(\d{2,}[A-Za-z\d]*)\b")


def _squash(text: str) -> str:
    """Case, spaces and punctuation folded away: "X-200 Pro" == "x200pro"."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _model_mentions(text: str) -> list[tuple[str, str]]:
    return [(prefix.casefold(), digits.casefold()) for prefix, digits in _MODEL_TOKEN.findall(text)]


def product_text_consistent(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    findings: list[Finding] = []
    for line in order.lines:
        product = world.products.get(line.sku)
        if product is None:
            continue
        findings.extend(_given_spec_findings(line, product))
        findings.extend(_text_model_findings(line, product))
    return findings


def _given_spec_findings(line: LineFacts, product: ProductFacts) -> list[Finding]:
    findings = []
    for attribute, given, ours in (
        ("model", line.channel_model, product.model),
        ("spec", line.channel_spec, product.spec),
    ):
        if has_text(given) and has_text(ours) and _squash(given) != _squash(ours):
            findings.append(
                Finding(
                    f"line.{attribute}_mismatch",
                    BLOCK,
                    line_field(line.line_no, attribute),
                    S(
                        SPEC_MISMATCH[attribute],
                        line=line.line_no,
                        given=given,
                        sku=product.sku,
                        ours=ours,
                    ),
                    Queue.NEEDS_INFO,
                )
            )
    return findings


def _text_model_findings(line: LineFacts, product: ProductFacts) -> list[Finding]:
    """The channel's text names a sibling model (same letters, other number) of ours."""
    if has_text(line.channel_model) or not (has_text(product.model) and line.product_text):
        return []
    ours = _squash(product.model)
    if ours in _squash(line.product_text):
        return []
    our_mentions = _model_mentions(product.model)
    if not our_mentions:
        return []
    our_prefix = our_mentions[0][0]
    others = [
        prefix + digits
        for prefix, digits in _model_mentions(line.product_text)
        if prefix == our_prefix and prefix + digits != ours
    ]
    if not others:
        return []
    return [
        Finding(
            "line.text_names_other_model",
            WARN,
            line_field(line.line_no, "model"),
            S(
                "Line {line}: the channel's text mentions {mentioned}, but {sku} is model {model}.",
                line=line.line_no,
                mentioned=others[0].upper(),
                sku=product.sku,
                model=product.model,
            ),
            Queue.NEEDS_INFO,
        )
    ]


# --------------------------------------------------------------------------- stock


def _demand_by_sku(order: OrderFacts, world: ReviewWorld) -> dict[str, tuple[int, int]]:
    """SKU → (units wanted over all its lines, first line number), for sellable lines."""
    demand: dict[str, tuple[int, int]] = {}
    for line in order.lines:
        product = world.products.get(line.sku)
        if product is None or not product.active:
            continue
        if not isinstance(line.quantity, int) or line.quantity <= 0:
            continue
        units, first = demand.get(line.sku, (0, line.line_no))
        demand[line.sku] = (units + line.quantity, first)
    return demand


def stock_available(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    findings: list[Finding] = []
    for sku, (wanted, line_no) in _demand_by_sku(order, world).items():
        product = world.products[sku]
        position = world.stock.get(product.id)
        available = position.available(product.category) if position else 0
        if available >= wanted:
            continue
        shipping = position.shipping(product.category) if position else ()
        where = ", ".join(f"{w.warehouse_code} {max(0, w.available)}" for w in shipping)
        committed = position.committed if position else 0
        values = {"sku": sku, "wanted": wanted, "available": available}
        values.update(short=wanted - available, committed=committed)
        values["where"] = where or S("none in any warehouse")
        template = (
            N_(
                "{sku}: {wanted} wanted, {available} available — short {short} (on hand less "
                "reserved: {where}; {committed} promised to approved orders)."
            )
            if committed
            else N_(
                "{sku}: {wanted} wanted, {available} available — short {short} (on hand less "
                "reserved: {where})."
            )
        )
        findings.append(
            Finding(
                "stock.short",
                BLOCK,
                line_field(line_no, "quantity"),
                S(template, **values),
                Queue.STOCK_SHORT,
                (
                    ("sku", sku),
                    ("wanted", wanted),
                    ("available", available),
                    ("short", wanted - available),
                    *((f"warehouse:{w.warehouse_code}", max(0, w.available)) for w in shipping),
                ),
            )
        )
    return findings
