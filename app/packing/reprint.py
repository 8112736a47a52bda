"""An explicit reprint of a parcel's label at the station, with its customs declaration.

A reprint is never an accident: the person says why, and the reprint is recorded in the
parcel's label history (``parcel_labels``: who, when, printer, reason) and audited. A
cross-border parcel's CN22/CN23 travels with its label, so a parcel whose label is
reprinted (torn, smudged, lost) gets its customs declaration again too; where it printed
is audited (``customs_reprinted``). What could not print is said, in amber.

The label history read for screens is ``app.shipping.queries.label_history``.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.errors import NotFound, PrintFailed
from app.i18n import N_, _
from app.labels.model import CustomsForm
from app.numbers import entity_number
from app.packing import queries
from app.packing.errors import ParcelNotLabelled, ReprintNeedsReason
from app.packing.labelling import _Docs, _print_one
from app.packing.model import PackResult
from app.packing.printers import StationPrinters
from app.packing.service import _audit, _locked, _refuse_unless
from app.permissions import Actor
from app.picking.service import uow_factory
from app.shipping.customs import ParcelDeclaration, shipment_declarations
from app.uow import UnitOfWork
from db.models_shipping import Parcel


def reprint_label(
    source, actor: Actor, parcel_id: int, printers: StationPrinters, reason: str
) -> PackResult:
    """Reprint a labelled parcel's label (and its customs declaration, if it has one),
    recorded with who and why. A label the printer did not take is recorded as failed and
    ``PrintFailed`` says why; the parcel keeps its first label either way."""

    def work(uow: UnitOfWork) -> PackResult:
        session = uow.session
        parcel = session.get(Parcel, parcel_id)
        if parcel is None:
            raise NotFound(N_("parcel"), str(parcel_id))
        shipment = _locked(session, parcel.shipment_id)
        number = entity_number("shipment", shipment.id)
        _refuse_unless("reprint", shipment, actor)
        why = (reason or "").strip()
        if not why:
            raise ReprintNeedsReason(number, parcel.sequence)
        if parcel.status not in ("labelled", "handed_over"):
            raise ParcelNotLabelled(number, parcel.sequence, parcel.status)
        docs = _Docs(session, shipment.id, override=False)
        failure = _print_one(session, actor, docs, parcel, printers, "reprint", why)
        if failure is not None:
            uow.commit()  # the failed attempt is history too
            raise failure
        declarations = [
            d
            for d in shipment_declarations(session, shipment.id, signed_by=actor.username)
            if d.parcel_index == parcel.sequence
        ]
        printed, notes = _reprint_customs(
            session, actor, number, parcel, declarations, printers, why
        )
        uow.commit()
        message = (
            _("{shipment} parcel {n}: label and {form} customs declaration reprinted.").format(
                shipment=number, n=parcel.sequence, form=" + ".join(printed)
            )
            if printed
            else _("{shipment} parcel {n}: label reprinted.").format(
                shipment=number, n=parcel.sequence
            )
        )
        return PackResult(message, queries.pack_state(session, shipment.id), " ".join(notes))

    # Not retried: a retry after a conflict could print twice.
    with uow_factory(source)() as uow:
        return work(uow)


def _reprint_customs(
    session: Session,
    actor: Actor,
    number: str,
    parcel: Parcel,
    declarations: list[ParcelDeclaration],
    printers: StationPrinters,
    reason: str,
) -> tuple[list[str], list[str]]:
    """(forms printed, notes): as at the first print, a CN22 on a PDF label printer (else
    the slip printer), a CN23 on the slip printer."""
    printed: list[str] = []
    notes: list[str] = []
    for declaration in declarations:
        printer = printers.slip
        if declaration.form is CustomsForm.CN22 and printers.label.label_format == "pdf":
            printer = printers.label
        form = declaration.form.value
        if printer is None:
            notes.append(
                _(
                    "Parcel {n} needs a {form} customs declaration and no printer here takes "
                    "it: write it with 'orderdesk label {shipment}'."
                ).format(n=parcel.sequence, form=form, shipment=number)
            )
            continue
        try:
            printer.send(declaration.render(), f"{number}-{parcel.sequence}-{form}")
        except PrintFailed as error:
            notes.append(error.message)
            continue
        printed.append(form)
        _audit(
            session,
            actor,
            "parcel",
            parcel.id,
            "customs_reprinted",
            reason,
            {"form": form, "printer": printer.name},
        )
    return printed, notes
