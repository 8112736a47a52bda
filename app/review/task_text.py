"""What a contact task asks customer service to do: stored as a code and values, said in the
reader's language.

A task row keeps the English text in ``what_needed`` (what older readers, searches and the
audit read) and the code with its values in ``what_code`` / ``what_values``; ``task_words``
renders a row with a code in the current language, and an older row (no code) by matching
its lines against the catalogue, so rows written before stay readable (the 0033 migration
gave the rows it could recognise their code). Pure: no database, no Qt.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from app.i18n import N_, NP_, PluralText, _, sentence_data, sentence_from_data, translate_stored

# Codes of texts the program writes; a person's own words (a hold's note) stay text. The
# two lists are made line by line in ``_render`` (no sentence of their own).
TASK_TEXTS: dict[str, str | PluralText] = {
    # "lines": sentences (review findings), read through the catalogue; "note": typed
    "review.findings": "",
    "review.stock_short": "",  # "shorts": [[sku, units short], …]
    "review.stock_call": N_("customer called about stock"),
    "picking.short_pick": NP_(
        "Short pick on {list}: {n} unit could not be picked. Ask the customer: ship what was "
        "picked now (the rest follows as a second shipment) or hold the whole shipment. "
        "Default: {choice}.",
        "Short pick on {list}: {n} units could not be picked. Ask the customer: ship what was "
        "picked now (the rest follows as a second shipment) or hold the whole shipment. "
        "Default: {choice}.",
        count="n",
    ),
}
_SHORT = N_("{sku}: short {n}")
_NO_SHORT_LINES = N_("stock short")
# How a short pick's default choice is said (app.picking.model.ShortPickChoice values).
_CHOICES = {"ship_partial": N_("ship what was picked"), "hold": N_("hold the shipment")}


@dataclass(frozen=True)
class TaskText:
    code: str
    values: Mapping[str, object] = field(default_factory=dict)

    def english(self) -> str:
        """The text for ``what_needed`` (English, as every stored task text was)."""
        return _render(self.code, self.values, translate=False)

    def data(self) -> dict:
        """``what_values``: plain JSON data (sentences as their template and values)."""
        values = dict(self.values)
        if "lines" in values:
            values["lines"] = [sentence_data(str(v) if not isinstance(v, str) else v)
                               for v in values["lines"]]  # fmt: skip
        return values


def task_text(code: str, **values: object) -> TaskText:
    if code not in TASK_TEXTS:
        raise KeyError(f"undeclared contact-task text {code!r}")
    return TaskText(code, values)


def findings_text(messages: Sequence[str], note: str = "") -> TaskText:
    """The findings a task is about (``Sentence``s, translated when read) and a typed note."""
    return task_text("review.findings", lines=list(messages), note=note.strip())


def task_words(stored: str, code: str | None, values: Mapping | None) -> str:
    """A task's text in the current language; a row without a known code by its lines."""
    if code in TASK_TEXTS and isinstance(values, Mapping):
        try:
            return _render(code, values, translate=True)
        except (KeyError, IndexError, ValueError, TypeError):
            pass
    return "\n".join(translate_stored(line) for line in (stored or "").split("\n"))


def _render(code: str, values: Mapping, *, translate: bool) -> str:
    say = _ if translate else (lambda text: text)
    if code == "review.findings":
        lines = [sentence_from_data(_tuples(v)) for v in values.get("lines", ())]
        said = [translate_stored(line) if translate else str(line) for line in lines]
        note = str(values.get("note") or "")
        return "\n".join([*said, *([note] if note else [])])  # a person's note as typed
    if code == "review.stock_short":
        shorts = values.get("shorts") or ()
        if not shorts:
            return say(_NO_SHORT_LINES)
        return "; ".join(say(_SHORT).format(sku=sku, n=n) for sku, n in shorts)
    template = TASK_TEXTS[code]
    shown = dict(values)
    if "choice" in shown:
        choice = str(shown["choice"])
        shown["choice"] = say(_CHOICES[choice]) if choice in _CHOICES else choice
    if isinstance(template, PluralText):
        text = template.translated(shown) if translate else template.english(shown)
        return text.format(**shown)
    return say(template).format(**shown)


def _tuples(data: object) -> str | tuple:
    if isinstance(data, list):
        return tuple(_tuples(item) for item in data)
    return data  # type: ignore[return-value]
