"""A three-node nats-server cluster with JetStream on each, on free ports, for the cluster test."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from workers.stack.servers import free_port, nats_cluster_config, nats_command, wait_for_tcp


@dataclass
class Node:
    name: str
    port: int
    config_file: Path
    process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *nats_command(self.config_file),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await wait_for_tcp("127.0.0.1", self.port)

    async def kill(self) -> None:
        """SIGKILL: the node dies as in a crash, with no chance to hand its leaderships over."""
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()


@dataclass
class Cluster:
    nodes: list[Node] = field(default_factory=list)

    @property
    def url(self) -> str:
        """All nodes, comma-separated, as NATS_URL takes a cluster."""
        return ",".join(node.url for node in self.nodes)

    def node(self, name: str) -> Node:
        return next(node for node in self.nodes if node.name == name)

    async def stop(self) -> None:
        for node in self.nodes:
            await node.kill()


async def start_cluster(directory: Path, size: int = 3) -> Cluster:
    ports = [(free_port(), free_port()) for _ in range(size)]
    cluster = Cluster()
    for index, (port, cluster_port) in enumerate(ports):
        name = f"n{index + 1}"
        routes = [f"127.0.0.1:{other}" for _, other in ports if other != cluster_port]
        config = directory / f"{name}.conf"
        config.write_text(
            nats_cluster_config(name, "127.0.0.1", port, cluster_port, routes, directory / name / "jetstream")
        )
        cluster.nodes.append(Node(name, port, config))
    await asyncio.gather(*(node.start() for node in cluster.nodes))
    return cluster
