"""The NATS configurations we generate: the embedded server's monitoring port, a cluster node."""

from __future__ import annotations

from pathlib import Path

from workers.stack.servers import nats_cluster_config, nats_config, nats_monitoring_port


def test_the_embedded_nats_serves_monitoring_beside_its_port() -> None:
    assert nats_monitoring_port(4222) == 8222
    assert nats_monitoring_port(63000) == 59000  # stays a valid port
    text = nats_config("127.0.0.1", 4222, Path("/data/js"), http_port=8222)
    assert 'http: "127.0.0.1:8222"' in text and "sync_interval: always" in text
    assert "http:" not in nats_config("127.0.0.1", 4222, Path("/data/js"))


def test_a_cluster_node_names_itself_and_routes_to_the_others() -> None:
    text = nats_cluster_config("n1", "0.0.0.0", 4222, 6222, ["n2:6222", "n3:6222"], Path("/js"))
    assert text.startswith('server_name: "n1"\n')
    assert 'routes: ["nats-route://n2:6222", "nats-route://n3:6222"]' in text
    assert 'listen: "0.0.0.0:6222"' in text and "jetstream {" in text
