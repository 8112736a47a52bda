"""Send raw printer language (ZPL) to a label printer, or say why it did not get there."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess

from app.errors import PrinterRefused, PrinterTimeout, PrinterUnreachable, PrintFailed
from app.i18n import _
from app.printing.model import PrintReceipt, RawPrinterSettings, RawTransport

_REQUEST_ID = re.compile(r"request id is (\S+)")


def send_raw(
    settings: RawPrinterSettings, data: bytes, *, title: str = "orderdesk"
) -> PrintReceipt:
    """Send ``data`` unchanged to the printer ``settings`` names. Raises a ``PrintFailed``
    (``PrinterUnreachable``, ``PrinterRefused``, ``PrinterTimeout``) saying why."""
    if not data:
        raise PrintFailed(settings.printer_name, _("there is nothing to print."))
    if settings.transport is RawTransport.NETWORK:
        return _send_tcp(settings, data)
    return _send_lp(settings, data, title)


def _send_tcp(settings: RawPrinterSettings, data: bytes) -> PrintReceipt:
    name = settings.printer_name
    try:
        connection = socket.create_connection(
            (settings.host, settings.port), timeout=settings.timeout_s
        )
    except ConnectionRefusedError as error:
        raise PrinterRefused(
            name,
            _(
                "the printer refused the connection on port {port} (switched off, busy with "
                "another computer, or raw printing disabled)."
            ).format(port=settings.port),
        ) from error
    except TimeoutError as error:
        raise PrinterUnreachable(
            name,
            _("no answer within {seconds:g} s: is the printer switched on and connected?").format(
                seconds=settings.timeout_s
            ),
        ) from error
    except socket.gaierror as error:
        raise PrinterUnreachable(
            name, _("the address {host} is not known on this network.").format(host=settings.host)
        ) from error
    except OSError as error:
        raise PrinterUnreachable(
            name, _("the printer cannot be reached ({reason}).").format(reason=error.strerror)
        ) from error
    with connection:
        try:
            connection.sendall(data)
            connection.shutdown(socket.SHUT_WR)
        except TimeoutError as error:
            raise PrinterTimeout(
                name,
                _(
                    "the printer stopped taking data for {seconds:g} s (out of labels or ribbon, "
                    "paused, or the network dropped); the label may be incomplete."
                ).format(seconds=settings.timeout_s),
            ) from error
        except OSError as error:
            raise PrinterRefused(
                name,
                _("the printer closed the connection ({reason}).").format(reason=error.strerror),
            ) from error
    return PrintReceipt(name, len(data))


def _send_lp(settings: RawPrinterSettings, data: bytes, title: str) -> PrintReceipt:
    name = settings.printer_name
    command = shutil.which(settings.lp_command)
    if command is None:
        raise PrintFailed(
            name,
            _("the '{command}' command was not found: CUPS printing is not installed.").format(
                command=settings.lp_command
            ),
        )
    try:
        completed = subprocess.run(
            [command, "-d", settings.queue, "-o", "raw", "-t", title],
            input=data,
            capture_output=True,
            timeout=settings.timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise PrinterTimeout(
            name,
            _("the print system did not take the job within {seconds:g} s.").format(
                seconds=settings.timeout_s
            ),
        ) from error
    if completed.returncode != 0:
        reason = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PrinterRefused(
            name,
            _("the print queue refused the job: {reason}").format(
                reason=reason[-1]
                if reason
                else _("exit status {code}").format(code=completed.returncode)
            ),
        )
    match = _REQUEST_ID.search(completed.stdout.decode("utf-8", "replace"))
    return PrintReceipt(name, len(data), match.group(1) if match else None)
