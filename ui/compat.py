"""Work-arounds for defects in the Qt binding, each with the way to tell when it can go.

PySide6 6.12.0 on Python 3.11: every call of a C++ method that returns nothing (``void``)
or a null pointer (``setText``, ``repaint``, ``processEvents``, ``parent()`` of a top-level
widget …) releases one reference to ``None`` that it never took. Python 3.12 made ``None``
immortal, so there the defect is invisible; on 3.11 the count falls with use until
Python aborts with "none_dealloc: deallocating None" — a desk would crash mid-shift.
6.11.3 does not have the defect. The real fix is the dependency pin (``<6.12``); until
then the desk holds a large stock of references so the count cannot reach zero in a
working day. ``tests/ui/test_compat.py`` notices when the binding is fixed.
"""

from __future__ import annotations

import ctypes
import logging
import sys

from PySide6 import __version__ as PYSIDE_VERSION

log = logging.getLogger(__name__)

# One reference per leaked call: a desk makes tens of thousands of such calls in a day.
# A million references cost 8 MB.
NONE_RESERVE = 1_000_000
_DEFECTIVE_VERSIONS = frozenset({"6.12.0"})

_reserve: list[None] = []


def leaks_none_references() -> bool:
    return PYSIDE_VERSION in _DEFECTIVE_VERSIONS and sys.version_info < (3, 12)


def guard_none_refcount() -> None:
    """Top up the references to ``None`` where the binding leaks them (idempotent)."""
    if not leaks_none_references() or _reserve:
        return
    log.warning(
        "PySide6 %s on Python %d.%d leaks references to None; holding a reserve of %s",
        PYSIDE_VERSION,
        *sys.version_info[:2],
        NONE_RESERVE,
    )
    _reserve.extend([None] * NONE_RESERVE)
    # The reserve must outlive interpreter shutdown too, when module globals are cleared
    # and the leaked count would reach zero as it is freed: one extra reference on the
    # list itself keeps it (8 MB) until the process ends.
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(_reserve))
