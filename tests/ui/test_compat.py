"""The Qt binding keeps Python's reference counts: PySide6 6.12.0 on Python 3.11 did not.

It dropped a reference to ``None`` on every call of a method returning nothing, until
Python aborted ("none_dealloc") mid-shift. pyproject.toml pins PySide6 below 6.12; this
test fails if a binding with that defect is installed again.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel


def none_references_lost_by(call, times: int = 200) -> int:
    before = sys.getrefcount(None)
    for _ in range(times):
        call()
    return before - sys.getrefcount(None)


def test_calling_a_void_qt_method_keeps_the_references_to_none(qtbot):
    label = QLabel("x")
    qtbot.addWidget(label)
    assert none_references_lost_by(lambda: label.setText("y")) < 50
