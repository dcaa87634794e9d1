"""Who may send what on the embedded NATS, and its JetStream store key.

Each sending system has its own user, allowed to publish only on its own subjects: the hospital cannot
publish a coordinator's decision, a municipality cannot publish a hospital's discharge. Our own
processes get only what they use: the gateway reads ``events.>`` through its consumer and writes
``deadletter.>``, the worker writes ``discharge.>``, and the CLI (``discharge publish``, the demo, the
supervisor's health checks) may publish any inbound event, since it stands in for every sender on a
developer's machine. Every user has an inbox of its own (``_INBOX_<user>.>``) for JetStream's replies:
with one shared ``_INBOX.>``, a sender could subscribe to it and read every event pushed to the gateway.

Users authenticate with nkeys: the server's config holds only public keys, the seeds are generated into
``<data dir>/keys/nats/<user>.nk`` (0600) and reach each process as ``NATS_NKEY_SEED`` (a file path)
with ``NATS_INBOX_PREFIX``. The JetStream store key (``cipher: chachapoly``) sits beside them, in
``keys/jetstream.key``, and reaches nats-server through its environment, never through the config file.
A process that adds a consumer or a subject adds its rights here (docs/operations.md shows the same for
production).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import nkeys  # type: ignore[import-untyped]

from discharge.keyring import keys_dir
from discharge.nats_connection import dev_seed_file

#: The sending systems, each publishing only ``events.<system>.>``.
SENDERS: tuple[str, ...] = ("hospital", "primarycare", "municipality", "coordination")
#: The environment variable nats-server reads the JetStream key from (the config names it, not the key).
STORE_KEY_ENV = "DISCHARGE_JETSTREAM_KEY"

# What the JetStream client API needs around its own subjects.
_JS_STREAMS = ["$JS.API.INFO", "$JS.API.STREAM.NAMES", "$JS.API.STREAM.INFO.>", "$JS.API.STREAM.CREATE.>"]
_JS_CONSUME = ["$JS.API.CONSUMER.>", "$JS.ACK.>", "$JS.FC.>"]


def inbox_prefix(user: str) -> str:
    return f"_INBOX_{user}"


def publish_rights(user: str) -> list[str]:
    """The subjects ``user`` may publish on (its own inbox is for subscribing only)."""
    if user in SENDERS:
        return [f"events.{user}.>"]
    rights = {
        "gateway": [*_JS_STREAMS, *_JS_CONSUME, "deadletter.>"],
        "worker": [*_JS_STREAMS, "discharge.>"],
        "cli": [*_JS_STREAMS, "$JS.API.CONSUMER.LIST.>", "$JS.API.CONSUMER.INFO.>", "events.>"],
        # The indicators' read model: its durable pull consumer on the outbound stream, and acks.
        "readmodel": [*_JS_STREAMS, *_JS_CONSUME],
        # The doors store what they accepted: HTTP for every sending system (it checks the token's system
        # against the type), HL7 v2 only hospital events.
        "http": [*_JS_STREAMS, "events.>"],
        "hl7": [*_JS_STREAMS, "events.hospital.>"],
    }
    return rights[user]


USERS: tuple[str, ...] = (*SENDERS, "gateway", "worker", "cli", "readmodel", "http", "hl7")


@dataclass(frozen=True)
class NatsLogin:
    """One user's way in: its nkey seed file and inbox prefix (``NATS_NKEY_SEED``, ``NATS_INBOX_PREFIX``)."""

    user: str
    seed_file: Path

    @property
    def inbox_prefix(self) -> str:
        return inbox_prefix(self.user)

    def public_key(self) -> str:
        return str(nkeys.from_seed(self.seed_file.read_bytes().strip()).public_key.decode())

    def env(self) -> dict[str, str]:
        return {"NATS_NKEY_SEED": str(self.seed_file), "NATS_INBOX_PREFIX": self.inbox_prefix}


def _write_secret(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


def ensure_logins(data_dir: Path) -> dict[str, NatsLogin]:
    """Every embedded user's seed, generated on first use and kept (the data dir's JetStream consumers
    and a developer's open terminals outlive one `discharge dev`)."""
    logins = {}
    for user in USERS:
        seed_file = dev_seed_file(data_dir, user)
        if not seed_file.exists():
            _write_secret(seed_file, nkeys.encode_seed(secrets.token_bytes(32), nkeys.PREFIX_BYTE_USER))
        logins[user] = NatsLogin(user, seed_file)
    return logins


def ensure_store_key(data_dir: Path) -> str:
    """The JetStream store key: generated once; losing it loses the stream's messages."""
    path = keys_dir(data_dir) / "jetstream.key"
    if not path.exists():
        _write_secret(path, secrets.token_hex(32).encode())
    return path.read_text().strip()


def authorization_block(logins: dict[str, NatsLogin]) -> str:
    """nats-server's ``authorization`` section: public nkeys and their rights, no secret."""
    lines = ["authorization {", "  users = ["]
    for user, login in logins.items():
        publish = ", ".join(f'"{subject}"' for subject in publish_rights(user))
        lines.append(
            f'    {{nkey: "{login.public_key()}", permissions: {{publish: {{allow: [{publish}]}}, '
            f'subscribe: {{allow: ["{login.inbox_prefix}.>"]}}}}}}'
        )
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"
