"""The key ring for Temporal payloads: key id -> AES-256 key, and which id encrypts now.

A ring is one JSON file, readable by its owner only (0600)::

    {"active": "k20261123T1903-3f2a", "keys": {"k20261123T1903-3f2a": "<32 bytes, base64>"},
     "holders": ["SE2321000131-E000000000900"]}

``holders`` are the HSA-ids of the people the ring was issued to (`discharge keys new --holder`, `discharge
keys holder`): the CLI's commands that show or change a patient's data run only ``--as`` one of them, and
the access log names that person (docs/audit.md, "The CLI").

Every encrypted payload records the id of the key that encrypted it, so rotation is adding a key and
making it active (`discharge keys new` on an existing ring): new payloads use the new key, and every
older payload still decrypts with the key it names. Never delete a key while a history (or an archive)
may still hold payloads encrypted with it.

Production sets ``DISCHARGE_PAYLOAD_KEYS_FILE``; `discharge dev` makes a development ring in its data
dir, beside the JetStream store key (``keys/``), and says so with a warning.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from discharge.settings import Settings, SettingsError

KEY_BYTES = 32  # AES-256


class KeyRingError(SettingsError):
    """No usable key ring; the message says which file and what to do."""


class KeyRing(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    active: str
    keys: dict[str, str]  # id -> base64 of 32 bytes
    holders: list[str] = Field(default_factory=list)  # HSA-ids of the people the ring was issued to

    @field_validator("keys")
    @classmethod
    def _aes256(cls, keys: dict[str, str]) -> dict[str, str]:
        for key_id, encoded in keys.items():
            if len(base64.b64decode(encoded, validate=True)) != KEY_BYTES:
                raise ValueError(f"key {key_id!r} is not {KEY_BYTES} bytes (AES-256)")
        return keys

    @model_validator(mode="after")
    def _active_is_in_ring(self) -> KeyRing:
        if self.active not in self.keys:
            raise ValueError(f"the active key {self.active!r} is not in the ring")
        return self

    def key(self, key_id: str) -> bytes | None:
        encoded = self.keys.get(key_id)
        return base64.b64decode(encoded) if encoded is not None else None

    def with_new_active_key(self) -> KeyRing:
        key_id = new_key_id()
        return KeyRing(active=key_id, keys={**self.keys, key_id: _new_key()}, holders=self.holders)

    def with_holders(self, holders: list[str]) -> KeyRing:
        return self.model_copy(update={"holders": list(dict.fromkeys([*self.holders, *holders]))})


def new_key_id() -> str:
    return f"k{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


def _new_key() -> str:
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def new_ring(holders: list[str] | None = None) -> KeyRing:
    key_id = new_key_id()
    return KeyRing(active=key_id, keys={key_id: _new_key()}, holders=holders or [])


def read_ring(path: Path) -> KeyRing:
    try:
        return KeyRing.model_validate(json.loads(path.read_text()))
    except FileNotFoundError:
        raise KeyRingError(
            f"no payload key ring at {path}: create one with `discharge keys new --file {path}` "
            "and set DISCHARGE_PAYLOAD_KEYS_FILE to it"
        ) from None
    except (OSError, ValueError, ValidationError) as error:
        # Never the file's content in the message: it holds the keys.
        raise KeyRingError(
            f"the payload key ring {path} is unreadable or invalid ({type(error).__name__})"
        ) from None


def write_ring(path: Path, ring: KeyRing) -> None:
    """Atomically (a crash leaves the old ring or the new one), readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(ring.model_dump_json(indent=2) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def add_key(path: Path, holders: list[str] | None = None) -> KeyRing:
    """`discharge keys new`: a new ring, or a new active key in the existing one (rotation)."""
    ring = read_ring(path).with_new_active_key() if path.exists() else new_ring()
    ring = ring.with_holders(holders or [])
    write_ring(path, ring)
    return ring


def add_holders(path: Path, holders: list[str]) -> KeyRing:
    """`discharge keys holder`: name more people the existing ring was issued to (no new key)."""
    ring = read_ring(path).with_holders(holders)
    write_ring(path, ring)
    return ring


#: Who holds a development ring: the development IdP's coordinator and ops person (README, "Sign in").
DEV_HOLDERS = ["SE2321000131-E000000000300", "SE2321000131-E000000000900"]


def keys_dir(data_dir: Path) -> Path:
    """Where `discharge dev` keeps its development secrets (payload ring, JetStream key, NATS users)."""
    return data_dir / "keys"


def dev_ring_path(data_dir: Path) -> Path:
    return keys_dir(data_dir) / "payload-keys.json"


def _log() -> Any:
    # Imported only when there is something to log: structlog pulls in rich, about 0.1 s of start-up for
    # every CLI command that only reads the ring (`pathways`, `tasks`; docs/benchmarks.md "CLI start-up").
    import structlog

    return structlog.get_logger()


def ensure_dev_ring(data_dir: Path) -> Path:
    """A data dir's development ring, made on first use with a warning (like the dev patient-key secret)."""
    path = dev_ring_path(data_dir)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_ring(path, new_ring(DEV_HOLDERS))
        _log().warning(
            "made a development payload key ring; set DISCHARGE_PAYLOAD_KEYS_FILE outside a laptop",
            path=str(path),
        )
    return path


def ring_path(settings: Settings) -> Path:
    return settings.discharge_payload_keys_file or dev_ring_path(settings.discharge_data_dir)


def load_ring(settings: Settings) -> KeyRing:
    """The ring every Temporal client of this process encrypts with (DISCHARGE_PAYLOAD_KEYS_FILE, or the
    development ring of DISCHARGE_DATA_DIR that a running `discharge dev` made)."""
    path = ring_path(settings)
    if settings.discharge_payload_keys_file is None and not path.exists():
        raise KeyRingError(
            "no payload key ring: set DISCHARGE_PAYLOAD_KEYS_FILE (create one with `discharge keys new "
            f"--file PATH`), or start `discharge dev`, which makes a development ring in {path.parent}"
        )
    return read_ring(path)


def require_production_keys(settings: Settings, command: str) -> Settings:
    """`discharge worker` / `gateway`: a real ring, or (DISCHARGE_DEVELOPMENT=true only) the dev ring."""
    if settings.discharge_payload_keys_file is not None:
        read_ring(settings.discharge_payload_keys_file)  # fail at start, not at the first payload
        return settings
    if not settings.discharge_development:
        raise KeyRingError(
            f"`discharge {command}` needs DISCHARGE_PAYLOAD_KEYS_FILE (the payload key ring; "
            "`discharge keys new --file PATH` makes one), or DISCHARGE_DEVELOPMENT=true on a developer's "
            "machine"
        )
    path = ensure_dev_ring(settings.discharge_data_dir)
    _log().warning("development payload key ring in use", command=command, path=str(path))
    return settings.model_copy(update={"discharge_payload_keys_file": path})
