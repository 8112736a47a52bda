"""The review desk's verbs as the screen runs them: what each asks the person (a reason,
a corrected address, a payment, a call-back time) and which service it calls.

``ReviewVerbs`` is mixed into ``ReviewScreen`` (``ui/screens/review.py``), which supplies
``_act`` (one service call, then the list follows), ``detail`` (the order shown),
``drafts`` and ``_context``. Which verbs are shown and enabled is the declaration's
(``app/review/verbs.py``), never decided here.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QInputDialog

from app.address import PostalAddress
from app.i18n import _
from app.review.detail import ReviewDetail
from app.review.exception_desk import (
    ban_customer,
    hold_order,
    keep_stored_version,
    release_hold,
    resolve_duplicates,
    set_exception_plan,
)
from app.review.messages import MessageKind
from app.review.service import (
    ContactCorrection,
    NewPayment,
    approve_order,
    ask_for_payment,
    cancel_order,
    correct_contact,
    request_information,
    rereview_order,
    resolve_payment,
)
from app.review.stock_short import answer_stock_short, offer_stock_options
from app.workflow import OrderStatus as OS
from ui.widgets.review_dialogs import ContactDialog, HoldDialog, PaymentDialog, StockAnswerDialog

if TYPE_CHECKING:
    from collections.abc import Callable

    from ui.desk_screen import DeskContext


class ReviewVerbs:
    """The handlers the verb bar calls, keyed as the declaration's verbs are."""

    _context: DeskContext
    detail: ReviewDetail | None
    drafts: dict[tuple[int, str], object]
    _act: Callable[..., object | None]

    def verb_handlers(self) -> dict[str, Callable[[], None]]:
        return {
            "approve": self.approve,
            "override": self.override,
            "rereview": self.rereview,
            "request_info": self.request_info,
            "correct": self.correct,
            "offer_stock": self.offer_stock,
            "stock_answer": self.stock_answer,
            "ask_payment": self.ask_payment,
            "resolve_payment": self.record_payment,
            "resolve_duplicates": self.resolve_duplicates,
            "keep_stored": self.keep_stored,
            "plan": self.write_plan,
            "hold": self.hold,
            "release": self.release,
            "ban": self.ban,
            "cancel": self.cancel,
        }

    def _draft(self, key: str, default: object = None) -> object:
        if self.detail is None:
            return default
        return self.drafts.get((self.detail.order.id, key), default)

    def approve(self) -> None:
        actor = self._context.actor
        self._act(
            "approve",
            lambda uow, d: approve_order(uow, actor, d.order.id, expected_version=d.version),
        )

    def override(self) -> None:
        reason = self.ask_text(
            _("Approve over the findings"),
            _("Why may this order go although the checks found problems?"),
            self._draft("override", ""),
        )
        if reason is None:
            return
        actor = self._context.actor
        self._act(
            "override",
            lambda uow, d: approve_order(
                uow, actor, d.order.id, expected_version=d.version, override_reason=reason
            ),
            reason,
        )

    def rereview(self) -> None:
        actor = self._context.actor
        self._act(
            "rereview",
            lambda uow, d: rereview_order(uow, actor, d.order.id, expected_version=d.version),
        )

    def request_info(self) -> None:
        actor = self._context.actor
        self._act(
            "request_info",
            lambda uow, d: request_information(uow, actor, d.order.id, expected_version=d.version),
        )

    def correct(self) -> None:
        if self.detail is None:
            return
        correction = self.ask_contact(self.detail.ship, self._draft("correct"))
        if correction is None:
            return
        actor = self._context.actor
        self._act(
            "correct",
            lambda uow, d: correct_contact(
                uow, actor, d.order.id, expected_version=d.version, correction=correction
            ),
            correction,
        )

    def offer_stock(self) -> None:
        actor = self._context.actor
        self._act(
            "offer_stock",
            lambda uow, d: offer_stock_options(uow, actor, d.order.id, expected_version=d.version),
        )

    def stock_answer(self) -> None:
        if self.detail is None:
            return
        answer = self.ask_stock_answer(self.detail)
        if answer is None:
            return
        actor = self._context.actor
        self._act(
            "stock_answer",
            lambda uow, d: answer_stock_short(
                uow, actor, d.order.id, expected_version=d.version, **answer
            ),
            answer,
        )

    def ask_payment(self) -> None:
        actor = self._context.actor
        self._act(
            "ask_payment",
            lambda uow, d: ask_for_payment(uow, actor, d.order.id, expected_version=d.version),
        )

    def record_payment(self) -> None:
        if self.detail is None:
            return
        entered = self.ask_payment_details(self.detail)
        if entered is None:
            return
        resolution, payment = entered
        actor = self._context.actor
        self._act(
            "resolve_payment",
            lambda uow, d: resolve_payment(
                uow,
                actor,
                d.order.id,
                expected_version=d.version,
                resolution=resolution,
                payment=payment,
            ),
        )

    def resolve_duplicates(self) -> None:
        detail = self.detail
        if detail is None or not detail.related:
            return
        versions = {detail.order.id: detail.version}
        versions |= {r.id: r.version for r in detail.related}
        others = [r.id for r in detail.related if r.status != OS.CANCELLED]
        actor = self._context.actor
        self._act(
            "resolve_duplicates",
            lambda uow, d: resolve_duplicates(
                uow,
                actor,
                keep_order_id=d.order.id,
                cancel_order_ids=others,
                expected_versions=versions,
            ),
        )

    def keep_stored(self) -> None:
        actor = self._context.actor
        self._act(
            "keep_stored",
            lambda uow, d: keep_stored_version(uow, actor, d.order.id, expected_version=d.version),
        )

    def write_plan(self) -> None:
        detail = self.detail
        record = (
            next((e for e in detail.exceptions if e.state != "closed"), None) if detail else None
        )
        if record is None:
            return
        plan = self.ask_text(
            _("Plan for this exception"), _("What will be done?"), self._draft("plan", record.plan)
        )
        if plan is None:
            return
        actor = self._context.actor
        self._act(
            "plan",
            lambda uow, _d: set_exception_plan(
                uow, actor, record.id, expected_version=record.version, plan=plan
            ),
            plan,
        )

    def hold(self) -> None:
        held = self.ask_hold(self._draft("hold"))
        if held is None:
            return
        note, callback_at = held
        actor = self._context.actor
        self._act(
            "hold",
            lambda uow, d: hold_order(
                uow,
                actor,
                d.order.id,
                expected_version=d.version,
                note=note,
                callback_at=callback_at,
            ),
            held,
        )

    def release(self) -> None:
        note = self.ask_text(_("Release the hold"), _("What changed?"), self._draft("release", ""))
        if note is None:
            return
        actor = self._context.actor
        self._act(
            "release",
            lambda uow, d: release_hold(
                uow, actor, d.order.id, expected_version=d.version, note=note
            ),
            note,
        )

    def ban(self) -> None:
        detail = self.detail
        if detail is None or detail.customer is None:
            return
        reason = self.ask_text(
            _("Ban the customer"),
            _("Why is {name} banned? Their open orders are cancelled.").format(
                name=detail.customer.name
            ),
            self._draft("ban", ""),
        )
        if reason is None:
            return
        actor, customer_id = self._context.actor, detail.customer.customer_id
        self._act(
            "ban",
            lambda uow, d: ban_customer(
                uow,
                actor,
                customer_id,
                reason=reason,
                order_id=d.order.id,
                expected_version=d.version,
            ),
            reason,
        )

    def cancel(self) -> None:
        reason = self.ask_text(
            _("Cancel the order"),
            _("Reason (the customer is told):"),
            self._draft("cancel", ""),
        )
        if reason is None:
            return
        kind = (
            MessageKind.CANCELLED_PAYMENT
            if self.detail is not None and self.detail.order.status == OS.PAYMENT_PROBLEM
            else MessageKind.CANCELLED
        )
        actor = self._context.actor
        self._act(
            "cancel",
            lambda uow, d: cancel_order(
                uow, actor, d.order.id, expected_version=d.version, reason=reason, message=kind
            ),
            reason,
        )

    # ----------------------------------------------------------------- asking
    # The only places dialogs open; tests replace them with the answers a person would give.

    def ask_text(self, title: str, label: str, text: str = "") -> str | None:
        value, ok = QInputDialog.getMultiLineText(self, title, label, text)
        return value.strip() if ok and value.strip() else None

    def ask_contact(
        self, ship: PostalAddress, draft: ContactCorrection | None = None
    ) -> ContactCorrection | None:
        dialog = ContactDialog(ship, self, draft)
        return dialog.correction() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def ask_stock_answer(self, detail: ReviewDetail) -> dict | None:
        dialog = StockAnswerDialog(detail, self)
        return dialog.answer() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def ask_payment_details(self, detail: ReviewDetail) -> tuple[str, NewPayment] | None:
        dialog = PaymentDialog(detail, self)
        return dialog.payment() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def ask_hold(
        self, draft: tuple[str, dt.datetime] | None = None
    ) -> tuple[str, dt.datetime] | None:
        dialog = HoldDialog(self, draft)
        return dialog.hold() if dialog.exec() == QDialog.DialogCode.Accepted else None
