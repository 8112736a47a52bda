"""Roles and what each may do: the one place that answers "may this person …?".

Services call ``require(actor, Permission.X)``; screens ask ``actor.may(Permission.X)``
only to decide what to show. The check that counts is the one in the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from app.errors import PermissionDenied


class Role(StrEnum):
    CUSTOMER_SERVICE = "customer_service"
    WAREHOUSE = "warehouse"
    FINANCE = "finance"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


ROLE_DESCRIPTIONS: dict[Role, str] = {
    Role.CUSTOMER_SERVICE: "Customer service: review, cases, changes and cancellations",
    Role.WAREHOUSE: "Warehouse: picks, packs, labels and ships",
    Role.FINANCE: "Finance: refunds, settlement, payment risk",
    Role.SUPERVISOR: "Supervisor: everything on the floor, overrides, reports",
    Role.ADMIN: "Administrator: users, roles and the database",
}


class Permission(StrEnum):
    VIEW_ORDERS = "view_orders"
    REVIEW_ORDERS = "review_orders"
    OVERRIDE_REVIEW = "override_review"
    OVERRIDE_PRICES = "override_prices"  # sell below or above the list price, with a reason
    CHANGE_ORDERS = "change_orders"
    CANCEL_ORDERS = "cancel_orders"
    IMPORT_ORDERS = "import_orders"
    SELL_AT_COUNTER = "sell_at_counter"  # enter and take payment for a shop-counter sale
    ALLOCATE_STOCK = "allocate_stock"
    PICK_AND_PACK = "pick_and_pack"
    SHIP_ORDERS = "ship_orders"
    ADJUST_STOCK = "adjust_stock"
    HANDLE_CASES = "handle_cases"
    ISSUE_REFUNDS = "issue_refunds"
    SETTLE_ACCOUNTS = "settle_accounts"
    BAN_CUSTOMERS = "ban_customers"
    VIEW_REPORTS = "view_reports"
    VIEW_AUDIT = "view_audit"
    MANAGE_USERS = "manage_users"
    ADMINISTER_DATABASE = "administer_database"
    MANAGE_STOCK = "manage_stock"  # counts, adjustments, incoming, thresholds, warehouse setup
    SUPERVISE_WAREHOUSE = "supervise_warehouse"  # routing rules, taking over pick lists


_FLOOR = {
    Permission.VIEW_ORDERS,
    Permission.REVIEW_ORDERS,
    Permission.CHANGE_ORDERS,
    Permission.CANCEL_ORDERS,
    Permission.IMPORT_ORDERS,
    Permission.SELL_AT_COUNTER,
    Permission.ALLOCATE_STOCK,
    Permission.PICK_AND_PACK,
    Permission.SHIP_ORDERS,
    Permission.ADJUST_STOCK,
    Permission.HANDLE_CASES,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CUSTOMER_SERVICE: frozenset(
        {
            Permission.VIEW_ORDERS,
            Permission.REVIEW_ORDERS,
            Permission.CHANGE_ORDERS,
            Permission.CANCEL_ORDERS,
            Permission.IMPORT_ORDERS,
            Permission.SELL_AT_COUNTER,
            Permission.HANDLE_CASES,
        }
    ),
    Role.WAREHOUSE: frozenset(
        {
            Permission.VIEW_ORDERS,
            Permission.ALLOCATE_STOCK,
            Permission.PICK_AND_PACK,
            Permission.SHIP_ORDERS,
            Permission.ADJUST_STOCK,
        }
    ),
    Role.FINANCE: frozenset(
        {
            Permission.VIEW_ORDERS,
            Permission.ISSUE_REFUNDS,
            Permission.SETTLE_ACCOUNTS,
            Permission.VIEW_REPORTS,
        }
    ),
    Role.SUPERVISOR: frozenset(
        _FLOOR
        | {
            Permission.OVERRIDE_REVIEW,
            Permission.OVERRIDE_PRICES,
            Permission.BAN_CUSTOMERS,
            Permission.ISSUE_REFUNDS,
            Permission.VIEW_REPORTS,
            Permission.VIEW_AUDIT,
            Permission.MANAGE_STOCK,
            Permission.SUPERVISE_WAREHOUSE,
        }
    ),
    Role.ADMIN: frozenset(Permission),
}


def permissions_of(roles: frozenset[str] | set[str]) -> frozenset[Permission]:
    known = {role.value: role for role in Role}
    granted: set[Permission] = set()
    for name in roles:
        if name in known:
            granted |= ROLE_PERMISSIONS[known[name]]
    return frozenset(granted)


@lru_cache(maxsize=256)
def _granted(roles: frozenset[str]) -> frozenset[Permission]:
    # Asked once per record in bulk work (a tracking import checks thousands of moves): the
    # answer for a set of roles never changes while the program runs.
    return permissions_of(roles)


@dataclass(frozen=True)
class Actor:
    """Who is acting: a logged-in user, or the command line acting for an operator."""

    user_id: int | None
    username: str
    roles: frozenset[str]
    full_name: str = ""

    @property
    def permissions(self) -> frozenset[Permission]:
        return _granted(frozenset(self.roles))

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions


SYSTEM_NAME = "system"


@dataclass(frozen=True)
class SystemActor(Actor):
    """The program acting on its own authority, for a step that follows from what a person
    did: allocating the orders an auto-review run just approved (approval promises the
    stock; turning the promise into shipments is the same system step, not the reviewer's
    warehouse work). It holds only the permissions named for that step, whatever the
    person's role, has no user id, and the audit names it "system: <step> (<person>)"."""

    granted: frozenset[Permission] = frozenset()
    started_by: str = ""

    @property
    def permissions(self) -> frozenset[Permission]:
        return self.granted


def system_actor(step: str, started_by: Actor, *permissions: Permission) -> SystemActor:
    """The system doing ``step`` (English, for the audit) after ``started_by``'s action."""
    name = f"{SYSTEM_NAME}: {step} ({started_by.username})"
    return SystemActor(
        None, name[:64], frozenset(), "", frozenset(permissions), started_by.username
    )


def require(actor: Actor, permission: Permission) -> None:
    if not actor.may(permission):
        raise PermissionDenied(actor.username, permission.value)
