"""The permission map: who may do what, checked in services whatever the screen shows."""

from __future__ import annotations

import pytest

from app.errors import PermissionDenied
from app.permissions import ROLE_PERMISSIONS, Permission, Role, permissions_of, require
from tests.conftest import make_actor


def test_every_role_may_view_orders():
    for role in Role:
        assert Permission.VIEW_ORDERS in ROLE_PERMISSIONS[role]


def test_only_finance_supervisors_and_admins_issue_refunds():
    allowed = {role for role in Role if Permission.ISSUE_REFUNDS in ROLE_PERMISSIONS[role]}
    assert allowed == {Role.FINANCE, Role.SUPERVISOR, Role.ADMIN}


def test_only_supervisors_and_admins_override_review_or_ban_customers():
    for permission in (Permission.OVERRIDE_REVIEW, Permission.BAN_CUSTOMERS):
        allowed = {role for role in Role if permission in ROLE_PERMISSIONS[role]}
        assert allowed == {Role.SUPERVISOR, Role.ADMIN}


def test_only_admins_manage_users_and_the_database():
    for permission in (Permission.MANAGE_USERS, Permission.ADMINISTER_DATABASE):
        allowed = {role for role in Role if permission in ROLE_PERMISSIONS[role]}
        assert allowed == {Role.ADMIN}


def test_several_roles_add_up_and_unknown_role_names_grant_nothing():
    combined = permissions_of({"warehouse", "finance", "janitor"})
    assert Permission.PICK_AND_PACK in combined
    assert Permission.ISSUE_REFUNDS in combined
    assert permissions_of({"janitor"}) == frozenset()


def test_require_raises_permission_denied_naming_who_and_what():
    picker = make_actor(Role.WAREHOUSE, username="pat")
    require(picker, Permission.PICK_AND_PACK)
    with pytest.raises(PermissionDenied) as caught:
        require(picker, Permission.ISSUE_REFUNDS)
    assert caught.value.username == "pat"
    assert caught.value.message == "pat may not issue refunds."
