"""Plain data of the packing station: what the rules read, what the screen shows, and the
station's verbs declared once (shipment states, permission, reason needed)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.i18n import N_
from app.permissions import Permission

# --------------------------------------------------------------------------- rules input


@dataclass(frozen=True)
class PackageTypeFacts:
    code: str
    name: str
    kind: str  # carton, foam_carton, poly_bag, envelope
    inner_volume_cm3: int
    max_weight_g: int
    tare_g: int = 0


@dataclass(frozen=True)
class PackageRuleFacts:
    """None in a condition means "any"; the first rule by rank whose conditions all hold
    (and whose package holds the items) is suggested."""

    rank: int
    package_code: str
    fragile: bool | None = None
    soft: bool | None = None
    max_volume_cm3: int | None = None
    max_weight_g: int | None = None
    rule_id: int = 0


@dataclass(frozen=True)
class ItemFacts:
    """Units of one product going into a parcel."""

    sku: str
    quantity: int
    weight_g: int
    volume_cm3: int | None = None  # None: the product's size is not known
    fragile: bool = False
    soft: bool = False


@dataclass(frozen=True)
class WeightCheck:
    weighed_g: int
    expected_g: int
    tolerance_g: int

    @property
    def difference_g(self) -> int:
        return self.weighed_g - self.expected_g

    @property
    def within(self) -> bool:
        return abs(self.difference_g) <= self.tolerance_g


@dataclass(frozen=True)
class PackingSettings:
    weight_tolerance_percent: int = 10
    weight_tolerance_min_g: int = 50
    max_parcel_weight_g: int = 70_000  # heavier is freight, not a parcel
    volume_fill_percent: int = 125  # items take more room in a box than their own size


class ScanKind(StrEnum):
    """What a code scanned at the station is."""

    SHIPMENT = "shipment"  # SH-…, SO-… or a tote: open that shipment
    WEIGHT = "weight"  # "1.25 kg", "830 g" (a scale that types like a keyboard)
    PACKAGE = "package"  # a package type's code
    PRINT = "print"  # the PRINT command barcode
    NEW_PARCEL = "new_parcel"  # the NEW PARCEL command barcode
    ITEM = "item"  # anything else: an item of the shipment (or refused as such)


PRINT_CODE = "PRINT"
NEW_PARCEL_CODE = "NEW-PARCEL"

# --------------------------------------------------------------------------- verbs as data


@dataclass(frozen=True)
class PackVerb:
    name: str
    label: str  # N_()-marked; translate where shown
    from_states: frozenset[str]  # the shipment's status
    permission: Permission
    reason_needed: bool = False
    shortcut: str = ""


_PICKED = frozenset({"picked"})
_PACK = Permission.PICK_AND_PACK

PACK_VERBS: dict[str, PackVerb] = {
    v.name: v
    for v in (
        PackVerb("scan", N_("Scan an item"), _PICKED, _PACK),
        PackVerb("undo", N_("Undo last scan"), _PICKED, _PACK, shortcut="F4"),
        PackVerb("new_parcel", N_("New parcel"), _PICKED, _PACK, shortcut="F6"),
        PackVerb("weigh", N_("Weigh"), _PICKED, _PACK),
        PackVerb("package", N_("Choose package"), _PICKED, _PACK),
        PackVerb("print", N_("Print label"), _PICKED, _PACK, shortcut="F10"),
        PackVerb(
            "override",
            N_("Print unverified (supervisor)"),
            _PICKED,
            Permission.SUPERVISE_WAREHOUSE,
            reason_needed=True,
            shortcut="Ctrl+F10",
        ),
        PackVerb("reprint", N_("Reprint label"), frozenset({"packed"}), _PACK, shortcut="F9"),
        # The carrier's tracking number scanned from its waybill, parcel by parcel.
        PackVerb("tracking", N_("Tracking number"), frozenset({"picked", "packed"}), _PACK),
        # A cancelled order's picked units go back to a bin (a stock move each).
        PackVerb("put_back", N_("Put back"), frozenset({"cancelled"}), _PACK, shortcut="F8"),
    )
}


@dataclass(frozen=True)
class VerbState:
    enabled: bool
    why_not: str = ""


# --------------------------------------------------------------------------- what screens read


class Notice(StrEnum):
    """Why a shipment at the station cannot be packed (said loudly)."""

    NONE = ""
    CANCELLED = "cancelled"  # its order was cancelled: put the items back
    SHIPPED = "shipped"  # it already left
    PACKED = "packed"  # labelled already: reprint only
    NOT_PICKED = "not_picked"  # still being picked


@dataclass(frozen=True)
class PackItem:
    product_id: int
    sku: str
    barcode: str | None
    name: str
    spec: str
    wanted: int
    scanned: int
    fragile: bool = False
    high_value: bool = False

    @property
    def done(self) -> bool:
        return self.scanned >= self.wanted


@dataclass(frozen=True)
class ParcelView:
    parcel_id: int
    sequence: int
    status: str
    package_type: str | None
    weight_g: int | None
    units: int
    expected_g: int
    suggested_package: str | None
    tracking_number: str | None = None
    labels: int = 0  # labels printed (first print and reprints)


@dataclass(frozen=True)
class PackState:
    shipment_id: int
    number: str
    order_number: str
    status: str
    order_status: str
    version: int
    items: tuple[PackItem, ...]
    parcels: tuple[ParcelView, ...]
    notice: Notice = Notice.NONE
    ship_to: str = ""
    last_scan: str = ""
    put_back_left: int = 0  # a cancelled shipment's picked units still to put back
    # The code of the carrier the parcels go with: the one chosen for them, else right
    # after weighing the one the rules will choose ("" when not known). Our own fleet's
    # numbers are made at PRINT; another carrier's number is scanned from its waybill.
    carrier: str = ""

    @property
    def wanted(self) -> int:
        return sum(i.wanted for i in self.items)

    @property
    def scanned(self) -> int:
        return sum(min(i.scanned, i.wanted) for i in self.items)

    @property
    def verified(self) -> bool:
        return self.wanted > 0 and all(i.done for i in self.items)

    @property
    def current(self) -> ParcelView | None:
        """The parcel scans go into: the last open one."""
        open_parcels = [p for p in self.parcels if p.status == "open"]
        return open_parcels[-1] if open_parcels else None


@dataclass(frozen=True)
class PackResult:
    message: str
    state: PackState
    warning: str = ""  # accepted, but the packer should look (weight off …)


@dataclass(frozen=True)
class PutBackLine:
    sku: str
    bin_code: str
    quantity: int


@dataclass(frozen=True)
class PutBackResult:
    shipment_number: str
    lines: tuple[PutBackLine, ...]

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    def as_json(self) -> dict:
        return {
            "shipment": self.shipment_number,
            "units": self.units,
            "lines": [
                {"sku": x.sku, "bin": x.bin_code, "quantity": x.quantity} for x in self.lines
            ],
        }


@dataclass(frozen=True)
class LabelJob:
    """What went to the printer for one print action."""

    printer: str
    label_format: str
    parcels: tuple[int, ...]
    label_bytes: bytes
    slip_bytes: bytes | None


# --------------------------------------------------------------------------- starting tables

# A station's usual boxes and bags, and rules that pick among them; supervisors edit both.
DEFAULT_PACKAGES: tuple[PackageTypeFacts, ...] = (
    PackageTypeFacts("BAG-M", N_("Poly bag M"), "poly_bag", 6_000, 5_000, 20),
    PackageTypeFacts("BAG-L", N_("Poly bag L"), "poly_bag", 15_000, 10_000, 40),
    PackageTypeFacts("BOX-S", N_("Carton S (20×15×10)"), "carton", 3_000, 5_000, 150),
    PackageTypeFacts("BOX-M", N_("Carton M (30×20×20)"), "carton", 12_000, 15_000, 300),
    PackageTypeFacts("BOX-L", N_("Carton L (40×40×25)"), "carton", 40_000, 25_000, 600),
    PackageTypeFacts("FOAM-S", N_("Foam-lined carton S"), "foam_carton", 3_000, 5_000, 250),
    PackageTypeFacts("FOAM-M", N_("Foam-lined carton M"), "foam_carton", 12_000, 15_000, 450),
)
DEFAULT_RULES: tuple[PackageRuleFacts, ...] = (
    PackageRuleFacts(10, "FOAM-S", fragile=True, max_volume_cm3=2_400, max_weight_g=4_000),
    PackageRuleFacts(11, "FOAM-M", fragile=True),
    PackageRuleFacts(20, "BAG-M", fragile=False, soft=True, max_weight_g=4_000),
    PackageRuleFacts(21, "BAG-L", fragile=False, soft=True),
    PackageRuleFacts(30, "BOX-S", max_volume_cm3=2_400, max_weight_g=4_000),
    PackageRuleFacts(31, "BOX-M", max_volume_cm3=9_600),
    PackageRuleFacts(35, "BOX-M", max_weight_g=2_000),  # size unknown: light goes in M
    PackageRuleFacts(40, "BOX-L"),
)
