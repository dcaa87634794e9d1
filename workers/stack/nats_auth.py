"""Who may send what on the embedded NATS, and its JetStream store key.

Each sending system has its own user, allowed to publish only on its own subjects: the hospital cannot
publish a coordinator's decision, a municipality cannot publish a hospital's discharge. Our own
processes get only what they use: the gateway reads ``events.>`` through its consumer and writes
``deadletter.>``, the worker writes ``discharge.>`` and the dead letters of events held for a pathway that
never opened (``deadletter.events.>``, kind ``no_pathway``), and the CLI (``discharge publish``, the demo, the
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
from events.delivery import (
    DELIVERY_STREAM,
    DELIVERY_SUBJECTS,
    RECEIPT_TYPE,
    RECEIVER_PREFIX,
    receiver_filter,
    receiver_user,
)
from events.streams import (
    DEADLETTER_STREAM,
    DELIVERY_CONSUMER,
    INBOUND_STREAM,
    NOTIFY_CONSUMER,
    OUTBOUND_STREAM,
    OUTBOUND_SUBJECTS,
    READMODEL_CONSUMER,
)

#: The sending systems, each publishing only ``events.<system>.>``.
SENDERS: tuple[str, ...] = ("hospital", "primarycare", "municipality", "coordination")
#: The environment variable nats-server reads the JetStream key from (the config names it, not the key).
STORE_KEY_ENV = "DISCHARGE_JETSTREAM_KEY"

# Looking a stream up (every process checks that its streams exist); creating them is provisioning's alone.
_STREAM_INFO = ["$JS.API.STREAM.INFO.>"]
_PROVISION = ["$JS.API.INFO", "$JS.API.STREAM.NAMES", "$JS.API.STREAM.CREATE.>"]


def consumer_rights(stream: str, consumer: str, filter_subject: str) -> list[str]:
    """Creating, reading and acking one named consumer with one filter, and nothing else.

    The filter is part of the subject only when the client creates the consumer by name
    (``$JS.API.CONSUMER.CREATE.<stream>.<consumer>.<filter>``, nats-server 2.10+; nats-py sends it when the
    config has ``name``): granting that subject is the only way the server itself refuses a wider filter
    (nats-server issue #6180). The legacy ``CONSUMER.DURABLE.CREATE`` subject carries no filter: not granted.
    """
    return [
        f"$JS.API.CONSUMER.CREATE.{stream}.{consumer}.{filter_subject}",
        f"$JS.API.CONSUMER.INFO.{stream}.{consumer}",
        f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}",
        f"$JS.ACK.{stream}.{consumer}.>",
    ]


def _stream_consumers(stream: str) -> list[str]:
    """Any consumer of one stream: the gateway's (FastStream creates it by the legacy durable subject)."""
    return [
        f"$JS.API.CONSUMER.CREATE.{stream}.>",
        f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.>",
        f"$JS.API.CONSUMER.INFO.{stream}.>",
        f"$JS.API.CONSUMER.MSG.NEXT.{stream}.>",
        f"$JS.ACK.{stream}.>",
        "$JS.FC.>",
    ]


def receiver_of(user: str) -> str | None:
    """The HSA-id of a receiving organisation's user, or None for any other user."""
    return user[len(RECEIVER_PREFIX) :] if user.startswith(RECEIVER_PREFIX) else None


def inbox_prefix(user: str) -> str:
    return f"_INBOX_{user}"


def publish_rights(user: str) -> list[str]:
    """The subjects ``user`` may publish on (its own inbox is for subscribing only); docs/operations.md
    names the same rights for production."""
    if user in SENDERS:
        return [f"events.{user}.>"]
    receiver = receiver_of(user)
    if receiver is not None:
        # Its own deliveries through its own consumer, and its receipts: nothing about anyone else's patients.
        return [
            *consumer_rights(DELIVERY_STREAM, user, receiver_filter(receiver)),
            f"events.{RECEIPT_TYPE}",
        ]
    rights = {
        "gateway": [*_STREAM_INFO, *_stream_consumers(INBOUND_STREAM), "deadletter.>"],
        # ... and a delivery the fan-out could not make: to a receiver a clinically earlier event named after
        # the event went out (workflows/rules/entries.py `Deliver`).
        "worker": [*_STREAM_INFO, "discharge.>", "deadletter.events.>", DELIVERY_SUBJECTS],
        # `discharge dev`'s supervisor and the developer's commands: provisioning, health checks, any inbound
        # event (it stands in for every sender), reading dead letters (`discharge deadletters`).
        "cli": [
            *_STREAM_INFO,
            *_PROVISION,
            "$JS.API.CONSUMER.LIST.>",
            "$JS.API.CONSUMER.INFO.>",
            f"$JS.API.STREAM.MSG.GET.{DEADLETTER_STREAM}",
            "events.>",
        ],
        # The indicators' read model: its one consumer on the outbound stream, never the inbound one.
        "readmodel": [
            *_STREAM_INFO,
            *consumer_rights(OUTBOUND_STREAM, READMODEL_CONSUMER, OUTBOUND_SUBJECTS),
        ],
        # The fan-out to receivers: its one consumer on the outbound stream, and the deliveries.
        "delivery": [
            *_STREAM_INFO,
            *consumer_rights(OUTBOUND_STREAM, DELIVERY_CONSUMER, OUTBOUND_SUBJECTS),
            DELIVERY_SUBJECTS,
        ],
        # The web page stores the physicians' actions (primary care's events) for the gateway, as a door does.
        "web": [*_STREAM_INFO, "events.primarycare.>"],
        # Content-free e-mail (`discharge notify`): its one consumer on the outbound stream, nothing else.
        "notify": [
            *_STREAM_INFO,
            *consumer_rights(OUTBOUND_STREAM, NOTIFY_CONSUMER, OUTBOUND_SUBJECTS),
        ],
        # The doors store what they accepted: HTTP for every sending system (it checks the token's system
        # against the type), HL7 v2 only hospital events.
        "http": [*_STREAM_INFO, "events.>"],
        # Webhooks out: one consumer per receiver with an endpoint (``webhook-<HSA-id>``, its own filter) on
        # the deliveries; the endpoints file may grow without a new NATS config, so any consumer of that
        # stream. It writes the receipts a 2xx stands for and the dead letters of deliveries given up.
        "webhooks": [
            *_STREAM_INFO,
            f"$JS.API.CONSUMER.CREATE.{DELIVERY_STREAM}.>",
            f"$JS.API.CONSUMER.INFO.{DELIVERY_STREAM}.>",
            f"$JS.API.CONSUMER.MSG.NEXT.{DELIVERY_STREAM}.>",
            f"$JS.ACK.{DELIVERY_STREAM}.>",
            f"events.{RECEIPT_TYPE}",
            "deadletter.deliver.>",
        ],
        "hl7": [*_STREAM_INFO, "events.hospital.>"],
    }
    return rights[user]


#: Our own processes' users.
SERVICE_USERS: tuple[str, ...] = (
    "gateway", "worker", "cli", "readmodel", "delivery", "http", "hl7", "notify", "web", "webhooks",
)  # fmt: skip


def dev_receivers() -> tuple[str, ...]:
    """Every receiving unit of the demo: the LMV unit, the vårdcentraler and the on-call units it names
    (consults' rotas and the primary-care beredskapsjour)."""
    from activities.oncall import oncall_registry_units
    from activities.pathway import listing_registry_units
    from discharge.demo.patients import LMV, VC_ANDERSBERG, VC_CENTRUM, VC_VARBERG
    from discharge.policy.loading import read_policy

    units = [LMV, VC_CENTRUM, VC_ANDERSBERG, VC_VARBERG, *listing_registry_units(), *oncall_registry_units()]
    # The allmänmedicinsk beredskapsjour of Halland's policy: concerns while LMV and the VC are closed.
    beredskapsjour = read_policy(None).units.primarycare_oncall
    return tuple(sorted({*units, *([beredskapsjour] if beredskapsjour else [])}))


def all_users(receivers: tuple[str, ...]) -> tuple[str, ...]:
    return (*SENDERS, *SERVICE_USERS, *(receiver_user(hsa_id) for hsa_id in receivers))


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


def ensure_logins(data_dir: Path, receivers: tuple[str, ...] | None = None) -> dict[str, NatsLogin]:
    """Every embedded user's seed, generated on first use and kept (the data dir's JetStream consumers
    and a developer's open terminals outlive one `discharge dev`); ``receivers``: the demo's units."""
    logins = {}
    for user in all_users(dev_receivers() if receivers is None else receivers):
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
