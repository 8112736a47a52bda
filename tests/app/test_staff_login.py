"""The command line acts as a named staff user who proved it: a password, or a token."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import stat
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from app import cli
from app.auth import set_active
from app.auth_tokens.rules import parse_lifetime
from app.auth_tokens.service import actor_for_token, issue_token, revoke_token
from app.auth_tokens.store import token_path
from app.database import open_database
from app.errors import InvalidInput, TokenRefused
from db.models import AuditEvent
from db.models_auth_tokens import AuthToken

FIXTURES = Path(__file__).parent / "formats" / "fixtures"


def run(capsys, monkeypatch, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def actors_of(db_url: str, action: str) -> list[str]:
    database = open_database(db_url)
    try:
        with database.unit_of_work() as uow:
            return list(
                uow.session.scalars(
                    select(AuditEvent.actor_name)
                    .where(AuditEvent.action == action)
                    .order_by(AuditEvent.id)
                )
            )
    finally:
        database.dispose()


def test_a_command_that_acts_without_a_token_or_a_terminal_says_so_in_one_line(
    capsys, monkeypatch, db_url
):
    code, out, err = run(
        capsys, monkeypatch, "import", str(FIXTURES / "amazon_orders_report.txt"), "--db", db_url
    )
    assert code == cli.EXIT_FAILED and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "named staff user" in err and "orderdesk login" in err
    code, _, err = run(capsys, monkeypatch, "orders", "list", "--db", db_url)
    assert code == cli.EXIT_FAILED and "orderdesk login" in err


def test_the_first_administrator_is_added_unattended_then_logs_in_and_acts_by_name(
    capsys, monkeypatch, db_url
):
    code, _, err = run(
        capsys,
        monkeypatch,
        "user",
        "add",
        "pat",
        "--roles",
        "warehouse",
        "--password-stdin",
        "--db",
        db_url,
        stdin="a long enough secret\n",
    )
    assert code == cli.EXIT_FAILED and "admin for the first user" in err
    code, out, _ = run(
        capsys,
        monkeypatch,
        "user",
        "add",
        "boss",
        "--roles",
        "admin",
        "--password-stdin",
        "--db",
        db_url,
        stdin="a long enough secret\n",
    )
    assert code == 0 and "boss" in out
    # With an administrator in place, nobody is let in unproven any more.
    code, _, err = run(
        capsys,
        monkeypatch,
        "user",
        "add",
        "pat",
        "--roles",
        "warehouse",
        "--password-stdin",
        "--db",
        db_url,
        stdin="a long enough secret\n",
    )
    assert code == cli.EXIT_FAILED and "orderdesk login" in err
    code, _, err = run(
        capsys,
        monkeypatch,
        "login",
        "--user",
        "boss",
        "--password-stdin",
        "--db",
        db_url,
        stdin="not the password\n",
    )
    assert code == cli.EXIT_FAILED and "a long enough secret" not in err
    code, out, _ = run(
        capsys,
        monkeypatch,
        "login",
        "--user",
        "boss",
        "--expires",
        "7d",
        "--password-stdin",
        "--db",
        db_url,
        "--json",
        stdin="a long enough secret\n",
    )
    saved = json.loads(out)
    assert code == 0 and saved["user"] == "boss"
    token_file = Path(saved["token_file"])
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(token_file.parent.stat().st_mode) == 0o700
    assert "a long enough secret" not in token_file.read_text()
    code, _, _ = run(
        capsys,
        monkeypatch,
        "user",
        "add",
        "pat",
        "--roles",
        "warehouse",
        "--password-stdin",
        "--db",
        db_url,
        stdin="a long enough secret\n",
    )
    assert code == 0
    assert actors_of(db_url, "user_added") == [f"setup:{cli.getpass.getuser()}", "boss"]
    code, out, _ = run(
        capsys, monkeypatch, "import", str(FIXTURES / "amazon_orders_report.txt"), "--db", db_url
    )
    assert code == 0 and set(actors_of(db_url, "imported")) == {"boss"}

    code, out, _ = run(capsys, monkeypatch, "logout", "--db", db_url)
    assert code == 0 and "1 login token revoked" in out and not token_file.exists()
    code, _, err = run(capsys, monkeypatch, "orders", "list", "--db", db_url)
    assert code == cli.EXIT_FAILED and "orderdesk login" in err


def test_a_token_is_refused_once_expired_revoked_or_its_user_disabled(db, staff_login):
    issued = issue_token(db.unit_of_work(), staff_login, dt.timedelta(minutes=5))
    assert actor_for_token(db.unit_of_work(), issued.token).username == staff_login.username
    with db.unit_of_work() as uow:
        row = uow.session.get(AuthToken, issued.token_id)
        row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        uow.commit()
    with pytest.raises(TokenRefused, match="expired"):
        actor_for_token(db.unit_of_work(), issued.token)
    fresh = issue_token(db.unit_of_work(), staff_login, dt.timedelta(hours=1))
    assert revoke_token(db.unit_of_work(), fresh.token) == 1
    with pytest.raises(TokenRefused, match="signed out"):
        actor_for_token(db.unit_of_work(), fresh.token)
    with pytest.raises(TokenRefused, match="not known"):
        actor_for_token(db.unit_of_work(), "made-up")
    third = issue_token(db.unit_of_work(), staff_login, dt.timedelta(hours=1))
    other_admin = staff_login.__class__(None, "setup:tests", frozenset({"admin"}))
    set_active(db.unit_of_work(), other_admin, staff_login.username, False)
    with pytest.raises(TokenRefused, match="disabled"):
        actor_for_token(db.unit_of_work(), third.token)


def test_a_token_for_another_user_than_asked_for_is_not_used(
    capsys, monkeypatch, db_url, staff_login
):
    code, _, err = run(capsys, monkeypatch, "orders", "list", "--user", "pat", "--db", db_url)
    assert code == cli.EXIT_FAILED and "for deskadmin, not pat" in err


def test_a_token_file_others_can_read_is_refused_not_used(capsys, monkeypatch, db_url):
    run(
        capsys,
        monkeypatch,
        "user",
        "add",
        "boss",
        "--roles",
        "admin",
        "--password-stdin",
        "--db",
        db_url,
        stdin="a long enough secret\n",
    )
    run(
        capsys,
        monkeypatch,
        "login",
        "--user",
        "boss",
        "--password-stdin",
        "--db",
        db_url,
        stdin="a long enough secret\n",
    )
    database = open_database(db_url)
    path = token_path(database.description)
    database.dispose()
    os.chmod(path, 0o644)
    code, _, err = run(capsys, monkeypatch, "orders", "list", "--db", db_url)
    assert code == cli.EXIT_FAILED and "can be read by other users" in err


def test_reading_the_schema_version_and_checking_the_audit_trail_need_no_login(
    capsys, monkeypatch, db_url
):
    assert run(capsys, monkeypatch, "db", "current", "--db", db_url)[0] == 0
    assert run(capsys, monkeypatch, "audit", "verify", "--db", db_url)[0] == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", dt.timedelta(minutes=30)),
        ("12h", dt.timedelta(hours=12)),
        ("7d", dt.timedelta(days=7)),
        (" 4W ", dt.timedelta(weeks=4)),
    ],
)
def test_token_lifetimes_are_read_in_minutes_hours_days_or_weeks(text, expected):
    assert parse_lifetime(text) == expected


@pytest.mark.parametrize("text", ["", "7", "1m", "400d", "7 days", "-1d"])
def test_a_lifetime_outside_five_minutes_to_a_year_or_unreadable_is_refused(text):
    with pytest.raises(InvalidInput, match="--expires"):
        parse_lifetime(text)


def test_logging_in_again_revokes_the_token_it_replaces(capsys, monkeypatch, db_url):
    run(
        capsys,
        monkeypatch,
        "user",
        "add",
        "boss",
        "--roles",
        "admin",
        "--password-stdin",
        "--db",
        db_url,
        stdin="a long enough secret\n",
    )
    for _ in range(2):
        code, _, _ = run(
            capsys,
            monkeypatch,
            "login",
            "--user",
            "boss",
            "--password-stdin",
            "--db",
            db_url,
            stdin="a long enough secret\n",
        )
        assert code == 0
    database = open_database(db_url)
    try:
        with database.unit_of_work() as uow:
            tokens = uow.session.scalars(select(AuthToken).order_by(AuthToken.id)).all()
    finally:
        database.dispose()
    assert [token.revoked_at is None for token in tokens] == [False, True]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_at_a_terminal_the_password_of_the_named_user_is_asked_for(capsys, monkeypatch, db_url):
    run(
        capsys,
        monkeypatch,
        "user",
        "add",
        "boss",
        "--roles",
        "admin",
        "--password-stdin",
        "--db",
        db_url,
        stdin="a long enough secret\n",
    )
    asked: list[str] = []

    def typed(prompt: str) -> str:
        asked.append(prompt)
        return "a long enough secret" if len(asked) == 1 else "wrong"

    monkeypatch.setattr(cli.getpass, "getpass", typed)
    monkeypatch.setattr(sys, "stdin", _Terminal())
    assert cli.main(["orders", "list", "--user", "boss", "--db", db_url]) == 0
    assert asked[0].startswith("Password for boss")
    assert actors_of(db_url, "login") == ["boss"]
    code = cli.main(["orders", "list", "--user", "boss", "--db", db_url])
    err = capsys.readouterr().err
    assert code == cli.EXIT_FAILED and len(err.strip().splitlines()) == 1


def test_the_staff_login_line_reads_in_the_language_the_environment_asks_for(
    capsys, monkeypatch, db_url
):
    monkeypatch.setenv("LANGUAGE", "zh_TW")
    code, _, err = run(capsys, monkeypatch, "orders", "list", "--db", db_url)
    assert code == cli.EXIT_FAILED
    assert "具名員工" in err and "沒有登入憑證" in err and "orderdesk login" in err
