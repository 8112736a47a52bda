"""contact tasks keep what they ask for as a code and values (issue 9): ``what_code`` and
``what_values`` beside the English ``what_needed``; rows written before are given their code
where their text is recognised (the review desk's and the picker's own sentences), a person's
note stays text

Revision ID: 0033_task_texts
Revises: 0013_intake
Create Date: 2026-11-30 00:10:00
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033_task_texts"
down_revision: str | Sequence[str] | None = "0038_returns"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The sentences the program stored before, frozen here as they were written (app code may
# change later; a migration must not).
_SHORT_LINE = re.compile(r"(?P<sku>[^;:]+?): short (?P<n>\d+)")
_SHORT_PICK = (
    re.compile(
        r"Short pick on (?P<list>\S+): (?P<n>\d+) unit\(s\) could not be picked\. Ask the "
        r"customer: .* Default: (?P<choice>\w+)\.\Z",
        re.DOTALL,
    ),
    # The picker's sentence was stored in the language of the desk that short-picked.
    re.compile(
        r"(?P<list>\S+) 揀貨短少：有 (?P<n>\d+) 件無法揀貨。.*預設：(?P<choice>\w+)。\Z", re.DOTALL
    ),
    re.compile(
        r"(?P<list>\S+) 拣货短缺：有 (?P<n>\d+) 件无法拣货。.*默认：(?P<choice>\w+)。\Z", re.DOTALL
    ),
)
BATCH = 1000


def recognise(kind: str, text: str | None) -> tuple[str, dict] | None:
    """The code and values of a stored task text, or None (a person's words stay text)."""
    text = text or ""
    if kind == "stock_short":
        if text == "customer called about stock":
            return "review.stock_call", {}
        if text == "stock short":
            return "review.stock_short", {"shorts": []}
        matches = [_SHORT_LINE.fullmatch(part) for part in text.split("; ")]
        if text and all(matches):
            return "review.stock_short", {"shorts": [[m["sku"], int(m["n"])] for m in matches]}
        for pattern in _SHORT_PICK:
            found = pattern.match(text)
            if found:
                values = {"list": found["list"], "n": int(found["n"]), "choice": found["choice"]}
                return "picking.short_pick", values
        return None
    if kind in ("request_info", "payment_problem") and text:
        # Findings' English sentences and a typed note, one per line: each line is matched
        # against the catalogue when read, a note shows as typed.
        return "review.findings", {"lines": text.split("\n")}
    return None


def upgrade() -> None:
    with op.batch_alter_table("contact_tasks") as batch_op:
        batch_op.add_column(sa.Column("what_code", sa.String(length=48), nullable=True))
        batch_op.add_column(sa.Column("what_values", sa.JSON(), nullable=True))
    tasks = sa.table(
        "contact_tasks",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("what_needed", sa.Text),
        sa.column("what_code", sa.String),
        sa.column("what_values", sa.JSON),
    )
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(tasks.c.id, tasks.c.kind, tasks.c.what_needed)
            .where(tasks.c.id > last)
            .order_by(tasks.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        last = rows[-1].id
        found = [
            {"task_id": row.id, "code": code, "values": values}
            for row in rows
            for code, values in [recognise(row.kind, row.what_needed) or (None, None)]
            if code is not None
        ]
        if found:
            connection.execute(
                tasks.update()
                .where(tasks.c.id == sa.bindparam("task_id"))
                .values(what_code=sa.bindparam("code"), what_values=sa.bindparam("values")),
                found,
            )


def downgrade() -> None:
    with op.batch_alter_table("contact_tasks") as batch_op:
        batch_op.drop_column("what_values")
        batch_op.drop_column("what_code")
