"""Columns added to a table after a store was made: added at start, where missing (no migration tool).

``metadata.create_all`` creates the tables that do not exist and leaves an existing one as it is; a column
added later to an existing table (``care_episodes``' task and listing columns, issue 26) is added here with
``ALTER TABLE ... ADD COLUMN``, nullable and empty, with its index. SQLite and PostgreSQL both take that.
Rows applied before stay empty in it until their pathway's next step: docs/operations.md says when to
rebuild the read model instead.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.schema import CreateColumn


def add_missing_columns(engine: Engine, metadata: sa.MetaData) -> list[str]:
    """Add every nullable column of ``metadata``'s tables that an existing table lacks; returns them."""
    added: list[str] = []
    with engine.begin() as conn:
        inspector = sa.inspect(conn)
        existing_tables = set(inspector.get_table_names())
        for table in metadata.sorted_tables:
            if table.name not in existing_tables:
                continue
            present = {column["name"] for column in inspector.get_columns(table.name)}
            missing = [column for column in table.columns if column.name not in present]
            for column in missing:
                if not column.nullable:
                    raise RuntimeError(f"{table.name}.{column.name} cannot be added to rows that exist")
                ddl = CreateColumn(column).compile(dialect=engine.dialect)
                conn.execute(sa.text(f"ALTER TABLE {table.name} ADD COLUMN {ddl}"))
                added.append(f"{table.name}.{column.name}")
            names = {column.name for column in missing}
            for index in table.indexes:
                if names & {column.name for column in index.columns}:
                    index.create(conn, checkfirst=True)
    return added
