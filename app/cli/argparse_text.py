"""argparse's own words (``usage:``, ``options``, "the following arguments are required") in
the person's language: argparse asks ``gettext`` for them, and here it asks our catalogue."""

from __future__ import annotations

import argparse

from app.i18n import N_, _, ngettext

# The sentences argparse shows a person, so that extraction puts them in the catalogue.
# (Messages for a programmer's mistakes in a parser definition stay English.)
ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("unrecognized arguments: %s"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    N_("can't open '%(filename)s': %(error)s"),
)


if False:  # pragma: no cover  (never run: marks argparse's one plural for extraction)
    ngettext("expected %s argument", "expected %s arguments", 1)


def speak_argparse_in_current_language() -> None:
    """Route argparse's ``gettext`` calls to the catalogue of the language now set.

    argparse looks its module-level ``_``/``ngettext`` up at each call, so parsers built
    before or after this answer in whatever language ``app.i18n`` holds at that moment.
    """
    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]
