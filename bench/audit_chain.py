"""The access log's chain check as the web page's /audit runs it: the first view, and each view after.

    python bench/audit_chain.py [--lines 200000]

Writes a chained log of synthetic lines (pseudonymous keys only) with its head in a temporary directory,
then times `ChainVerifier.check()` twice: the first reads and checks every line, the next only re-hashes
the bytes already verified (discharge/audit_chain.py; docs/audit.md).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from discharge.audit import GENESIS, head_path, line_hash
from discharge.audit_chain import ChainVerifier


def write_log(path: Path, lines: int) -> None:
    previous, chained = GENESIS, []
    for seq in range(1, lines + 1):
        entry = {
            "at": "2026-12-03T10:00:00Z", "actor": "SE2321000131-E000000000300", "role": "coordinator",
            "action": "view_identity", "patient_key": f"pk_{seq:032x}", "purpose": "Vård och behandling",
            "activity": "Läsa", "result": "granted", "origin": "web 10.0.0.7", "seq": seq, "prev": previous,
        }  # fmt: skip
        raw = (json.dumps(entry, ensure_ascii=False) + "\n").encode()
        chained.append(raw)
        previous = line_hash(raw)
    path.write_bytes(b"".join(chained))
    head_path(path).write_text(json.dumps({"seq": lines, "hash": previous}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "audit.jsonl"
        write_log(path, args.lines)
        verifier = ChainVerifier(path)
        started = time.perf_counter()
        first = verifier.check()
        first_seconds = time.perf_counter() - started
        started = time.perf_counter()
        again = verifier.check()
        again_seconds = time.perf_counter() - started
        size = path.stat().st_size / 1e6
    assert first.whole and again.whole
    print(
        f"audit chain: {args.lines} lines ({size:.0f} MB): first view {first_seconds:.2f} s, "
        f"each view after {again_seconds * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
