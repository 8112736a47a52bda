"""The carriers and carrier services, read once per process and kept as plain data.

Every carrier choice, tracking number and hand-over reads these small tables (six
carriers, fifteen services); reading them through the session each time cost more than
the rest of those verbs together. A supervisor edits them rarely, so a desk works from a
copy at most ``MAX_AGE_S`` old (bounded staleness: another desk's edit is seen within a
minute); an edit made through this program calls ``forget_carrier_tables()`` so this
process sees it at once. One copy per database engine: two databases open in one process
(the tests, a bench beside the desk) never share one.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.shipping.model import ServiceLevel, ServiceOption
from db.models_shipping import Carrier, CarrierService

# How long a desk trusts its copy of the carrier tables before reading them again.
MAX_AGE_S = 60.0


@dataclass(frozen=True)
class CarrierRow:
    """A carrier as the verbs read it (the fields of ``db.models_shipping.Carrier``)."""

    id: int
    code: str
    name: str
    amazon_code: str | None
    issues_labels: bool
    active: bool


@dataclass(frozen=True)
class ServiceRow:
    """A carrier service as the verbs read it (fields of ``CarrierService``)."""

    id: int
    carrier_id: int
    code: str
    name: str
    level: str
    ship_method: str | None
    rank: int
    active: bool


@dataclass(frozen=True)
class CarrierTable:
    carriers: dict[int, CarrierRow]
    services: dict[int, ServiceRow]
    options: tuple[ServiceOption, ...]  # the active services of active carriers, by id
    read_at: float  # time.monotonic() when read

    def carrier_of_service(
        self, service_id: int | None
    ) -> tuple[CarrierRow | None, ServiceRow | None]:
        service = self.services.get(service_id) if service_id else None
        if service is None:
            return None, None
        return self.carriers.get(service.carrier_id), service

    def carrier_by_code(self, code: str) -> CarrierRow | None:
        return next((c for c in self.carriers.values() if c.code == code), None)


_tables: weakref.WeakKeyDictionary[Engine, CarrierTable] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def carrier_table(session: Session, *, knowing: int | None = None) -> CarrierTable:
    """This database's carrier tables, read again when older than ``MAX_AGE_S`` or when
    they do not know the service ``knowing`` yet (added at another desk since)."""
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    table = _tables.get(engine)
    if (
        table is None
        or time.monotonic() - table.read_at > MAX_AGE_S
        or (knowing is not None and knowing not in table.services)
    ):
        table = _read(session)
        with _lock:
            _tables[engine] = table
    return table


def forget_carrier_tables() -> None:
    """Read the tables again at the next use (call after editing carriers or services)."""
    with _lock:
        _tables.clear()


def _read(session: Session) -> CarrierTable:
    connection = session.connection()
    carriers = {
        row.id: CarrierRow(
            row.id, row.code, row.name, row.amazon_code, bool(row.issues_labels), bool(row.active)
        )
        for row in connection.execute(select(Carrier.__table__))
    }
    services: dict[int, ServiceRow] = {}
    options: list[ServiceOption] = []
    for row in connection.execute(select(CarrierService.__table__).order_by(CarrierService.id)):
        services[row.id] = ServiceRow(
            row.id,
            row.carrier_id,
            row.code,
            row.name,
            row.level,
            row.ship_method,
            row.rank,
            bool(row.active),
        )
        carrier = carriers.get(row.carrier_id)
        if carrier is not None and carrier.active and row.active:
            options.append(_option(row, carrier))
    return CarrierTable(carriers, services, tuple(options), time.monotonic())


def _option(row, carrier: CarrierRow) -> ServiceOption:
    return ServiceOption(
        service_id=row.id,
        carrier_code=carrier.code,
        carrier_name=carrier.name,
        service_code=row.code,
        service_name=row.name,
        level=ServiceLevel(row.level),
        max_weight_g=row.max_weight_g,
        countries=frozenset(c.upper() for c in row.countries) if row.countries else None,
        signature_above_cents=row.signature_above_cents,
        insurance_above_cents=row.insurance_above_cents,
        threshold_currency=row.threshold_currency,
        rank=row.rank,
        issues_labels=carrier.issues_labels,
    )
