"""Order intake: channel files read (``app.formats``), matched to prices (``matching``),
written in bulk (``writer``) by the import verb (``service``); previews in ``queries``."""

from app.intake.model import ImportPreview, ImportSummary, PreviewRow
from app.intake.queries import preview_file
from app.intake.service import import_file, import_file_apart, mark_interrupted_imports

__all__ = [
    "ImportPreview",
    "ImportSummary",
    "PreviewRow",
    "import_file",
    "import_file_apart",
    "mark_interrupted_imports",
    "preview_file",
]
