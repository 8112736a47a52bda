"""Managing the catalogues with Babel: ``python -m app.i18n_tools extract|update|compile|check``.

- ``extract``  reads every marked string of app/ and ui/ into the templates
               (``resources/locale/orderdesk.pot``, ``resources/locale/customer.pot``).
- ``update``   extract, then merge the templates into every language's ``.po`` file
               (new strings appear untranslated, removed ones are kept as obsolete).
- ``compile``  ``.po`` → ``.mo`` (what the program reads); ``make setup`` runs it.
- ``check``    extract in memory and list every string without a translation, and every
               translation that lost a placeholder; exit 1 when there is one.
- ``all``      update, compile, check: the one command after merging new screens.
- ``apply F.json …`` fill untranslated entries from translation files written as
               ``{"orderdesk": {"msgid": {"zh_TW": "…", "zh_CN": "…"}}}`` (a plural entry
               gives a list of forms); how a branch carries its translations through a merge.
- ``draft-zh-cn`` fill each untranslated zh_CN entry from its zh_TW translation with
               OpenCC (Taiwan → mainland phrases), marked fuzzy: a draft that ``check``
               reports until a person has compared it with docs/glossary.md and removed
               the fuzzy mark (mainland usage differs in more than characters).

Adding a language: ``python -m app.i18n_tools init LANG`` (e.g. ``ja``), translate its
``.po`` files, add it to ``DESK_LANGUAGES`` (and/or ``CUSTOMER_LANGUAGES``) in app/i18n.py.
"""

from __future__ import annotations

import datetime
import io
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from app.i18n import CUSTOMER_DOMAIN, CUSTOMER_LANGUAGES, DESK_LANGUAGES, DOMAIN, LOCALE_DIR

ROOT = LOCALE_DIR.parent.parent
SOURCE_DIRS = ("app", "ui")
MAPPING_FILE = ROOT / "babel.cfg"
# The desk catalogue reads the usual gettext keywords and Sentence(); the customer
# catalogue only C_().
DESK_KEYWORDS = ("_", "N_", "NP_:1,2", "ngettext:1,2", "pgettext:1c,2", "Sentence:1", "S:1")
CUSTOMER_KEYWORDS = ("C_",)
DOMAINS = {
    DOMAIN: (DESK_KEYWORDS, tuple(lang for lang in DESK_LANGUAGES)),
    CUSTOMER_DOMAIN: (CUSTOMER_KEYWORDS, CUSTOMER_LANGUAGES),
}
# Languages whose every entry must be translated (English is the source text).
REQUIRED = {
    DOMAIN: tuple(lang for lang in DESK_LANGUAGES if lang != "en"),
    CUSTOMER_DOMAIN: tuple(lang for lang in CUSTOMER_LANGUAGES if lang != "en"),
}
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:[!:][^{}]*)?\}|%\d+|%\([a-z_]+\)[sd]|%[sd]")


def template_path(domain: str) -> Path:
    return LOCALE_DIR / f"{domain}.pot"


def po_path(language: str, domain: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"


def _pybabel(*arguments: str) -> None:
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", "-q", *arguments])


def extract_catalog(domain: str):
    """The marked strings of the source tree as a Babel ``Catalog`` (nothing written)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    keywords_spec, _ = DOMAINS[domain]
    keywords = _keywords(keywords_spec)
    catalog = Catalog(
        project="orderdesk",
        domain=domain,
        creation_date=datetime.datetime(2026, 11, 29, tzinfo=datetime.UTC),
    )
    with MAPPING_FILE.open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    for folder in SOURCE_DIRS:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / folder,
            method_map=method_map,
            options_map=options_map,
            keywords=keywords,
            comment_tags=("Translators:",),
            strip_comment_tags=True,
        ):
            catalog.add(
                message,
                None,
                [(f"{folder}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return catalog


def _keywords(spec: Iterable[str]) -> dict:
    from babel.messages.frontend import parse_keywords

    return parse_keywords(list(spec))


def extract() -> None:
    from babel.messages.pofile import write_po

    for domain in DOMAINS:
        catalog = extract_catalog(domain)
        path = template_path(domain)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            # File names without line numbers: the catalogues change only when a text does,
            # so branches adding screens merge without conflicts in the .po files.
            write_po(handle, catalog, width=100, sort_output=False, include_lineno=False)


def update() -> None:
    extract()
    for domain, (_, languages) in DOMAINS.items():
        for language in languages:
            if po_path(language, domain).exists():
                _pybabel(
                    "update",
                    "-D",
                    domain,
                    "-i",
                    str(template_path(domain)),
                    "-d",
                    str(LOCALE_DIR),
                    "-l",
                    language,
                    "-w",
                    "100",
                    "--no-fuzzy-matching",
                    "--ignore-obsolete",
                )
            else:
                init(language, domains=(domain,))


def init(language: str, domains: Iterable[str] = tuple(DOMAINS)) -> None:
    for domain in domains:
        if not template_path(domain).exists():
            extract()
        _pybabel(
            "init",
            "-D",
            domain,
            "-i",
            str(template_path(domain)),
            "-d",
            str(LOCALE_DIR),
            "-l",
            language,
            "-w",
            "100",
        )


def compile_all() -> None:
    for domain, (_, languages) in DOMAINS.items():
        for language in languages:
            if po_path(language, domain).exists():
                _pybabel("compile", "-D", domain, "-d", str(LOCALE_DIR), "-l", language)


def draft_simplified(domains: Iterable[str] = tuple(DOMAINS)) -> int:
    """Untranslated zh_CN entries drafted from zh_TW with OpenCC, fuzzy; returns how many."""
    from babel.messages.pofile import write_po
    from opencc import OpenCC

    convert = OpenCC("tw2sp").convert
    drafted = 0
    for domain in domains:
        traditional = read_po("zh_TW", domain)
        simplified = read_po("zh_CN", domain)
        if traditional is None or simplified is None:
            continue
        for message in simplified:
            if not message.id or (message.string and all(_strings(message))):
                continue
            source = traditional.get(message.id, context=message.context)
            if source is None or not all(_strings(source)):
                continue
            converted = [convert(text) for text in _strings(source)]
            message.string = tuple(converted) if message.pluralizable else converted[0]
            message.flags.add("fuzzy")
            drafted += 1
        with po_path("zh_CN", domain).open("wb") as handle:
            write_po(handle, simplified, width=100, include_lineno=False)
    return drafted


def apply_translations(paths: Iterable[Path]) -> int:
    """Fill untranslated (or fuzzy) entries from JSON translation files; returns how many."""
    import json

    from babel.messages.pofile import write_po

    wanted: dict[tuple[str, str], dict[str, object]] = {}
    for path in paths:
        for domain, entries in json.loads(Path(path).read_text(encoding="utf-8")).items():
            for msgid, by_language in entries.items():
                for language, text in by_language.items():
                    wanted.setdefault((domain, language), {})[msgid] = text
    filled = 0
    for (domain, language), entries in wanted.items():
        catalog = read_po(language, domain)
        if catalog is None:
            continue
        for message in catalog:
            key = message.id[0] if message.pluralizable else message.id
            if not key or key not in entries:
                continue
            if message.string and all(_strings(message)) and "fuzzy" not in message.flags:
                continue
            text = entries[key]
            message.string = tuple(text) if message.pluralizable else str(text)
            message.flags.discard("fuzzy")
            filled += 1
        with po_path(language, domain).open("wb") as handle:
            write_po(handle, catalog, width=100, include_lineno=False)
    return filled


def _strings(message) -> list[str]:
    return list(message.string) if message.pluralizable else [message.string]


def compile_stale() -> None:
    """Compile only the catalogues whose .mo is missing or older than the .po."""
    from app.i18n import forget_catalogues

    compiled = False
    for domain, (_, languages) in DOMAINS.items():
        for language in languages:
            po = po_path(language, domain)
            mo = po.with_suffix(".mo")
            if po.exists() and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
                _pybabel("compile", "-D", domain, "-d", str(LOCALE_DIR), "-l", language)
                compiled = True
    if compiled:
        forget_catalogues()


# --------------------------------------------------------------------------- check


@dataclass(frozen=True)
class Problem:
    domain: str
    language: str
    message: str
    what: str

    def __str__(self) -> str:
        return f"{self.domain}/{self.language}: {self.what}: {self.message!r}"


def placeholders(text: str) -> set[str]:
    """``{order}``, ``{count:,}``, ``%1`` … as written, format specs dropped."""
    return {re.split(r"[!:]", p, maxsplit=1)[0].rstrip("}") for p in _PLACEHOLDER.findall(text)}


def read_po(language: str, domain: str):
    from babel.messages.pofile import read_po as babel_read_po

    path = po_path(language, domain)
    if not path.exists():
        return None
    with path.open("rb") as handle:
        return babel_read_po(io.BytesIO(handle.read()), locale=language, domain=domain)


def problems(domains: Iterable[str] = tuple(DOMAINS)) -> list[Problem]:
    """Every marked string without a translation, or whose translation lost a placeholder."""
    found: list[Problem] = []
    for domain in domains:
        source = extract_catalog(domain)
        for language in REQUIRED[domain]:
            catalog = read_po(language, domain)
            if catalog is None:
                found.append(Problem(domain, language, str(po_path(language, domain)), "no file"))
                continue
            found.extend(catalogue_problems(source, catalog, domain, language))
    return found


def catalogue_problems(source, catalog, domain: str, language: str) -> list[Problem]:
    """What ``catalog`` (one language's .po) lacks for the strings of ``source``."""
    found: list[Problem] = []
    for message in source:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        entry = catalog.get(message.id, context=message.context)
        strings = (
            list(entry.string)
            if entry is not None and entry.pluralizable
            else ([entry.string] if entry is not None else [])
        )
        if entry is None or entry.fuzzy or not strings or not all(strings):
            found.append(Problem(domain, language, ids[0], "not translated"))
            continue
        wanted = set().union(*(placeholders(i) for i in ids))
        for translated in strings:
            missing = wanted - placeholders(translated)
            if missing:
                lost = ", ".join(sorted(missing))
                found.append(Problem(domain, language, ids[0], f"translation lost {lost}"))
                break
    return found


def check() -> int:
    found = problems()
    for problem in found:
        print(problem)
    if found:
        print(f"problems found: {len(found)}; translate them in resources/locale/*/LC_MESSAGES/")
        return 1
    print("every marked string is translated, placeholders intact")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "all"
    if command == "extract":
        extract()
    elif command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "init" and len(args) == 2:
        init(args[1])
    elif command == "check":
        return check()
    elif command == "draft-zh-cn":
        print(f"{draft_simplified()} zh_CN entries drafted from zh_TW (fuzzy: review them)")
    elif command == "apply" and len(args) >= 2:
        print(f"{apply_translations(Path(arg) for arg in args[1:])} entries filled")
    elif command == "all":
        update()
        compile_all()
        return check()
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
