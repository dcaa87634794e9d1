"""The embedded stack's secrets, made once per data dir and handed to each part that needs them.

`discharge dev` keeps its development secrets in ``<data dir>/keys/`` (0600): the payload key ring
(Temporal payloads, discharge/keyring.py), the JetStream store key and the NATS users' nkey seeds
(nats_auth.py). Each part gets only its own: nats-server the store key (through its environment), the
worker and the gateway their own NATS user, the supervisor itself (health checks, the demo) the CLI's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from discharge.demo.patients import LMV as DEMO_LMV_UNIT
from discharge.keyring import ensure_dev_ring
from discharge.principal import Principal
from discharge.sessions import SessionStore
from discharge.settings import Settings
from workers.stack.nats_auth import (
    STORE_KEY_ENV,
    NatsLogin,
    authorization_block,
    ensure_logins,
    ensure_store_key,
)
from workers.stack.servers import nats_config, nats_monitoring_port

#: The synthetic ops person of `discharge dev`'s printed token (a syntactically valid HSA-id, no one's).
DEV_OPS_HSA_ID = "SE2321000131-S000000000900"


def dev_ops_token(settings: Settings) -> str:
    """An access token for ops on a developer's machine: reads histories through the codec server.
    A session of its own in the shared store, like a sign-in's."""
    ops = Principal(hsa_id=DEV_OPS_HSA_ID, name="Ops (discharge dev)", role="ops")
    secret = settings.discharge_session_secret.get_secret_value()
    store = SessionStore(settings.session_store_path)
    return store.open(ops, secret, int(settings.discharge_session_ttl.total_seconds()))


@dataclass(frozen=True)
class Protection:
    settings: Settings  # the supervisor's: the ring's file and the CLI's NATS login filled in
    nats_conf: str
    nats_env: dict[str, str]
    logins: dict[str, NatsLogin]

    def child_env(self, part: str) -> dict[str, str]:
        """What a worker or gateway child adds to the supervisor's settings: its own NATS user."""
        login = self.logins.get(part)
        return login.env() if login is not None else {}


def prepare_protection(settings: Settings, root: Path, jetstream: Path) -> Protection:
    ring = settings.discharge_payload_keys_file or ensure_dev_ring(root)
    logins = ensure_logins(root)
    cli = logins["cli"]
    store_key = ensure_store_key(root)
    conf = nats_config(
        settings.nats_host,
        settings.nats_port,
        jetstream,
        http_port=nats_monitoring_port(settings.nats_port),
        authorization=authorization_block(logins),
        store_key_env=STORE_KEY_ENV,
    )
    supervisor_settings = settings.model_copy(
        update={
            "discharge_payload_keys_file": ring,
            "nats_nkey_seed": cli.seed_file,
            "nats_inbox_prefix": cli.inbox_prefix,
            # The demo's LMV unit receives LMV's deliveries unless the developer names another.
            "discharge_lmv_unit": settings.discharge_lmv_unit or DEMO_LMV_UNIT,
        }
    )
    return Protection(supervisor_settings, conf, {**os.environ, STORE_KEY_ENV: store_key}, logins)
