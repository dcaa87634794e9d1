"""Each process `discharge dev` starts receives only the secrets it uses (least privilege).

A secret a process never reads is one it cannot leak (a crash dump, ``/proc/<pid>/environ``, a
dependency that logs its environment). The table below says which part reads which secret setting; every
child's environment is cut to it, the servers (Temporal, NATS, the dev IdP) get none of ours, and an
environment variable the supervisor inherited (an exported ``DISCHARGE_SESSION_SECRET``) is cut too.

A secret setting that is not in the table reaches every part: add a new one here with its readers.
"""

from __future__ import annotations

from collections.abc import Mapping

#: Secret setting -> the parts that read it. The patient-key secret pseudonymises (the gateway) and finds a
#: patient by identity (the web page, FHIR); the session secret signs and checks sign-ins (the web page, the
#: codec server); the key ring's file is for whoever reads or writes Temporal payloads.
SECRET_READERS: dict[str, frozenset[str]] = {
    "DISCHARGE_PATIENT_KEY_SECRET": frozenset({"gateway", "web", "fhir"}),
    "DISCHARGE_SESSION_SECRET": frozenset({"web", "codec-server"}),
    "DISCHARGE_OIDC_CLIENT_SECRET": frozenset({"web"}),
    "DISCHARGE_PAYLOAD_KEYS_FILE": frozenset({"worker", "gateway", "codec-server", "web", "fhir"}),
    "TEMPORAL_API_KEY": frozenset({"worker", "gateway", "web", "fhir"}),
    "DISCHARGE_SMTP_URL": frozenset({"notify"}),
}


def secrets_of(part: str) -> list[str]:
    """The secret settings ``part`` receives."""
    return sorted(name for name, readers in SECRET_READERS.items() if part in readers)


def env_for(part: str, env: Mapping[str, str]) -> dict[str, str]:
    """``env`` without the secret settings ``part`` does not read."""
    return {
        name: value
        for name, value in env.items()
        if name.upper() not in SECRET_READERS or part in SECRET_READERS[name.upper()]
    }
