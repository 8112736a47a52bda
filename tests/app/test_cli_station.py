"""``orderdesk station`` (and the ``orderdesk-station`` script) start station mode as
``python -m ui.station`` does; with no screen they say in one line how to open it."""

from __future__ import annotations

import os
import sys

import pytest

from app import cli
from app.cli import gui


@pytest.fixture
def no_screen(monkeypatch):
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")


def test_station_without_a_screen_says_in_one_line_how_to_open_it(no_screen, capsys):
    code = cli.main(["station"])
    err = capsys.readouterr().err
    assert code != 0
    assert len(err.strip().splitlines()) == 1
    here = f"{os.path.relpath(sys.executable)} -m app station"
    assert f"QT_QPA_PLATFORM=offscreen {here}" in err and f"xvfb-run -a {here}" in err
    assert cli.main(["station", "--if-screen"]) == 0


def test_the_desk_window_advice_still_names_gui(no_screen, capsys):
    cli.main(["gui"])
    assert "-m app gui`" in capsys.readouterr().err


def test_station_starts_station_mode_on_the_database_given(monkeypatch):
    import ui.station

    opened = []
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setattr(ui.station, "run", lambda url: opened.append(url) or 0)
    assert cli.main(["station", "--db", "sqlite:////tmp/station.db"]) == 0
    assert opened == ["sqlite:////tmp/station.db"]


def test_the_station_script_is_the_station_command(monkeypatch):
    import ui.station

    opened = []
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setattr(ui.station, "run", lambda url: opened.append(url) or 0)
    monkeypatch.setattr(sys, "argv", ["orderdesk-station", "--db", "sqlite:////tmp/s2.db"])
    assert gui.station_main() == 0
    assert opened == ["sqlite:////tmp/s2.db"]


def test_a_station_on_a_database_that_cannot_be_used_stops_with_the_desks_message(
    monkeypatch, qapp
):
    import ui.main
    import ui.station

    said = []
    monkeypatch.setattr(ui.main, "_open", lambda url: said.append(url))
    assert ui.station.run("sqlite:////nonexistent/dir/x.db") == ui.main.EXIT_CANNOT_START
    assert said == ["sqlite:////nonexistent/dir/x.db"]
