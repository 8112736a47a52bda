"""How a workstation reaches its label printer: declared once, passed in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from app.errors import InvalidInput

_QUEUE = re.compile(r"[A-Za-z0-9_.@/-]{1,127}")
_HOST = re.compile(r"[A-Za-z0-9.:\[\]-]{1,253}")


class RawTransport(StrEnum):
    NETWORK = "network"  # straight to the printer's raw port (9100, "JetDirect")
    CUPS = "cups"  # through a CUPS queue: lp -d QUEUE -o raw


@dataclass(frozen=True)
class RawPrinterSettings:
    transport: RawTransport = RawTransport.NETWORK
    host: str = ""
    port: int = 9100
    queue: str = ""
    timeout_s: float = 10.0
    lp_command: str = "lp"  # found on PATH

    def __post_init__(self) -> None:
        if self.transport is RawTransport.NETWORK:
            if not _HOST.fullmatch(self.host or ""):
                raise InvalidInput("label printer address", self.host, "a host name or IP address")
            if not 1 <= self.port <= 65535:
                raise InvalidInput("label printer port", self.port, "a port from 1 to 65535")
        elif not _QUEUE.fullmatch(self.queue or ""):
            raise InvalidInput(
                "label printer queue", self.queue, "a CUPS queue name (letters, digits, - _ .)"
            )
        if not 0 < self.timeout_s <= 300:
            raise InvalidInput("label printer timeout", self.timeout_s, "1 to 300 seconds")

    @property
    def printer_name(self) -> str:
        """The printer as a person names it in a message."""
        if self.transport is RawTransport.NETWORK:
            return f"{self.host}:{self.port}"
        return f"queue {self.queue}"


@dataclass(frozen=True)
class PrintReceipt:
    printer: str
    bytes_sent: int
    job_id: str | None = None  # the CUPS request id, when lp gives one
