"""The orderdesk command: the same services, scriptable, with plain one-line errors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from app import cli
from db import schema
from tests import factories


def run(capsys, *argv: str, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def orders(db, staff_login):
    with db.unit_of_work() as uow:
        s = uow.session
        anna = factories.customer(s, "Anna Müller", email="anna@example.de")
        wang = factories.customer(s, "王伟", email="wang@example.cn")
        mug = factories.product(s, "MUG-1", name="Mug", price_cents=899)
        ids = [
            factories.order(
                s, anna, channel="amazon", channel_order_id="111-2223334-4445556", lines=[(mug, 2)]
            ).id,
            factories.order(s, wang, channel="shop", status="approved", lines=[(mug, 1)]).id,
        ]
        uow.commit()
    return ids


def test_orders_list_json_has_one_object_per_line_with_the_agreed_fields(capsys, db_url, orders):
    code, out, _ = run(capsys, "orders", "list", "--db", db_url, "--json")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [r["number"] for r in records] == [f"SO-{i:06d}" for i in reversed(orders)]
    first = records[1]
    assert first["channel"] == "amazon"
    assert first["channel_order_id"] == "111-2223334-4445556"
    assert first["status"] == "received"
    assert first["customer"] == "Anna Müller"
    assert first["total_cents"] == 1798
    assert first["currency"] == "EUR"


def test_orders_list_filters_by_status_channel_and_search(capsys, db_url, orders):
    _, out, _ = run(capsys, "--db", db_url, "orders", "list", "--status", "approved", "--json")
    assert [json.loads(x)["customer"] for x in out.splitlines()] == ["王伟"]
    _, out, _ = run(capsys, "orders", "list", "--db", db_url, "--search", "anna", "--json")
    assert [json.loads(x)["channel"] for x in out.splitlines()] == ["amazon"]


def test_a_wrong_status_is_refused_naming_the_choices(capsys, db_url, orders):
    code, out, err = run(capsys, "orders", "list", "--db", db_url, "--status", "lost")
    assert code == cli.EXIT_FAILED
    assert out == ""
    assert "--status" in err and "needs_info" in err
    assert len(err.strip().splitlines()) == 1


def test_orders_show_json_and_text(capsys, db_url, orders):
    code, out, _ = run(capsys, "orders", "show", f"SO-{orders[0]:06d}", "--db", db_url, "--json")
    record = json.loads(out)
    assert code == 0
    assert record["number"] == f"SO-{orders[0]:06d}"
    assert record["customer"] == "Anna Müller"
    assert record["lines"][0]["sku"] == "MUG-1"
    code, out, _ = run(capsys, "orders", "show", "111-2223334-4445556", "--db", db_url)
    assert "Anna Müller" in out and "€17.98" in out


def test_an_unknown_order_is_one_line_not_a_traceback(capsys, db_url, orders):
    code, _, err = run(capsys, "orders", "show", "SO-999999", "--db", db_url)
    assert code == cli.EXIT_FAILED
    assert err.strip() == "orderdesk: No order SO-999999."


def test_user_add_list_disable_and_passwd(capsys, monkeypatch, db_url, staff_login):
    code, out, _ = run(
        capsys,
        "user",
        "add",
        "pat",
        "--roles",
        "warehouse,finance",
        "--name",
        "Pat Picker",
        "--password-stdin",
        "--db",
        db_url,
        stdin="a long enough secret\n",
        monkeypatch=monkeypatch,
    )
    assert code == 0 and "pat" in out
    assert "a long enough secret" not in out
    run(capsys, "user", "disable", "pat", "--db", db_url)
    _, out, _ = run(capsys, "user", "list", "--db", db_url, "--json")
    users = {record["username"]: record for record in map(json.loads, out.splitlines())}
    assert users["pat"]["roles"] == ["finance", "warehouse"] and users["pat"]["active"] is False
    code, _, _ = run(
        capsys,
        "user",
        "passwd",
        "pat",
        "--password-stdin",
        "--db",
        db_url,
        stdin="another long secret\n",
        monkeypatch=monkeypatch,
    )
    assert code == 0


def test_user_add_with_an_unknown_role_says_which_roles_exist(
    capsys, monkeypatch, db_url, staff_login
):
    code, _, err = run(
        capsys,
        "user",
        "add",
        "pat",
        "--roles",
        "janitor",
        "--password-stdin",
        "--db",
        db_url,
        stdin="a long enough secret\n",
        monkeypatch=monkeypatch,
    )
    assert code == cli.EXIT_FAILED
    assert "janitor" in err and "warehouse" in err


def test_db_current_and_upgrade_report_versions(capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    code, out, _ = run(capsys, "db", "upgrade", "--db", url, "--json")
    assert code == 0
    assert json.loads(out)["to"] == schema.head_revision()
    _, out, _ = run(capsys, "db", "current", "--db", url, "--json")
    assert json.loads(out)["up_to_date"] is True


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://root@localhost/shop", "not supported"),
        ("postgresql+psycopg://u:topsecret@127.0.0.1:9/x", "Cannot open the database"),
    ],
)
def test_bad_database_urls_are_one_line_naming_what_was_tried(capsys, url, expected):
    code, _, err = run(capsys, "orders", "list", "--db", url)
    assert code == cli.EXIT_FAILED
    assert expected in err
    assert "topsecret" not in err
    assert len(err.strip().splitlines()) == 1


def test_gui_without_a_screen_says_how_to_run_it_anyway(monkeypatch, capsys):
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    code, _, err = run(capsys, "gui")
    assert code != 0
    assert len(err.strip().splitlines()) == 1
    assert "QT_QPA_PLATFORM=offscreen" in err and "xvfb-run -a" in err
    # A command that works as written: here (not started as `orderdesk`), this Python's -m app.
    assert f"QT_QPA_PLATFORM=offscreen {os.path.relpath(sys.executable)} -m app gui" in err
    code, _, err = run(capsys, "gui", "--if-screen")  # what `make run` asks for
    assert code == 0 and "xvfb-run" in err


def test_the_terminal_shows_no_info_lines_even_when_a_log_file_takes_them():
    # The desk turns INFO on for its log file; Alembic's INFO lines must not reach stderr.
    script = (
        "import logging\n"
        "from app import cli\n"
        "def desk(args):\n"
        "    logging.getLogger().setLevel(logging.INFO)\n"
        "    logging.getLogger('alembic.runtime.migration').info('Running upgrade')\n"
        "    logging.getLogger('orderdesk').warning('a real warning')\n"
        "    return 0\n"
        "cli.gui.cmd_gui = desk\n"
        "raise SystemExit(cli.main(['gui']))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0
    assert "Running upgrade" not in result.stderr
    assert "a real warning" in result.stderr


def test_python_dash_m_app_is_the_same_command():
    result = subprocess.run(
        [sys.executable, "-m", "app", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("orderdesk ")


def test_argparse_own_errors_and_headings_follow_the_persons_language(monkeypatch, capsys):
    monkeypatch.setenv("LANGUAGE", "zh_TW")
    with pytest.raises(SystemExit) as stopped:
        cli.main(["user", "add"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "用法：" in err and "錯誤" in err and "缺少必要的參數" in err
    assert "usage:" not in err and "required" not in err
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert "位置參數" in out and "positional arguments" not in out


def test_the_cli_lines_of_the_audit_check_follow_the_persons_language(db_url, monkeypatch, capsys):
    monkeypatch.setenv("LANGUAGE", "zh_CN")
    code, out, _ = run(capsys, "audit", "verify", "--db", db_url)
    assert code == 0
    assert "审计记录" in out and "每个环节都完整" in out and "Audit trail" not in out
