"""Free-text search helpers shared by the read side."""

from __future__ import annotations

from app.errors import InvalidInput

LIKE_ESCAPE = "\\"
# Nothing anyone searches for (a name, an e-mail, an order id, an address) comes near;
# far longer patterns are refused by the database itself (SQLite: 50,000 bytes).
MAX_SEARCH_CHARS = 200


def search_text(text: str | None, field: str = "search") -> str:
    """The trimmed search text; refused with a clear message when it is too long."""
    needle = (text or "").strip()
    if len(needle) > MAX_SEARCH_CHARS:
        raise InvalidInput(
            field, f"{needle[:20]}… ({len(needle):,} characters)", f"at most {MAX_SEARCH_CHARS}"
        )
    return needle


def _literal(text: str) -> str:
    """``text`` trimmed and lower-cased, its LIKE wildcards taken literally."""
    return (
        search_text(text)
        .lower()
        .replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, lower-cased, its wildcards taken literally."""
    return f"%{_literal(text)}%"


def prefix_pattern(text: str) -> str:
    """A LIKE pattern matching what starts with ``text``, lower-cased, wildcards literal."""
    return f"{_literal(text)}%"
