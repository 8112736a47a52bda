"""The desk's language on the Qt side: our gettext catalogue plus Qt's own translations.

Our screens read ``app.i18n`` (``_()``); Qt's own dialogs and buttons (file and print
dialogs, OK/Cancel, context menus) are translated by the ``qtbase_<language>.qm`` files
that PySide6 ships, loaded through one ``QTranslator``; ``QLocale.setDefault`` makes
Qt's date pickers and number fields follow the same language.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from app.i18n import SOURCE_LANGUAGE, set_language

log = logging.getLogger("orderdesk.ui")

_QT_CATALOGUES = ("qtbase",)
_installed: list[QTranslator] = []


def qt_translations_dir() -> str:
    return QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)


def apply_language(language: str) -> str:
    """Show the desk in ``language`` from now on; returns the language actually used."""
    chosen = set_language(language)
    QLocale.setDefault(QLocale(chosen))
    app = QCoreApplication.instance()
    if app is None:
        return chosen
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    if chosen != SOURCE_LANGUAGE:
        for catalogue in _QT_CATALOGUES:
            translator = QTranslator(app)
            if translator.load(f"{catalogue}_{chosen}", qt_translations_dir()):
                app.installTranslator(translator)
                _installed.append(translator)
            else:
                log.warning("Qt's %s translation for %s is missing", catalogue, chosen)
    return chosen
