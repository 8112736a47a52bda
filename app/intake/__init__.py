"""Order intake: channel files read (``app.formats``), matched to prices (``matching``),
written in bulk (``writer``) by the import verb (``service``); previews in ``queries``."""

from __future__ import annotations

import importlib

# Loaded when first named: the CLI's parser imports app.intake.cli at every start, and the
# desk's login window must not wait for the database layer these modules bring.
_EXPORTS = {
    "ImportPreview": "app.intake.model",
    "ImportSummary": "app.intake.model",
    "PreviewRow": "app.intake.model",
    "preview_file": "app.intake.queries",
    "import_file": "app.intake.service",
    "import_file_apart": "app.intake.service",
    "mark_interrupted_imports": "app.intake.service",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'app.intake' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
