"""Routing rules a supervisor edits: product category → warehouses allowed, destination
country → warehouses preferred; read by the allocation planner as ``Routing``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import record_event
from app.errors import InvalidInput, NotFound
from app.permissions import Actor, Permission, require
from app.picking.model import Routing
from app.uow import UnitOfWork
from db.models import Product, Warehouse
from db.models_picking import RoutingRule

# --------------------------------------------------------------------------- routing


def load_routing(session: Session) -> Routing:
    categories: dict[str, set[int]] = defaultdict(set)
    countries: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for kind, key, warehouse_id, rank in session.execute(
        select(RoutingRule.kind, RoutingRule.key, RoutingRule.warehouse_id, RoutingRule.rank)
    ):
        if kind == "category":
            categories[key].add(warehouse_id)
        else:
            countries[key].append((rank, warehouse_id))
    own = {
        wid: frozenset(c.strip() for c in (cats or "").split(",") if c.strip())
        for wid, cats in session.execute(select(Warehouse.id, Warehouse.categories))
    }
    return Routing(
        {k: frozenset(v) for k, v in categories.items()},
        {k: tuple(w for _, w in sorted(v)) for k, v in countries.items()},
        own,
    )


@dataclass(frozen=True)
class RoutingRuleRow:
    rule_id: int
    kind: str
    key: str
    warehouse: str
    rank: int


def _warehouse_by_code(session: Session, code: str) -> Warehouse:
    found = session.scalar(select(Warehouse).where(Warehouse.code == code.strip().upper()))
    if found is None:
        found = session.scalar(select(Warehouse).where(Warehouse.code == code.strip()))
    if found is None:
        raise NotFound("warehouse", code)
    return found


def add_routing_rule(
    uow: UnitOfWork, actor: Actor, kind: str, key: str, warehouse_code: str, rank: int = 0
) -> RoutingRuleRow:
    """``category KEY → warehouse`` (allowed) or ``country KEY → warehouse`` (preferred)."""
    require(actor, Permission.SUPERVISE_WAREHOUSE)
    if kind not in ("category", "country"):
        raise InvalidInput("kind", kind, "category or country")
    key = key.strip()
    if kind == "country":
        key = key.upper()
        if len(key) != 2 or not key.isalpha():
            raise InvalidInput("country", key, "a two-letter ISO country code")
    if not key:
        raise InvalidInput(kind, key, "a name")
    with uow:
        session = uow.session
        wh = _warehouse_by_code(session, warehouse_code)
        exists = session.scalar(
            select(RoutingRule.id).where(
                RoutingRule.kind == kind, RoutingRule.key == key, RoutingRule.warehouse_id == wh.id
            )
        )
        if exists:
            from app.errors import AlreadyExists

            raise AlreadyExists("routing rule", f"{kind} {key} → {wh.code}")
        rule = RoutingRule(kind=kind, key=key, warehouse_id=wh.id, rank=rank)
        session.add(rule)
        session.flush()
        record_event(
            session,
            actor,
            entity_type="routing_rule",
            entity_id=rule.id,
            action="add",
            reason=f"{kind} {key} → {wh.code}",
        )
        uow.commit()
        return RoutingRuleRow(rule.id, kind, key, wh.code, rank)


def remove_routing_rule(uow: UnitOfWork, actor: Actor, rule_id: int) -> None:
    """Refused when it would leave a category that has stock with no warehouse."""
    require(actor, Permission.SUPERVISE_WAREHOUSE)
    with uow:
        session = uow.session
        rule = session.get(RoutingRule, rule_id)
        if rule is None:
            raise NotFound("routing rule", rule_id)
        if rule.kind == "category":
            others = session.scalar(
                select(func.count())
                .select_from(RoutingRule)
                .where(
                    RoutingRule.kind == "category",
                    RoutingRule.key == rule.key,
                    RoutingRule.id != rule.id,
                )
            )
            if not others:
                from app.picking.errors import RoutingLeavesCategoryEmpty

                raise RoutingLeavesCategoryEmpty(rule.key)
        record_event(
            session,
            actor,
            entity_type="routing_rule",
            entity_id=rule.id,
            action="remove",
            reason=f"{rule.kind} {rule.key} → warehouse {rule.warehouse_id}",
        )
        session.delete(rule)
        uow.commit()


def routing_rules(session: Session) -> list[RoutingRuleRow]:
    rows = session.execute(
        select(RoutingRule.id, RoutingRule.kind, RoutingRule.key, Warehouse.code, RoutingRule.rank)
        .join(Warehouse, Warehouse.id == RoutingRule.warehouse_id)
        .order_by(RoutingRule.kind, RoutingRule.key, RoutingRule.rank, Warehouse.code)
    )
    return [RoutingRuleRow(*row) for row in rows]


@dataclass(frozen=True)
class CategoryRoute:
    """Where one product category ships from: by its rules, else by each warehouse's own
    category list (``by_rule`` False); an empty ``warehouses`` means every warehouse."""

    category: str
    warehouses: tuple[str, ...]
    by_rule: bool


def category_routes(session: Session) -> list[CategoryRoute]:
    """Every category products have, with the warehouses allocation may take it from."""
    routing = load_routing(session)
    codes = dict(session.execute(select(Warehouse.id, Warehouse.code)).all())
    categories = session.scalars(
        select(Product.category).where(Product.category != "").distinct().order_by(Product.category)
    ).all()
    out = []
    for category in sorted(set(categories) | set(routing.category_warehouses)):
        allowed = routing.allowed(category)
        names = () if allowed is None else tuple(sorted(codes[w] for w in allowed if w in codes))
        out.append(CategoryRoute(category, names, category in routing.category_warehouses))
    return out
