"""The package table a supervisor edits: package types and the rules that suggest one."""

from __future__ import annotations

from sqlalchemy import func, select

from app.packing import queries
from app.packing.errors import UnknownPackage
from app.packing.model import (
    PackageRuleFacts,
)
from app.packing.service import _audit
from app.permissions import Actor, Permission, require
from app.picking.service import uow_factory
from db.models_packing import PackageType

# --------------------------------------------------------------------------- the rules table


def install_default_packages(source, actor: Actor) -> int:
    """The usual package types and rules, for a station that has none yet. Returns how
    many package types were added (0 when the station had its own already)."""
    from app.packing.model import DEFAULT_PACKAGES, DEFAULT_RULES
    from db.models_packing import PackageRule

    require(actor, Permission.SUPERVISE_WAREHOUSE)
    with uow_factory(source)() as uow:
        session = uow.session
        if session.scalar(select(func.count()).select_from(PackageType)):
            return 0
        ids = {}
        for p in DEFAULT_PACKAGES:
            row = PackageType(
                code=p.code,
                name=p.name,
                kind=p.kind,
                tare_g=p.tare_g,
                inner_volume_cm3=p.inner_volume_cm3,
                max_weight_g=p.max_weight_g,
                active=True,
            )
            session.add(row)
            session.flush()
            ids[p.code] = row.id
        for r in DEFAULT_RULES:
            session.add(
                PackageRule(
                    rank=r.rank,
                    fragile=r.fragile,
                    soft=r.soft,
                    max_volume_cm3=r.max_volume_cm3,
                    max_weight_g=r.max_weight_g,
                    package_type_id=ids[r.package_code],
                    active=True,
                )
            )
        _audit(
            session,
            actor,
            "package_rule",
            0,
            "install_defaults",
            f"{len(DEFAULT_PACKAGES)} package types, {len(DEFAULT_RULES)} rules",
        )
        uow.commit()
        queries.forget_package_table()
        return len(DEFAULT_PACKAGES)


def add_package_rule(source, actor: Actor, rule: PackageRuleFacts) -> int:
    """A supervisor adds a rule (conditions → package code); returns its id."""
    from db.models_packing import PackageRule

    require(actor, Permission.SUPERVISE_WAREHOUSE)
    with uow_factory(source)() as uow:
        session = uow.session
        package_id = session.scalar(
            select(PackageType.id).where(func.upper(PackageType.code) == rule.package_code.upper())
        )
        if package_id is None:
            raise UnknownPackage(rule.package_code)
        row = PackageRule(
            rank=rule.rank,
            fragile=rule.fragile,
            soft=rule.soft,
            max_volume_cm3=rule.max_volume_cm3,
            max_weight_g=rule.max_weight_g,
            package_type_id=package_id,
            active=True,
        )
        session.add(row)
        session.flush()
        _audit(session, actor, "package_rule", row.id, "add", repr(rule))
        uow.commit()
        queries.forget_package_table()
        return row.id


def remove_package_rule(source, actor: Actor, rule_id: int) -> None:
    from app.errors import NotFound
    from db.models_packing import PackageRule

    require(actor, Permission.SUPERVISE_WAREHOUSE)
    with uow_factory(source)() as uow:
        session = uow.session
        row = session.get(PackageRule, rule_id)
        if row is None:
            raise NotFound("package rule", rule_id)
        _audit(session, actor, "package_rule", row.id, "remove", f"rank {row.rank}")
        session.delete(row)
        uow.commit()
        queries.forget_package_table()
