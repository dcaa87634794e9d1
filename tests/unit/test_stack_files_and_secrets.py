"""`discharge dev`'s children get only the secrets they read; the data dir and its files are the owner's."""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from pathlib import Path

import pytest

from discharge.settings import Settings, SettingsError, require_strong_secret, settings_env
from workers.stack.children import Child, ChildSpec
from workers.stack.datadir import DataDir
from workers.stack.parts import app_child_spec
from workers.stack.secrets import SECRET_READERS, env_for, secrets_of

SETTINGS = Settings(
    discharge_patient_key_secret="patient-key-secret-of-32-bytes!!",
    discharge_session_secret="session-secret-of-at-least-32-b!",
    discharge_oidc_client_secret="the-idp-s-client-secret",
    discharge_payload_keys_file=Path("/keys/ring.json"),
)
PRINT_ENV = "import os; print(' '.join(sorted(os.environ)))"


def test_each_part_reads_only_its_own_secrets() -> None:
    assert secrets_of("worker") == ["DISCHARGE_PAYLOAD_KEYS_FILE", "TEMPORAL_API_KEY"]
    assert secrets_of("gateway") == [
        "DISCHARGE_PATIENT_KEY_SECRET",
        "DISCHARGE_PAYLOAD_KEYS_FILE",
        "TEMPORAL_API_KEY",
    ]
    assert secrets_of("codec-server") == ["DISCHARGE_PAYLOAD_KEYS_FILE", "DISCHARGE_SESSION_SECRET"]
    assert secrets_of("readmodel") == [] and secrets_of("temporal") == [] and secrets_of("nats") == []
    web = env_for("web", settings_env(SETTINGS))
    assert {
        "DISCHARGE_PATIENT_KEY_SECRET",
        "DISCHARGE_SESSION_SECRET",
        "DISCHARGE_OIDC_CLIENT_SECRET",
    } <= set(web)
    # Every secret setting of Settings is in the table: a new one must say who reads it.
    secret_fields = {
        name.upper() for name, field in Settings.model_fields.items() if "SecretStr" in str(field.annotation)
    }
    assert secret_fields <= set(SECRET_READERS)


@pytest.mark.parametrize("part", ["worker", "gateway", "codec-server", "readmodel", "web", "temporal", "idp"])
async def test_a_child_process_receives_only_the_secrets_of_its_part(
    part: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Exported in the supervisor's own shell too: that must not reach a part that does not read it either.
    monkeypatch.setenv("DISCHARGE_SESSION_SECRET", "exported-in-the-shell-32-bytes-long")
    lines: list[str] = []
    spec = app_child_spec(part, SETTINGS) if part not in ("temporal", "idp") else ChildSpec(part, [])
    child = Child(
        ChildSpec(
            part, [sys.executable, "-c", PRINT_ENV], env=spec.env, relay=lambda _, line: lines.append(line)
        )
    )
    await child.start()
    assert await asyncio.wait_for(child.wait(), 30) == 0
    await asyncio.sleep(0.1)  # the relay's last line
    received = set(" ".join(lines).split())
    assert received & set(SECRET_READERS) == set(secrets_of(part)) & received
    for secret in set(SECRET_READERS) - set(secrets_of(part)):
        assert secret not in received, (part, secret)
    if part == "web":
        assert {"DISCHARGE_SESSION_SECRET", "DISCHARGE_PATIENT_KEY_SECRET"} <= received


def test_a_secret_shorter_than_32_bytes_is_refused_naming_the_setting() -> None:
    with pytest.raises(
        SettingsError, match=r"^DISCHARGE_SESSION_SECRET is 31 bytes: a secret must be at least 32"
    ):
        require_strong_secret(Settings(discharge_session_secret="x" * 31), "discharge_session_secret")
    require_strong_secret(Settings(discharge_session_secret="x" * 32), "discharge_session_secret")
    with pytest.raises(SettingsError, match="is 31 bytes"):  # bytes, not characters: å is two
        require_strong_secret(
            Settings(discharge_patient_key_secret="å" * 15 + "x"), "discharge_patient_key_secret"
        )


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_dir_is_tightened_and_new_files_are_the_owners_alone(tmp_path: Path) -> None:
    root = tmp_path / "data"
    root.mkdir(mode=0o755)
    old = root / "temporal.db"
    old.write_bytes(b"left readable by an older version")
    old.chmod(0o644)
    (root / "nats").mkdir(mode=0o755)
    umask = os.umask(0o022)
    try:
        DataDir(root).prepare()
        new = root / "readmodel.db"
        new.write_bytes(b"")  # as any process started after prepare() writes it (the umask is inherited)
        (root / "logs").mkdir()
    finally:
        os.umask(umask)
    assert _mode(root) == _mode(root / "nats") == _mode(root / "logs") == 0o700
    assert _mode(old) == _mode(new) == 0o600
