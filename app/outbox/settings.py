"""Where mail goes: ``ORDERDESK_SMTP_URL=smtp://user:password@host:587?starttls=1&from=a@b``
(``smtps://`` for TLS from the start). Without it, messages wait in the outbox. The password
is never shown: not in a message, a log line or ``repr``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from app.errors import InvalidInput
from app.i18n import N_

SMTP_URL_ENV = "ORDERDESK_SMTP_URL"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    user: str = ""
    password: str = field(default="", repr=False)
    tls: bool = False  # smtps: TLS from the first byte
    starttls: bool = False

    def describe(self) -> str:
        """For people and logs: never the password."""
        who = f"{self.user}@" if self.user else ""
        return f"{'smtps' if self.tls else 'smtp'}://{who}{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpSettings:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise InvalidInput(
            SMTP_URL_ENV, _hide_password(url), N_("smtp://user:password@host:port?from=address")
        )
    query = parse_qs(parts.query)
    sender = (query.get("from") or [""])[0] or (
        unquote(parts.username or "") if "@" in unquote(parts.username or "") else ""
    )
    if "@" not in sender:
        raise InvalidInput(
            SMTP_URL_ENV,
            _hide_password(url),
            N_("a sender address given as ?from=service@example.com"),
        )
    tls = parts.scheme == "smtps"
    return SmtpSettings(
        host=parts.hostname,
        port=parts.port or (465 if tls else 25),
        sender=sender,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        tls=tls,
        starttls=(query.get("starttls") or ["0"])[0] in ("1", "true", "yes"),
    )


def _hide_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def smtp_from_environment(environ=os.environ) -> SmtpSettings | None:
    url = environ.get(SMTP_URL_ENV, "").strip()
    return parse_smtp_url(url) if url else None
