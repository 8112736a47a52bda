"""``_Desk``: the review and exception desks' verbs run on the demo's queues as its clerk and
supervisor would (a verb that refuses is tried on the next candidate)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import exists, select

from app.database import Database
from app.demo.desk_files import _FRAUD, _FRAUD_AGAIN
from app.errors import OrderdeskError
from app.numbers import order_number
from app.permissions import Actor
from app.review.exception_desk import (
    ban_customer,
    hold_order,
    resolve_duplicates,
    set_exception_plan,
)
from app.review.service import (
    NewPayment,
    ask_for_payment,
    cancel_order,
    request_information,
    rereview_order,
    resolve_payment,
)
from app.review.stock_short import (
    StockAnswer,
    answer_stock_short,
    offer_stock_options,
    short_lines,
)
from db.models import (
    Customer,
    ExceptionRecord,
    Order,
    ReviewFinding,
)

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- desk actions


class _Desk:
    """The desk actions, each through its verb; ``states`` names the order that shows each."""

    def __init__(
        self,
        database: Database,
        clerk: Actor,
        supervisor: Actor,
        now: dt.datetime,
    ) -> None:
        self.database = database
        self.clerk = clerk
        self.supervisor = supervisor
        self.now = now
        self.states: dict[str, str] = {}
        self.used: set[int] = set()

    def work_the_queues(self) -> None:
        self.ask_for_information()
        self.settle_payments()
        self.answer_stock_questions()
        self.resolve_a_duplicate()
        self.ban_the_burst()
        self.plan_an_account_exception()

    # ----------------------------------------------------------------- helpers

    def uow(self):
        return self.database.unit_of_work()

    def version(self, order_id: int) -> int:
        with self.uow() as uow:
            return uow.session.scalars(select(Order.version).where(Order.id == order_id)).one()

    def candidates(self, status: str, codes: Sequence[str] = (), language: str | None = None):
        """Orders in ``status`` (with one of the finding ``codes``), oldest first."""
        query = select(Order.id).where(Order.status == status)
        if codes:
            query = query.where(
                exists().where(ReviewFinding.order_id == Order.id, ReviewFinding.code.in_(codes))
            )
        if language is not None:
            query = query.join(Customer, Customer.id == Order.customer_id).where(
                Customer.language == language
            )
        with self.uow() as uow:
            found = list(uow.session.scalars(query.order_by(Order.id).limit(200)))
        return [order_id for order_id in found if order_id not in self.used]

    def attempt(self, state: str, candidates: Iterable[int], act: Callable[[int], object]) -> int:
        """Do ``act`` on the first candidate that the verb accepts; 0 when none does."""
        for order_id in candidates:
            try:
                act(order_id)
            except OrderdeskError as refused:
                log.info("demo desk work: %s refused for %s: %s", state, order_id, refused)
                continue
            self.states[state] = order_number(order_id)
            self.used.add(order_id)
            return order_id
        log.info("demo desk work: no order shows %s", state)
        return 0

    # ----------------------------------------------------------------- needs information

    def request_info(self, order_id: int, note: str = "") -> None:
        request_information(
            self.uow(), self.clerk, order_id, expected_version=self.version(order_id), note=note
        )

    def ask_for_information(self) -> None:
        self.attempt(
            "information_requested_zh",
            self.candidates("needs_info", _NEEDS_INFO_CODES, language="zh_CN"),
            self.request_info,
        )
        self.attempt(
            "information_requested",
            self.candidates("needs_info", ("phone.missing",))
            + self.candidates("needs_info", _NEEDS_INFO_CODES),
            self.request_info,
        )

        def hold(order_id: int) -> None:
            self.request_info(order_id)
            asked = self.now - dt.timedelta(days=1)
            hold_order(
                self.uow(),
                self.clerk,
                order_id,
                expected_version=self.version(order_id),
                note=(
                    f"No answer to our e-mail of {asked:%d %b} and the phone on the order "
                    "goes to voicemail; try again after the weekend."
                ),
                callback_at=self.now + dt.timedelta(days=2, hours=9),
            )

        self.attempt(
            "unreachable_held",
            self.candidates("needs_info", ("address.street_missing", "address.city_missing"))
            + self.candidates("needs_info", _NEEDS_INFO_CODES),
            hold,
        )

    # ----------------------------------------------------------------- payment

    def ask_payment(self, order_id: int) -> None:
        ask_for_payment(self.uow(), self.clerk, order_id, expected_version=self.version(order_id))

    def settle_payments(self) -> None:
        def pay_again(order_id: int) -> None:
            self.ask_payment(order_id)
            with self.uow() as uow:
                total = uow.session.scalar(select(Order.total_cents).where(Order.id == order_id))
            resolve_payment(
                self.uow(),
                self.clerk,
                order_id,
                expected_version=self.version(order_id),
                resolution="paid_again",
                payment=NewPayment(
                    method="card",
                    amount_cents=total or 1,
                    card_brand="visa",
                    card_last4=f"{order_id * 37 % 10_000:04d}",
                    card_exp_month=9,
                    card_exp_year=self.now.year + 3,
                    reference=f"ch_demo_{order_id:08d}",
                ),
            )

        card = ("payment.card_expired",)
        self.attempt("payment_resolved", self.candidates("payment_problem", card), pay_again)
        self.attempt(
            "payment_asked",
            self.candidates("payment_problem", card)
            + self.candidates("payment_problem", ("customer.arrears",)),
            self.ask_payment,
        )

        def cancel(order_id: int) -> None:
            cancel_order(
                self.uow(),
                self.clerk,
                order_id,
                expected_version=self.version(order_id),
                reason="The customer will not pay the list price; cancelled at their request.",
            )

        self.attempt(
            "payment_cancelled",
            self.candidates("payment_problem", ("price.mismatch",))
            + self.candidates("payment_problem"),
            cancel,
        )

    # ----------------------------------------------------------------- stock short

    def offer(self, order_id: int) -> None:
        offer_stock_options(
            self.uow(), self.clerk, order_id, expected_version=self.version(order_id)
        )

    def answer(self, order_id: int, answer: StockAnswer, **details) -> None:
        answer_stock_short(
            self.uow(),
            self.clerk,
            order_id,
            expected_version=self.version(order_id),
            answer=answer,
            **details,
        )

    def answer_stock_questions(self) -> None:
        def stock_candidates() -> list[int]:
            # Orders the review found short first: they carry the findings to look at.
            found = self.candidates("stock_short", ("stock.short",))
            return found + [o for o in self.candidates("stock_short") if o not in found]

        def wait(order_id: int) -> None:
            self.offer(order_id)
            self.answer(order_id, StockAnswer.WAIT, note="Happy to wait for the delivery.")

        def substitute(order_id: int) -> None:
            with self.uow() as uow:
                order = uow.session.get(Order, order_id)
                offers = [s for s in short_lines(uow.session, order) if s.substitutes]
            if not offers:
                raise _NotShown(order_number(order_id), "a substitute in stock")
            self.offer(order_id)
            self.answer(
                order_id,
                StockAnswer.SUBSTITUTE,
                line_no=offers[0].line_no,
                substitute_sku=offers[0].substitutes[0].sku,
            )

        def decline(order_id: int) -> None:
            self.offer(order_id)
            self.answer(
                order_id,
                StockAnswer.DECLINE,
                note="The customer needs it this week and will not wait; order cancelled.",
            )

        self.attempt("stock_wait", stock_candidates(), wait)
        self.attempt("stock_substitute", stock_candidates(), substitute)
        self.attempt("stock_decline", stock_candidates(), decline)
        self.attempt("stock_offered", stock_candidates(), self.offer)

    # ----------------------------------------------------------------- exceptions

    def open_records(self, kind: str) -> list[tuple[int, int, list | None, int | None]]:
        """(record id, order id, related order ids, customer id) of open records, oldest first."""
        with self.uow() as uow:
            rows = uow.session.execute(
                select(
                    ExceptionRecord.id,
                    ExceptionRecord.order_id,
                    ExceptionRecord.related_order_ids,
                    ExceptionRecord.customer_id,
                )
                .where(ExceptionRecord.kind == kind, ExceptionRecord.state == "open")
                .order_by(ExceptionRecord.id)
                .limit(200)
            ).all()
        return [tuple(row) for row in rows if row.order_id not in self.used]

    def resolve_a_duplicate(self) -> None:
        pairs = {}
        for _, order_id, related, _ in self.open_records("duplicate"):
            group = sorted({order_id, *(related or ())})
            if len(group) > 1:
                pairs.setdefault(group[0], group)

        def keep_first(keep: int) -> None:
            group = pairs[keep]
            resolve_duplicates(
                self.uow(),
                self.clerk,
                keep_order_id=keep,
                cancel_order_ids=group[1:],
                expected_versions={order_id: self.version(order_id) for order_id in group},
            )
            self.used.update(group)

        self.attempt("duplicate_kept", sorted(pairs), keep_first)

    def ban_the_burst(self) -> None:
        with self.uow() as uow:
            buyer = uow.session.scalar(select(Customer.id).where(Customer.email == _FRAUD.email))
        records = {
            order_id: customer
            for _, order_id, _, customer in self.open_records("malicious")
            if customer == buyer
        }

        def ban(order_id: int) -> None:
            ban_customer(
                self.uow(),
                self.supervisor,
                records[order_id],
                reason=(
                    "Orders of high-value electronics one after another within the hour from "
                    "a new account to a parcel shop; the card holder disputes them."
                ),
                order_id=order_id,
                expected_version=self.version(order_id),
            )

        if self.attempt("customer_banned", sorted(records), ban):
            self.catch_the_second_account()

    def catch_the_second_account(self) -> None:
        """The banned buyer's second account, placed after the ban: the block list holds it."""
        with self.uow() as uow:
            found = list(
                uow.session.scalars(
                    select(Order.id)
                    .join(Customer, Customer.id == Order.customer_id)
                    .where(Customer.email == _FRAUD_AGAIN.email, Order.status == "received")
                    .order_by(Order.id)
                )
            )

        def review_again(order_id: int) -> None:
            rereview_order(
                self.uow(), self.clerk, order_id, expected_version=self.version(order_id)
            )
            with self.uow() as uow:
                status = uow.session.scalar(select(Order.status).where(Order.id == order_id))
            if status != "on_hold":
                raise _NotShown(order_number(order_id), "the block list hold")

        self.attempt("block_list_caught", found, review_again)

    def plan_an_account_exception(self) -> None:
        frozen = set(self.candidates("on_hold", ("customer.frozen",)))
        records = {
            order_id: record_id
            for record_id, order_id, _, _ in self.open_records("account")
            if order_id in frozen
        }

        def plan(order_id: int) -> None:
            record_id = records[order_id]
            with self.uow() as uow:
                version = uow.session.scalar(
                    select(ExceptionRecord.version).where(ExceptionRecord.id == record_id)
                )
            set_exception_plan(
                self.uow(),
                self.clerk,
                record_id,
                expected_version=version or 0,
                plan="Finance to say whether the account can be thawed; then call the customer.",
            )

        self.attempt("exception_plan", sorted(records), plan)


class _NotShown(OrderdeskError):
    """This order does not show the state wanted: the next candidate is tried."""

    def __init__(self, number: str, what: str) -> None:
        super().__init__(f"{number} does not allow {what}.")


_NEEDS_INFO_CODES = (
    "phone.missing",
    "address.street_missing",
    "address.city_missing",
    "address.postal_code_missing",
    "line.sku_unknown",
)
