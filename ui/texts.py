"""Texts a screen shows, bound once so a language switch can set them all again.

``self.texts.bind(label.setText, N_("Import orders"))`` shows the translation now and again
after ``self.texts.apply()``; a text with values binds a function:
``self.texts.bind(label.setText, lambda: _("Saved to {path}.").format(path=p))``. A desk's
``retranslate()`` calls ``apply()`` and refreshes what it computed (counts, tables).
"""

from __future__ import annotations

from collections.abc import Callable

from app.i18n import _


class Texts:
    def __init__(self) -> None:
        self._bindings: list[tuple[Callable[[str], object], Callable[[], str]]] = []

    def bind(self, setter: Callable[[str], object], source: str | Callable[[], str]) -> None:
        produce = source if callable(source) else (lambda: _(source))
        self._bindings.append((setter, produce))
        setter(produce())

    def apply(self) -> None:
        for setter, produce in self._bindings:
            setter(produce())
