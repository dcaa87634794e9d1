"""Who chose e-mail notifications, at which address, and when they were last sent one (SQLite).

Written by the web page (a person opts in or out on /notifications), read by `discharge notify`. A staff
member's work address is no patient data; it is kept only while they want the e-mails (opting out deletes
the row). ``last_sent_at`` lets the notifier send at most one e-mail per person per interval.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS optins (
    hsa_id TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    unit TEXT,
    email TEXT NOT NULL,
    last_sent_at TEXT
)
"""


@dataclass(frozen=True)
class OptIn:
    hsa_id: str
    role: str
    unit: str | None
    email: str
    last_sent_at: datetime | None


class OptIns:
    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=10)
        try:
            with connection:
                connection.execute(_SCHEMA)
                yield connection
        finally:
            connection.close()

    def choose(self, hsa_id: str, role: str, unit: str | None, email: str | None) -> None:
        """Opt in at ``email``, or out (``None``): the address is then forgotten."""
        with self._db() as db:
            if email is None:
                db.execute("DELETE FROM optins WHERE hsa_id = ?", (hsa_id,))
                return
            db.execute(
                "INSERT INTO optins (hsa_id, role, unit, email) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(hsa_id) DO UPDATE SET role = excluded.role, unit = excluded.unit, "
                "email = excluded.email",
                (hsa_id, role, unit, email),
            )

    def of(self, hsa_id: str) -> OptIn | None:
        with self._db() as db:
            row = db.execute("SELECT * FROM optins WHERE hsa_id = ?", (hsa_id,)).fetchone()
        return _opt_in(row) if row else None

    def matching(self, role: str, unit: str | None = None) -> list[OptIn]:
        with self._db() as db:
            if unit is None:
                rows = db.execute("SELECT * FROM optins WHERE role = ?", (role,)).fetchall()
            else:
                rows = db.execute("SELECT * FROM optins WHERE role = ? AND unit = ?", (role, unit)).fetchall()
        return [_opt_in(row) for row in rows]

    def mark_sent(self, hsa_id: str, at: datetime) -> None:
        with self._db() as db:
            db.execute("UPDATE optins SET last_sent_at = ? WHERE hsa_id = ?", (at.isoformat(), hsa_id))


def _opt_in(row: tuple[str, str, str | None, str, str | None]) -> OptIn:
    hsa_id, role, unit, email, sent = row
    return OptIn(hsa_id, role, unit, email, datetime.fromisoformat(sent) if sent else None)
