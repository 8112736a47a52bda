"""Staff badges for station mode: a revocable token on the card, never the user name."""

from __future__ import annotations

import pytest

from app.auth import add_user
from app.errors import PermissionDenied
from app.packing.errors import BadgeRefused
from app.packing.station import (
    actor_for_badge,
    issue_badge,
    render_badge_pdf,
    revoke_badges,
)
from tests.app.labels.decoding import decoded_per_page
from tests.app.picking.conftest import PICKER

PASSWORD = "correct horse battery staple"


@pytest.fixture
def wes(db, admin):
    add_user(db.unit_of_work(), admin, "wes", PASSWORD, ["warehouse"], "Wes Packer")
    return "wes"


def test_a_badge_logs_its_holder_in_and_carries_no_user_name(db, admin, wes):
    badge = issue_badge(db, admin, wes)
    assert "wes" not in badge.code.lower()
    actor = actor_for_badge(db, badge.code)
    assert actor.username == "wes" and "warehouse" in actor.roles
    decoded = [text for page in decoded_per_page(render_badge_pdf(badge)) for _f, text in page]
    assert decoded == [badge.code]


def test_a_revoked_badge_logs_in_nobody(db, admin, wes):
    badge = issue_badge(db, admin, wes)
    assert revoke_badges(db, admin, wes) == 1
    with pytest.raises(BadgeRefused, match="signed out"):
        actor_for_badge(db, badge.code)


def test_only_a_user_manager_issues_badges_and_other_scans_are_not_badges(db, admin, wes):
    with pytest.raises(PermissionDenied):
        issue_badge(db, PICKER, wes)
    with pytest.raises(BadgeRefused, match="not a staff badge"):
        actor_for_badge(db, "SH-000001")
    with pytest.raises(BadgeRefused, match="not known"):
        actor_for_badge(db, "ODB1:forged")
