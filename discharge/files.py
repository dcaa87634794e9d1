"""Files on disk are their owner's alone: the umask every `discharge` process runs with, and the repair of
a data dir an older version left readable to others.

Temporal's database and its WAL files, the read model, the access log, the sessions and the keys all hold
what only this system may read; 0600 files in 0700 directories keep other users of the machine out.
"""

from __future__ import annotations

from pathlib import Path

#: New files 0600, new directories 0700, whatever the shell's umask; children inherit it.
OWNER_ONLY_UMASK = 0o077


def tighten(root: Path) -> None:
    """``root`` and every directory in it 0700, every file 0600."""
    root.chmod(0o700)
    for path in root.rglob("*"):
        if path.is_symlink():
            continue
        path.chmod(0o700 if path.is_dir() else 0o600)
