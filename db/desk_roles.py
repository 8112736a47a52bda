"""PostgreSQL desk roles: desks read and write rows but own nothing.

The administrator's role owns the tables and runs ``orderdesk db upgrade``. Desks log in
as a role made by ``orderdesk db create-desk-role NAME`` (run with the owner's URL), a
member of one group role per database (``<database>_desks``, NOLOGIN) that holds the
grants:

* every table: SELECT, INSERT, UPDATE, DELETE -- never TRUNCATE, REFERENCES or TRIGGER;
  altering a table (DDL, ``DISABLE TRIGGER``) needs ownership, which desks never have;
* the append-only tables (``APPEND_ONLY_TABLES``): SELECT and INSERT only;
* ``alembic_version``: SELECT only (a desk checks the schema version, never sets it);
* sequences: USAGE and SELECT (``nextval``), not UPDATE (``setval``);
* no CREATE on the schema.

Default privileges give the group the same on tables a later migration creates, and
``db upgrade`` grants everything again afterwards, so a new append-only table listed
here is narrowed to INSERT as soon as it exists.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from sqlalchemy import Connection, text

APPEND_ONLY_TABLES = ("audit_events", "stock_moves")
READ_ONLY_TABLES = ("alembic_version",)
_ROLE_NAME = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
_SCRAM_ITERATIONS = 4096


def valid_role_name(name: str) -> bool:
    return bool(_ROLE_NAME.match(name))


def desk_group_name(database_name: str) -> str:
    """The group role holding one database's desk grants (roles are cluster-wide)."""
    return f"{database_name[:56]}_desks"


def scram_verifier(password: str) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password`` (RFC 5802/7677), made
    here so the password itself never reaches the server, its logs or pg_stat_activity."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, _SCRAM_ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode("ascii")

    return f"SCRAM-SHA-256${_SCRAM_ITERATIONS}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def _quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote_identifier(name)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _role_exists(connection: Connection, name: str) -> bool:
    found = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
    return found.first() is not None


def grant_desk_privileges(connection: Connection, *, create_group: bool = False) -> str | None:
    """(Re)grant the desk group its privileges on every table and sequence; returns the
    group's name, or None when this database has no desk roles yet (and none is asked)."""
    database = connection.execute(text("SELECT current_database()")).scalar_one()
    group_name = desk_group_name(database)
    group = _quote(connection, group_name)
    if not _role_exists(connection, group_name):
        if not create_group:
            return None
        connection.exec_driver_sql(f"CREATE ROLE {group} NOLOGIN")
    tables = [
        _quote(connection, name)
        for name in connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        ).scalars()
    ]
    statements = [
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA public TO {group}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {group}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {group}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {group}",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {group}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {group}",
    ]
    append_only = {_quote(connection, name) for name in APPEND_ONLY_TABLES}
    read_only = {_quote(connection, name) for name in READ_ONLY_TABLES}
    for table in tables:
        if table in read_only:
            statements.append(f"GRANT SELECT ON {table} TO {group}")
        elif table in append_only:
            statements.append(f"GRANT SELECT, INSERT ON {table} TO {group}")
        else:
            statements.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {group}")
    for statement in statements:
        connection.exec_driver_sql(statement)
    return group_name


def create_desk_role(connection: Connection, name: str, password: str) -> tuple[str, bool]:
    """Make (or refresh: new password, grants again) the desk login role ``name``.

    Returns (group name, whether the role was new). The role can log in, inherits the
    group's grants and nothing else: not a superuser, cannot create databases or roles.
    """
    if not valid_role_name(name):
        raise ValueError("2-63 lower-case letters, digits or '_', starting with a letter")
    found = connection.execute(
        text(
            "SELECT r.rolsuper OR r.rolcreaterole OR r.rolname = current_user"
            " OR EXISTS (SELECT 1 FROM pg_class c WHERE c.relowner = r.oid)"
            " FROM pg_roles r WHERE r.rolname = :n"
        ),
        {"n": name},
    ).first()
    if found is not None and found[0]:
        # Turning the owner or a superuser into a desk would lock the administrator out.
        raise ValueError("a role that is not the owner, a superuser or a role administrator")
    group = grant_desk_privileges(connection, create_group=True)
    assert group is not None
    role = _quote(connection, name)
    options = (
        "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT "
        f"PASSWORD {_literal(scram_verifier(password))}"
    )
    new = found is None
    database = _quote(
        connection, connection.execute(text("SELECT current_database()")).scalar_one()
    )
    connection.exec_driver_sql(f"{'CREATE' if new else 'ALTER'} ROLE {role} {options}")
    connection.exec_driver_sql(f"GRANT {_quote(connection, group)} TO {role}")
    connection.exec_driver_sql(f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {role}")
    return group, new
