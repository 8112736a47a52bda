"""Translations: one gettext mechanism for app/, the CLI and the screens (no Qt here).

Person-facing text is written as ``_("…")`` (or ``ngettext`` for counts) with
``str.format`` placeholders (``_("{order} was cancelled").format(order=number)``), and
``N_("…")`` marks text that is stored now and translated when shown (desk titles, verb
labels declared as data). ``Sentence("Line {line} has no SKU.", line=3)`` is a sentence
made now and read later (a review finding, an import rejection): it *is* the English
``str`` (stored, logged, compared as before) and ``say(text)`` turns it into the current
language where a person reads it. ``C_("…")`` marks a customer message: it goes to the separate
``customer`` catalogue and is translated into the *customer's* language with
``customer_gettext``, whatever language the desk shows.

Catalogues are ``resources/locale/<language>/LC_MESSAGES/<domain>.po``, managed with Babel
(``python -m app.i18n_tools`` or ``make translations``) and compiled to ``.mo`` files by
``make setup``. The source text is English, so English needs no catalogue to work, and a
catalogue that is missing or corrupt leaves the English text in place with one warning in
the log: the desk always opens.
"""

from __future__ import annotations

import functools
import gettext
import logging
import os
import re
import struct
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger("orderdesk.i18n")

DOMAIN = "orderdesk"
CUSTOMER_DOMAIN = "customer"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "resources" / "locale"
SOURCE_LANGUAGE = "en"

# Languages the desk (screens, CLI, errors) speaks, the company's own first.
DESK_LANGUAGES = ("zh_TW", "zh_CN", "en")
# Languages customer messages are written in (the demo's European customers included).
CUSTOMER_LANGUAGES = ("zh_TW", "zh_CN", "en", "de", "fr", "es", "it")
# Each language named in itself: a person who cannot read the current one finds their own.
LANGUAGE_NAMES = {
    "zh_TW": "繁體中文",
    "zh_CN": "简体中文",
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "it": "Italiano",
}
# Chinese without a region: Traditional, the company's own (customers are mapped by address).
_CHINESE_REGIONS = {"tw": "zh_TW", "hk": "zh_TW", "mo": "zh_TW", "hant": "zh_TW"}
_SIMPLIFIED_REGIONS = {"cn": "zh_CN", "sg": "zh_CN", "my": "zh_CN", "hans": "zh_CN"}
# Environment variables a command-line program reads for its language, in GNU gettext order.
LANGUAGE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = SOURCE_LANGUAGE


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


class PluralText(tuple):
    """A message with a count, marked now and said later: ``NP_(singular, plural, count="n")``.

    ``count`` names the value that chooses the form; ``say_plural`` picks it through the
    catalogue's plural rule (Chinese has one form, English two), never a "(s)".
    """

    singular: str
    plural: str
    count: str

    def __new__(cls, singular: str, plural: str, count: str) -> PluralText:
        text = super().__new__(cls, (singular, plural))
        text.singular, text.plural, text.count = singular, plural, count
        return text

    def __reduce__(self):
        return (PluralText, (self.singular, self.plural, self.count))

    def english(self, values: Mapping[str, object]) -> str:
        """The English source form for these values (what is stored and logged)."""
        return self.singular if values.get(self.count) == 1 else self.plural

    def translated(self, values: Mapping[str, object]) -> str:
        """The form for these values in the current language (not yet filled)."""
        count = values.get(self.count)
        return ngettext(self.singular, self.plural, count if isinstance(count, int) else 2)


def NP_(singular: str, plural: str, *, count: str) -> PluralText:
    return PluralText(singular, plural, count)


def C_(message: str) -> str:
    """Mark a customer message for the ``customer`` catalogue (translated when drafted)."""
    return message


class Sentence(str):
    """An English sentence that remembers its source text and values, to be translated later.

    Values may be ``Sentence``s themselves (a reason inside a rejection); they are
    translated with it.
    """

    template: str
    values: dict[str, object]

    def __new__(cls, template: str, /, **values: object) -> Sentence:
        text = template.format(**values) if values else template
        sentence = super().__new__(cls, text)
        sentence.template = template
        sentence.values = values
        return sentence

    def __reduce__(self):  # plain data across processes (the import worker), still a Sentence
        return (_rebuild_sentence, (self.template, tuple(self.values.items())))

    def translated(self) -> str:
        if not self.values:
            return _(self.template)
        values = {
            name: value.translated() if isinstance(value, Sentence) else value
            for name, value in self.values.items()
        }
        try:
            return _(self.template).format(**values)
        except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder
            return self.template.format(**values)


def _rebuild_sentence(template: str, values: tuple[tuple[str, object], ...]) -> Sentence:
    return Sentence(template, **dict(values))


def sentence_data(text: str) -> str | tuple:
    """``text`` as plain tuples and strings (for ``marshal``); a ``str`` stays a ``str``."""
    if not isinstance(text, Sentence):
        return str(text)
    values = tuple(
        (name, sentence_data(value) if isinstance(value, str) else value)
        for name, value in text.values.items()
    )
    return (text.template, values)


def sentence_from_data(data: str | tuple) -> str:
    if isinstance(data, str):
        return data
    template, values = data
    return Sentence(
        template,
        **{
            name: sentence_from_data(value) if isinstance(value, str | tuple) else value
            for name, value in values
        },
    )


def say(text: str) -> str:
    """``text`` in the current language when it is a ``Sentence``; anything else as it is."""
    if isinstance(text, Sentence):
        return text.translated()
    return text


_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)([!:][^{}]*)?\}")


def translate_stored(text: str) -> str:
    """An English sentence read back from the database, in the current language.

    Findings and rejections are stored as the English sentence their ``Sentence`` made;
    the catalogue's source texts are matched against it to recover the values, and the
    translation is filled with them. Text that matches no source text stays as it is.
    """
    if isinstance(text, Sentence):
        return text.translated()
    if not text:
        return text
    exact = _translation.gettext(text)
    if exact != text:
        return exact
    best = _best_template(_language, text)
    if best is None:
        return text
    template, values = best
    plain = _FIELD.sub(lambda m: "{" + m.group(1) + "}", _(template))
    try:
        return plain.format(**{name: translate_stored(value) for name, value in values.items()})
    except (KeyError, IndexError, ValueError):
        return text


def _best_template(language: str, text: str) -> tuple[str, dict[str, str]] | None:
    best: tuple[int, str, dict[str, str]] | None = None
    for literal_length, template, pattern in _stored_patterns(language):
        if best is not None and literal_length <= best[0]:
            break  # sorted longest first: nothing later can beat it
        match = pattern.match(text)
        if match:
            best = (literal_length, template, match.groupdict())
    return None if best is None else (best[1], best[2])


@functools.cache
def _stored_patterns(language: str) -> list[tuple[int, str, re.Pattern[str]]]:
    catalogue = getattr(translation(language), "_catalog", {})
    patterns = []
    for key in catalogue:
        if not isinstance(key, str) or "{" not in key:
            continue
        parts = _FIELD.split(key)
        literal = "".join(parts[0::3])
        if len(literal.strip()) < 8:  # "{a}: {b}" would match anything
            continue
        regex, seen = [], set()
        for index, part in enumerate(parts):
            if index % 3 == 0:
                regex.append(re.escape(part))
            elif index % 3 == 1:
                regex.append(f"(?P={part})" if part in seen else f"(?P<{part}>.+?)")
                seen.add(part)
        patterns.append((len(literal), key, re.compile("".join(regex) + r"\Z", re.DOTALL)))
    patterns.sort(key=lambda item: -item[0])
    return patterns


# --------------------------------------------------------------------------- languages


def normalize_language(code: str | None, available: tuple[str, ...] = DESK_LANGUAGES) -> str | None:
    """``"zh-Hant-TW"``, ``"zh_TW.UTF-8"``, ``"zh_HK"`` → ``"zh_TW"``; ``"en_GB"`` → ``"en"``.

    ``None`` when the code names no language in ``available``.
    """
    text = (code or "").strip().split(".")[0].split("@")[0].replace("-", "_")
    if not text:
        return None
    if text in ("C", "POSIX"):
        return SOURCE_LANGUAGE if SOURCE_LANGUAGE in available else None
    parts = [part.lower() for part in text.split("_") if part]
    base = parts[0]
    candidates: list[str] = []
    if base == "zh":
        qualifiers = parts[1:]
        chosen = next(
            (
                table[q]
                for q in qualifiers
                for table in (_CHINESE_REGIONS, _SIMPLIFIED_REGIONS)
                if q in table
            ),
            "zh_TW",
        )
        candidates.append(chosen)
    else:
        if len(parts) > 1:
            candidates.append(f"{base}_{parts[-1].upper()}")
        candidates.append(base)
    return next((c for c in candidates if c in available), None)


def environment_languages(environ: Mapping[str, str] | None = None) -> list[str]:
    """The languages the environment asks for, most wanted first, as gettext reads them.

    ``LANGUAGE`` is a colon-separated list of preferences; otherwise the first of
    ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is set decides.
    """
    env = os.environ if environ is None else environ
    wanted = [code for code in env.get("LANGUAGE", "").split(":") if code]
    for variable in LANGUAGE_VARIABLES[1:]:
        if env.get(variable):
            wanted.append(env[variable])
            break
    return wanted


def system_language(
    environ: Mapping[str, str] | None = None, available: tuple[str, ...] = DESK_LANGUAGES
) -> str:
    """The first language of the environment this program speaks, else English."""
    for code in environment_languages(environ):
        language = normalize_language(code, available)
        if language is not None:
            return language
    return SOURCE_LANGUAGE


def choose_language(
    saved: str | None, environ: Mapping[str, str] | None = None
) -> tuple[str, bool]:
    """The language to show a user who saved ``saved``: theirs, else the system's, else English.

    The flag is True when a saved language was set aside (unknown or not available), so the
    caller can say so once.
    """
    language = normalize_language(saved) if saved else None
    if language is not None:
        return language, False
    return system_language(environ), bool(saved and saved.strip())


# --------------------------------------------------------------------------- catalogues


def catalogue_path(language: str, domain: str = DOMAIN) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.mo"


@functools.cache
def translation(language: str, domain: str = DOMAIN) -> gettext.NullTranslations:
    """The compiled catalogue of ``language``; English source text when it cannot be read."""
    path = catalogue_path(language, domain)
    try:
        with path.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    except FileNotFoundError:
        if language != SOURCE_LANGUAGE:
            log.warning(
                "no %s catalogue for %s at %s (run `make setup`); showing English",
                domain,
                language,
                path,
            )
    except (OSError, ValueError, UnicodeError, struct.error, IndexError, KeyError) as error:
        log.warning(
            "the %s catalogue for %s at %s cannot be read (%s); showing English",
            domain,
            language,
            path,
            error,
        )
    return gettext.NullTranslations()


def set_language(language: str) -> str:
    """Show everything from now on in ``language`` (a desk language, else English)."""
    global _language
    chosen = normalize_language(language) or SOURCE_LANGUAGE
    install(translation(chosen))
    _language = chosen
    return chosen


def current_language() -> str:
    return _language


def language_name(language: str) -> str:
    return LANGUAGE_NAMES.get(language, language)


def customer_language(code: str | None) -> str:
    """The language a customer is written to in: theirs when we can, else English.

    Chinese without a region is Simplified here (customers in Taiwan, Hong Kong and Macau
    were given zh_TW from their address by the 0010 migration; new ones say which).
    """
    text = (code or "").strip().lower().replace("-", "_").split(".")[0]
    if text == "zh":
        return "zh_CN"
    return normalize_language(code, CUSTOMER_LANGUAGES) or SOURCE_LANGUAGE


def customer_gettext(language: str, message: str) -> str:
    """``message`` (marked with ``C_``) in the customer's language."""
    return translation(customer_language(language), CUSTOMER_DOMAIN).gettext(message)


def forget_catalogues() -> None:
    """Read the catalogue files again on next use (after compiling, and in tests)."""
    translation.cache_clear()
    _stored_patterns.cache_clear()
    set_language(_language)
