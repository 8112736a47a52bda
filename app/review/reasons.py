"""Why review moved an order: stored as a code and values, said in the reader's language.

An audit row keeps the English sentence in ``reason`` (what older readers and the audit
chain read) and the code with its values in ``detail["why"]``; ``reason_in_words`` renders
a new row from its code in the current language, and an older row (no code) by matching
its sentence against the catalogue, so rows written before stay readable. Pure: no
database, no Qt.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from app.i18n import N_, _, sentence_data, sentence_from_data, translate_stored

WHY: dict[str, str] = {
    "review.clear": N_("no blocking findings"),
    "review.held_back": N_("held back: {findings}"),
    "review.info_requested": N_("information requested"),
    "review.approved_at_desk": N_("approved at the review desk"),
    "review.override": N_("approved over findings: {reason}"),
    "review.held": N_("held: {note}"),
}
_LISTS = ("findings",)  # values that are lists of sentences, joined with "; "


@dataclass(frozen=True)
class Why:
    code: str
    values: Mapping[str, object] = field(default_factory=dict)

    def english(self) -> str:
        """The sentence for the ``reason`` column (English, as every stored reason was)."""
        return WHY[self.code].format(**{k: _plain(k, v) for k, v in self.values.items()})

    def detail(self) -> dict:
        """What goes into the audit row's ``detail``: the code and values, as plain data."""
        values = {k: _data(k, v) for k, v in self.values.items()}
        return {"why": {"code": self.code, "values": values}}


def why(code: str, **values: object) -> Why:
    if code not in WHY:
        raise KeyError(f"undeclared review reason {code!r}")
    return Why(code, values)


def held_back(messages: Sequence[str]) -> Why:
    """The rules' blocking findings, each once, without their full stops."""
    unique = list(dict.fromkeys(messages))
    return why("review.held_back", findings=unique) if unique else why("review.clear")


def reason_in_words(reason: str, detail: Mapping | None) -> str:
    """The reason of an audit row in the current language; older rows by their sentence."""
    stored = (detail or {}).get("why") if isinstance(detail, Mapping) else None
    if not isinstance(stored, Mapping) or stored.get("code") not in WHY:
        return translate_stored(reason or "")
    values = stored.get("values") or {}
    try:
        shown = {k: _shown(k, v) for k, v in values.items()}
        return _(WHY[stored["code"]]).format(**shown)
    except (KeyError, IndexError, ValueError, TypeError):
        return translate_stored(reason or "")


def _plain(name: str, value: object) -> str:
    if name in _LISTS:
        return "; ".join(str(item).rstrip(".") for item in value)  # type: ignore[union-attr]
    return str(value)


def _data(name: str, value: object) -> object:
    if name in _LISTS:
        return [sentence_data(str(item) if not isinstance(item, str) else item) for item in value]  # type: ignore[union-attr]
    return sentence_data(value) if isinstance(value, str) else value


def _shown(name: str, value: object) -> str:
    if name in _LISTS:
        return "; ".join(
            translate_stored(sentence_from_data(_tuples(item))).rstrip(".。")
            for item in value  # type: ignore[union-attr]
        )
    return translate_stored(sentence_from_data(_tuples(value))) if value is not None else ""


def _tuples(data: object) -> str | tuple:
    """JSON gives lists back where tuples were stored."""
    if isinstance(data, list):
        return tuple(_tuples(item) for item in data)
    return data  # type: ignore[return-value]
