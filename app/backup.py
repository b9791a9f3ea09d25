"""`flask backup` / `flask restore`: every table to one JSON file and back.

Portable between SQLite and PostgreSQL (restore a file into either), and complete: the
serialised workflows travel with their instances, so a restored case carries on from the
step it had reached.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from app.extensions import db

FORMAT = "panelflow-backup/1"


# Configuration a fresh migrated database already holds (the panels' defaults).
SEEDED_BY_MIGRATIONS = frozenset({"panels"})


def _tables() -> list[sa.Table]:
    return list(db.metadata.sorted_tables)  # parents before children


def _encode(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


def _decoder(table: sa.Table):
    moments = {c.name for c in table.columns if isinstance(c.type, sa.DateTime)
               or isinstance(getattr(c.type, "impl", None), sa.DateTime)}
    days = {c.name for c in table.columns if isinstance(c.type, sa.Date)}

    def decode(row: dict) -> dict:
        return {k: (datetime.fromisoformat(v) if k in moments else
                    date.fromisoformat(v) if k in days else v) if v is not None else v
                for k, v in row.items()}
    return decode


def backup(path: Path) -> dict[str, int]:
    """Write every row of every table; returns the row count per table."""
    tables = {}
    with db.engine.connect() as connection:
        for table in _tables():
            rows = connection.execute(sa.select(table)).mappings().all()
            tables[table.name] = [{k: _encode(v) for k, v in row.items()} for row in rows]
        revision = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    path.write_text(json.dumps({"format": FORMAT, "schema_revision": revision,
                                "tables": tables}))
    return {name: len(rows) for name, rows in tables.items()}


class RestoreRefused(Exception):
    pass


def restore(path: Path) -> dict[str, int]:
    """Load a backup into an empty, migrated database (all or nothing)."""
    document = json.loads(path.read_text())
    if document.get("format") != FORMAT:
        raise RestoreRefused(f"{path} is not a Panelflow backup")
    with db.engine.begin() as connection:
        revision = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        if revision != document["schema_revision"]:
            raise RestoreRefused(f"the backup is of schema {document['schema_revision']}, the "
                                 f"database is at {revision}: migrate to match first")
        for table in _tables():
            if table.name in SEEDED_BY_MIGRATIONS:
                continue
            if connection.execute(sa.select(sa.func.count()).select_from(table)).scalar():
                raise RestoreRefused(f"the database is not empty ({table.name} has rows)")
        for table in reversed(_tables()):  # the backup's configuration replaces the defaults
            if table.name in SEEDED_BY_MIGRATIONS:
                connection.execute(table.delete())
        counts = {}
        for table in _tables():
            rows = [_decoder(table)(row) for row in document["tables"].get(table.name, [])]
            if rows:
                connection.execute(table.insert(), rows)
            counts[table.name] = len(rows)
        if connection.dialect.name == "postgresql":
            for table in _tables():
                column = table.columns.get("id")
                if column is not None and isinstance(column.type, sa.Integer):
                    # Table names come from our own metadata, never from the backup file.
                    sql = (f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                           f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)")
                    connection.execute(sa.text(sql))
    return counts
