"""What ops see of a running process: Prometheus metrics, health and readiness, OpenTelemetry traces.

`metrics` defines every metric of ours in one place (labels from closed sets only: never a patient's
identity or key), `http` serves ``/metrics``, ``/healthz`` and ``/readyz``, `sdk` gives the Temporal SDK
its own Prometheus endpoint that ``/metrics`` includes, `tracing` sets OpenTelemetry up. See
docs/operations.md ("Metrics, health and traces").
"""
