"""Translations: one gettext mechanism for app/, the CLI and the screens (no Qt here).

Person-facing text is written as ``_("…")`` (or ``ngettext`` for counts) with
``str.format`` placeholders (``_("{order} was cancelled").format(order=number)``), and
``N_("…")`` marks text that is stored now and translated when shown (desk titles, verb
labels declared as data). Until catalogues are installed every call returns the English
source text.
"""

from __future__ import annotations

import gettext

_translation: gettext.NullTranslations = gettext.NullTranslations()


def install(translation: gettext.NullTranslations) -> None:
    """Make ``translation`` the one every later ``_()`` call reads."""
    global _translation
    _translation = translation


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return _translation.ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    return _translation.pgettext(context, message)


def N_(message: str) -> str:  # the gettext convention for "mark only"
    return message
