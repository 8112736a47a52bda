"""Plain results of the audit chain check."""

from __future__ import annotations

from dataclasses import dataclass

# What can be wrong with one link, and what it says about the trail.
PROBLEMS = {
    "missing": "it carries no chain hash (written around the program)",
    "not_linked": (
        "it does not follow the event before it (an event was removed, inserted or reordered)"
    ),
    "altered": "its contents no longer match its hash (it was changed after it was written)",
}


@dataclass(frozen=True)
class BrokenLink:
    event_id: int
    problem: str  # a key of PROBLEMS
    previous_event_id: int | None

    @property
    def explanation(self) -> str:
        return PROBLEMS[self.problem]


@dataclass(frozen=True)
class ChainReport:
    """What ``orderdesk audit verify`` prints: the head to keep elsewhere, and any break."""

    count: int
    head_id: int | None
    head_hash: str
    broken: int
    first_broken: BrokenLink | None

    @property
    def intact(self) -> bool:
        return self.first_broken is None
