"""Logging in, managing users, and keeping passwords out of the database and the logs."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
from sqlalchemy import func, select, text

from app import auth
from app.errors import (
    AccountDisabled,
    AlreadyExists,
    InvalidInput,
    LoginFailed,
    LoginThrottled,
    PermissionDenied,
    WeakPassword,
)
from app.permissions import Role
from db.models import AuditEvent, User
from tests.conftest import make_actor

PASSWORD = "correct horse battery"


@pytest.fixture
def alice(db, admin):
    return auth.add_user(db.unit_of_work(), admin, "alice", PASSWORD, ["supervisor"], "Alice A.")


def test_hashes_are_salted_scrypt_and_verify_only_the_right_password():
    first, second = auth.hash_password(PASSWORD), auth.hash_password(PASSWORD)
    assert first.startswith("scrypt$") and first != second
    assert auth.verify_password(PASSWORD, first)
    assert not auth.verify_password(PASSWORD + "!", first)
    assert not auth.verify_password(PASSWORD, "garbage")


def test_login_returns_the_actor_with_roles_and_records_it(db, alice):
    actor = auth.login(db.unit_of_work(), " Alice ", PASSWORD)
    assert actor.username == "alice"
    assert actor.roles == {"supervisor"}
    with db.unit_of_work() as uow:
        actions = list(uow.session.scalars(select(AuditEvent.action)))
    assert actions == ["user_added", "login"]


@pytest.mark.parametrize("password", ["", "wrong password", PASSWORD.upper()])
def test_a_wrong_or_empty_password_fails_with_one_plain_message(db, alice, password):
    with pytest.raises(LoginFailed) as caught:
        auth.login(db.unit_of_work(), "alice", password)
    assert caught.value.message == "Wrong user name or password."


def test_an_unknown_user_gets_the_same_message_as_a_wrong_password(db, alice):
    with pytest.raises(LoginFailed) as caught:
        auth.login(db.unit_of_work(), "mallory", PASSWORD)
    assert caught.value.message == "Wrong user name or password."


def test_repeated_failures_pause_the_account_even_for_the_right_password(db, alice):
    clock = FakeClock()  # no wall time: the pause is exactly the one the rule gives
    for _ in range(auth.FREE_FAILED_ATTEMPTS):
        with pytest.raises(LoginFailed):
            auth.login(db.unit_of_work(), "alice", "nope", now=clock)
    with pytest.raises(LoginThrottled) as caught:
        auth.login(db.unit_of_work(), "alice", PASSWORD, now=clock)
    pause = auth.login_pause_seconds(auth.FREE_FAILED_ATTEMPTS)
    assert pause > 0 and caught.value.retry_after_seconds == pause
    assert "Try again in" in caught.value.message


def test_the_pause_grows_and_is_capped():
    pauses = [auth.login_pause_seconds(n) for n in range(0, 20)]
    assert pauses[: auth.FREE_FAILED_ATTEMPTS] == [0] * auth.FREE_FAILED_ATTEMPTS
    assert pauses == sorted(pauses)
    assert max(pauses) == auth.MAX_LOGIN_PAUSE_S


def test_a_successful_login_after_the_pause_resets_the_count(db, alice):
    clock = FakeClock()
    for _ in range(auth.FREE_FAILED_ATTEMPTS):
        with pytest.raises(LoginFailed):
            auth.login(db.unit_of_work(), "alice", "nope", now=clock)
    clock.advance(auth.login_pause_seconds(auth.FREE_FAILED_ATTEMPTS))
    auth.login(db.unit_of_work(), "alice", PASSWORD, now=clock)
    with db.unit_of_work() as uow:
        user = uow.session.scalar(select(User).where(User.username == "alice"))
        assert user.failed_logins == 0
        assert user.login_blocked_until is None


def test_a_disabled_account_cannot_log_in(db, admin, alice):
    auth.set_active(db.unit_of_work(), admin, "alice", False)
    with pytest.raises(AccountDisabled):
        auth.login(db.unit_of_work(), "alice", PASSWORD)
    auth.set_active(db.unit_of_work(), admin, "alice", True)
    assert auth.login(db.unit_of_work(), "alice", PASSWORD).username == "alice"


def test_no_password_reaches_the_database_or_the_log(db, admin, caplog):
    caplog.set_level(logging.DEBUG)
    auth.add_user(db.unit_of_work(), admin, "bob", PASSWORD, ["warehouse"])
    with pytest.raises(LoginFailed):
        auth.login(db.unit_of_work(), "bob", "bad-guess-123")
    auth.set_password(db.unit_of_work(), admin, "bob", "another secret 42")
    with db.unit_of_work() as uow:
        dump = "\n".join(
            str(row)
            for table in ("users", "audit_events")
            for row in uow.session.execute(text(f"SELECT * FROM {table}"))
        )
    for secret in (PASSWORD, "bad-guess-123", "another secret 42"):
        assert secret not in dump
        assert secret not in caplog.text
    with db.unit_of_work() as uow:
        stored_hash = uow.session.scalar(select(User.password_hash).where(User.username == "bob"))
    assert stored_hash not in caplog.text


def test_only_user_managers_may_add_users_or_change_other_passwords(db, alice):
    supervisor = make_actor(Role.SUPERVISOR, username="alice")
    with pytest.raises(PermissionDenied):
        auth.add_user(db.unit_of_work(), supervisor, "eve", PASSWORD, ["admin"])
    with pytest.raises(PermissionDenied):
        auth.set_password(db.unit_of_work(), supervisor, "bob", PASSWORD)
    with pytest.raises(PermissionDenied):
        auth.list_users(db.unit_of_work(), supervisor)
    auth.set_password(db.unit_of_work(), supervisor, "alice", "my own new password")
    assert auth.login(db.unit_of_work(), "alice", "my own new password")


@pytest.mark.parametrize(
    ("username", "password", "roles", "field"),
    [
        ("", PASSWORD, ["admin"], "user name"),
        ("1abc", PASSWORD, ["admin"], "user name"),
        ("has space", PASSWORD, ["admin"], "user name"),
        ("carol", "short", ["admin"], "password"),
        ("carol", PASSWORD, [], "roles"),
        ("carol", PASSWORD, ["janitor"], "roles"),
    ],
)
def test_bad_user_details_are_refused_naming_the_field(db, admin, username, password, roles, field):
    with pytest.raises(InvalidInput) as caught:
        auth.add_user(db.unit_of_work(), admin, username, password, roles)
    assert caught.value.field == field
    assert password not in caught.value.message or field != "password"
    assert auth.list_users(db.unit_of_work(), admin) == []


def test_a_user_name_is_unique(db, admin, alice):
    with pytest.raises(AlreadyExists):
        auth.add_user(db.unit_of_work(), admin, "ALICE", PASSWORD, ["finance"])


def test_list_users_shows_roles_and_state(db, admin, alice):
    auth.add_user(db.unit_of_work(), admin, "bob", PASSWORD, ["warehouse", "finance"])
    auth.set_active(db.unit_of_work(), admin, "bob", False)
    users = {u.username: u for u in auth.list_users(db.unit_of_work(), admin)}
    assert users["alice"].roles == ("supervisor",)
    assert users["bob"].roles == ("finance", "warehouse")
    assert users["bob"].active is False


# --------------------------------------------------------------------------- passwords


class FakeClock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("", "blank"),
        ("            ", "not only spaces"),
        ("\t \n", "not only spaces"),
        ("nine char", "at least 10 characters"),
    ],
    ids=["blank", "spaces", "whitespace", "too short"],
)
def test_blank_whitespace_and_short_passwords_are_refused_with_a_named_error(
    db, admin, alice, password, expected
):
    with pytest.raises(WeakPassword) as caught:
        auth.add_user(db.unit_of_work(), admin, "carol", password, ["finance"])
    assert expected in caught.value.message and caught.value.field == "password"
    with pytest.raises(WeakPassword):
        auth.set_password(db.unit_of_work(), admin, "alice", password)
    assert auth.login(db.unit_of_work(), "alice", PASSWORD).username == "alice"


def test_production_hashes_passwords_at_owasp_scrypt_cost(monkeypatch):
    monkeypatch.delenv(auth.PASSWORD_COST_ENV, raising=False)
    assert auth.password_cost() == auth.ScryptCost(n=2**17, r=8, p=1)
    stored = auth.hash_password(PASSWORD)
    assert stored.startswith("scrypt$131072$8$1$")
    assert auth.verify_password(PASSWORD, stored)


def test_an_older_cheaper_hash_is_upgraded_at_the_next_successful_login(db, alice, monkeypatch):
    with db.unit_of_work() as uow:
        old = uow.session.scalar(select(User.password_hash).where(User.username == "alice"))
    assert auth.hash_cost(old) == auth.QUICK_COST
    with pytest.raises(LoginFailed):  # a failure changes no hash
        auth.login(db.unit_of_work(), "alice", "wrong password")
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(User.password_hash)) == old
    monkeypatch.delenv(auth.PASSWORD_COST_ENV, raising=False)  # production's cost
    auth.login(db.unit_of_work(), "alice", PASSWORD)
    with db.unit_of_work() as uow:
        new = uow.session.scalar(select(User.password_hash).where(User.username == "alice"))
        events = uow.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "login"))
        assert list(events) == [{"password_hash_upgraded": True}]
    assert auth.hash_cost(new) == auth.PRODUCTION_COST
    assert auth.verify_password(PASSWORD, new) and not auth.needs_rehash(new)


# --------------------------------------------------------------------------- throttling


def _outcomes(db, username: str, password: str, clock: FakeClock, times: int) -> list[str]:
    seen = []
    for _ in range(times):
        try:
            auth.login(db.unit_of_work(), username, password, now=clock)
            seen.append("ok")
        except LoginThrottled as error:
            seen.append(f"throttled {error.retry_after_seconds}s: {error.message}")
        except LoginFailed as error:
            seen.append(f"failed: {error.message}")
        clock.advance(1)
    return seen


def test_unknown_names_are_throttled_exactly_like_known_ones(db, alice):
    known = _outcomes(db, "alice", "wrong password", FakeClock(), 12)
    unknown = _outcomes(db, "mallory", "wrong password", FakeClock(), 12)
    assert known == unknown
    assert known[:3] == ["failed: Wrong user name or password."] * 3
    assert known[3].startswith("throttled 1s")  # the 2 s pause began a second ago
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(User.failed_logins)) == known.count(known[0])


def test_the_pause_is_measured_with_the_clock_given(db, alice):
    clock = FakeClock()
    _outcomes(db, "alice", "wrong password", clock, 3)  # third failure: a 2 s pause from t=2
    clock.now -= dt.timedelta(seconds=1)  # t=2: the pause has just begun
    with pytest.raises(LoginThrottled):
        auth.login(db.unit_of_work(), "alice", PASSWORD, now=clock)
    clock.advance(2)
    assert auth.login(db.unit_of_work(), "alice", PASSWORD, now=clock).username == "alice"
    with db.unit_of_work() as uow:
        user = uow.session.scalar(select(User))
        assert (user.failed_logins, user.login_blocked_until) == (0, None)


def test_parallel_wrong_passwords_are_all_counted_and_throttled_like_serial_ones(db, alice):
    attempts = 40
    start = threading.Barrier(attempts)
    outcomes: list[str] = []

    def attempt() -> None:
        start.wait()
        try:
            auth.login(db.unit_of_work(), "alice", "wrong password")
            outcomes.append("ok")
        except LoginFailed:
            outcomes.append("failed")
        except LoginThrottled:
            outcomes.append("throttled")
        except Exception as error:  # e.g. "changed at another desk": the bug this guards
            outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # As one after the other within seconds: three checked, then paused.
    assert sorted(outcomes) == sorted(["failed"] * 3 + ["throttled"] * (attempts - 3))
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(User.failed_logins)) == 3
        failed_events = uow.session.scalar(
            select(func.count()).where(AuditEvent.action == "login_failed")
        )
    assert failed_events == 3
