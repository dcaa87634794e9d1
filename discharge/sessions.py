"""The sign-in sessions, kept on the server: a signed access token counts only while its session is open.

The web page opens a session at sign-in and ends it at sign-out; the codec server (another process) reads
the same store, so a cookie used after sign-out is refused by both at once, not when its token expires.
The store is one small SQLite file (``DISCHARGE_SESSION_STORE``, default ``sessions.db`` in the data dir,
0600) that both processes open; it holds only a hash of each session id and its expiry: no name, no role,
nothing a reader of the file could sign in with.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from discharge.principal import Principal, issue_access_token, verify_session_token

_SCHEMA = "CREATE TABLE IF NOT EXISTS sessions (id_hash TEXT PRIMARY KEY, expires_at REAL NOT NULL)"


def _hashed(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


class SessionStore:
    """Open sessions by the hash of their id, shared by every process that honours the access token."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Created 0600 before SQLite opens it: its journal files take the same mode.
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        connection = sqlite3.connect(self.path, timeout=10.0)
        try:
            with connection:
                connection.execute(_SCHEMA)
                yield connection
        finally:
            connection.close()

    def open(self, principal: Principal, secret: str, ttl_seconds: int, now: float | None = None) -> str:
        """A new session for ``principal``: its access token (the cookie, or a bearer token)."""
        issued = time.time() if now is None else now
        session_id = secrets.token_urlsafe(24)
        with self._connection() as db:
            db.execute("DELETE FROM sessions WHERE expires_at <= ?", (issued,))  # expired ones go
            db.execute("INSERT INTO sessions VALUES (?, ?)", (_hashed(session_id), issued + ttl_seconds))
        return issue_access_token(principal, secret, ttl_seconds, now=issued, session_id=session_id)

    def verify(self, token: str, secret: str, now: float | None = None) -> tuple[Principal, str] | None:
        """The principal and session id of a valid token whose session is open; None otherwise."""
        verified = verify_session_token(token, secret, now)
        if verified is None:
            return None
        moment = time.time() if now is None else now
        with self._connection() as db:
            row = db.execute(
                "SELECT 1 FROM sessions WHERE id_hash = ? AND expires_at > ?", (_hashed(verified[1]), moment)
            ).fetchone()
        return verified if row is not None else None

    def principal(self, token: str, secret: str) -> Principal | None:
        verified = self.verify(token, secret)
        return verified[0] if verified is not None else None

    def end(self, session_id: str) -> None:
        """Sign-out: the session's token is refused from now on, by every process."""
        with self._connection() as db:
            db.execute("DELETE FROM sessions WHERE id_hash = ?", (_hashed(session_id),))
