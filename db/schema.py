"""Schema versions: where the database is, where this program is, and the upgrade.

Naming versions is on every start's path, so it reads ``alembic_version`` and the revision
files' ``revision``/``down_revision`` lines directly: Alembic (a third of a second to
import) loads only for an upgrade or a downgrade.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSIONS_DIR = MIGRATIONS_DIR / "versions"
VERSION_TABLE = "alembic_version"

_ASSIGNMENT = re.compile(r"^(revision|down_revision)\b[^=\n]*=\s*(.+)$", re.MULTILINE)


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        # env.py uses this engine rather than building one from a URL string, so a
        # password in the URL is never rendered into configuration text.
        config.attributes["engine"] = engine
    return config


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


@functools.cache
def revision_graph() -> dict[str, tuple[str, ...]]:
    """Each revision of ``db/migrations/versions`` → the revisions it follows."""
    graph: dict[str, tuple[str, ...]] = {}
    for path in sorted(VERSIONS_DIR.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        found = {
            name: ast.literal_eval(value.strip()) for name, value in _ASSIGNMENT.findall(source)
        }
        if "revision" not in found:
            continue
        follows = found.get("down_revision")
        if follows is None:
            graph[found["revision"]] = ()
        elif isinstance(follows, str):
            graph[found["revision"]] = (follows,)
        else:
            graph[found["revision"]] = tuple(follows)
    return graph


def head_revision() -> str:
    graph = revision_graph()
    followed = {parent for parents in graph.values() for parent in parents}
    heads = sorted(set(graph) - followed)
    assert len(heads) == 1, f"expected one head revision, found {heads or 'none'}"
    return heads[0]


def known_revisions() -> set[str]:
    return set(revision_graph())


def database_revision(connection: Connection) -> str | None:
    """The version the database is at (``None``: no orderdesk schema yet).

    Several rows (branches Alembic would call heads) come back joined, so they match no
    revision of this program and the desk refuses, naming them."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
    versions = sorted(rows)
    return ",".join(versions) if versions else None


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)
