"""Raw label printing: the exact bytes reach a network printer or a CUPS queue, and a
printer that is off or refuses gives a named error saying why."""

from __future__ import annotations

import os
import socket
import stat
import threading
from pathlib import Path

import pytest

from app.errors import InvalidInput, PrinterRefused, PrinterTimeout, PrintFailed
from app.labels.model import LabelKind, SmallLabel
from app.labels.zpl import render_small_labels_zpl
from app.printing.model import RawPrinterSettings, RawTransport
from app.printing.transports import send_raw

ZPL = render_small_labels_zpl([SmallLabel(LabelKind.BIN, "A-01-02", "Aisle A", "货架 1")])


class _Listener:
    """A stand-in network printer on 127.0.0.1 that keeps everything it is sent."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received = bytearray()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        connection, _ = self.server.accept()
        with connection:
            while chunk := connection.recv(65536):
                self.received += chunk

    def close(self) -> bytes:
        self.thread.join(timeout=5)
        self.server.close()
        return bytes(self.received)


def test_zpl_sent_to_a_network_printer_arrives_byte_for_byte():
    printer = _Listener()
    receipt = send_raw(RawPrinterSettings(host="127.0.0.1", port=printer.port), ZPL)
    assert printer.close() == ZPL
    assert receipt.bytes_sent == len(ZPL)
    assert receipt.printer == f"127.0.0.1:{printer.port}"


def test_a_printer_that_refuses_the_connection_gives_a_named_error_saying_so():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # free once closed: nothing listens there
    with pytest.raises(PrinterRefused) as refused:
        send_raw(RawPrinterSettings(host="127.0.0.1", port=port, timeout_s=2), ZPL)
    assert "refused" in str(refused.value)
    assert refused.value.printer == f"127.0.0.1:{port}"


def test_a_printer_that_stops_taking_data_times_out_with_a_named_error():
    server = socket.create_server(("127.0.0.1", 0))  # accepts (kernel backlog), never reads
    port = server.getsockname()[1]
    try:
        with pytest.raises(PrinterTimeout) as stalled:
            send_raw(
                RawPrinterSettings(host="127.0.0.1", port=port, timeout_s=0.5), b"^XA" * 20_000_000
            )
        assert "stopped taking data" in str(stalled.value)
    finally:
        server.close()


@pytest.fixture
def stand_in_lp(tmp_path: Path, monkeypatch) -> Path:
    """An ``lp`` on PATH that records its arguments and input, as CUPS would take them."""
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "lp"
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > "{tmp_path}/lp-args"\n'
        f'cat > "{tmp_path}/lp-input"\n'
        'case "$2" in offline) echo "lp: Destination \\"$2\\" is not accepting jobs." >&2; '
        "exit 1;; esac\n"
        'echo "request id is $2-42 (1 file(s))"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return tmp_path


def test_zpl_sent_through_a_cups_queue_goes_raw_to_that_queue(stand_in_lp: Path):
    settings = RawPrinterSettings(transport=RawTransport.CUPS, queue="zebra_pack1")
    receipt = send_raw(settings, ZPL, title="SH-000123")
    assert (stand_in_lp / "lp-input").read_bytes() == ZPL
    arguments = (stand_in_lp / "lp-args").read_text().splitlines()
    assert arguments == ["-d", "zebra_pack1", "-o", "raw", "-t", "SH-000123"]
    assert receipt.job_id == "zebra_pack1-42"


def test_a_queue_that_refuses_the_job_gives_the_print_systems_reason(stand_in_lp: Path):
    settings = RawPrinterSettings(transport=RawTransport.CUPS, queue="offline")
    with pytest.raises(PrinterRefused) as refused:
        send_raw(settings, ZPL)
    assert "not accepting jobs" in str(refused.value)


def test_without_cups_installed_the_error_says_so(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PrintFailed) as failed:
        send_raw(RawPrinterSettings(transport=RawTransport.CUPS, queue="zebra"), ZPL)
    assert "not installed" in str(failed.value)


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"host": ""}, "label printer address"),
        ({"host": "10.0.0.5", "port": 0}, "label printer port"),
        ({"transport": RawTransport.CUPS, "queue": "bad queue; rm -rf"}, "label printer queue"),
    ],
)
def test_printer_settings_that_cannot_work_are_refused_naming_the_field(settings, field):
    with pytest.raises(InvalidInput) as refused:
        RawPrinterSettings(**settings)
    assert refused.value.field == field


def test_nothing_to_print_is_refused_before_contacting_the_printer():
    with pytest.raises(PrintFailed):
        send_raw(RawPrinterSettings(host="127.0.0.1", port=9), b"")
