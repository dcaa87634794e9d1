"""The webhook endpoints file: validated whole, https outside development, the secret never shown."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from workers.webhooks.endpoints import EndpointError, load_endpoints, parse_endpoints

VC = "SE2321000131-E000000000101"
SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()


def endpoints_text(**endpoint: str) -> str:
    return json.dumps({VC: {"url": "https://vc.example.se/discharge/events", "secret": SECRET, **endpoint}})


def test_a_vardcentral_with_an_https_url_and_a_whsec_secret_is_an_endpoint() -> None:
    endpoints = parse_endpoints(endpoints_text(), development=False)

    assert endpoints[VC].host == "vc.example.se"
    assert endpoints[VC].secret.get_secret_value() == SECRET


def test_plain_http_is_refused_outside_development_and_allowed_in_it() -> None:
    text = endpoints_text(url="http://localhost:9999/hook")

    with pytest.raises(EndpointError, match="must be https"):
        parse_endpoints(text, development=False)
    assert parse_endpoints(text, development=True)[VC].host == "localhost"


@pytest.mark.parametrize(
    ("secret", "rule"),
    [
        ("not-a-whsec", "must start with whsec_"),
        ("whsec_!!!not base64!!!", "must be base64"),
        ("whsec_" + base64.b64encode(b"short").decode(), "24 to 64 random bytes"),
        ("whsec_" + base64.b64encode(b"x" * 65).decode(), "24 to 64 random bytes"),
    ],
)
def test_a_secret_that_is_not_a_standard_webhooks_secret_is_refused_without_showing_it(
    secret: str, rule: str
) -> None:
    with pytest.raises(EndpointError, match=rule) as refused:
        parse_endpoints(endpoints_text(secret=secret), development=False)

    assert secret not in str(refused.value)


def test_a_key_that_is_not_an_hsa_id_is_refused() -> None:
    text = json.dumps({"deliver.>": {"url": "https://x.example.se/", "secret": SECRET}})

    with pytest.raises(EndpointError, match="not an HSA-id"):
        parse_endpoints(text, development=False)


def test_a_url_with_credentials_or_without_a_host_is_refused() -> None:
    with pytest.raises(EndpointError, match="user or password"):
        parse_endpoints(endpoints_text(url="https://user:pw@vc.example.se/"), development=False)
    with pytest.raises(EndpointError, match="absolute https URL"):
        parse_endpoints(endpoints_text(url="/relative"), development=False)


def test_the_secret_is_not_in_the_endpoints_repr() -> None:
    endpoints = parse_endpoints(endpoints_text(), development=False)

    assert SECRET not in repr(endpoints) and SECRET not in str(endpoints)


def test_no_file_is_no_endpoints_and_a_broken_file_says_so(tmp_path: Path) -> None:
    assert load_endpoints(None, development=False) == {}
    broken = tmp_path / "webhooks.json"
    broken.write_text("{not json")

    with pytest.raises(EndpointError, match="not JSON"):
        load_endpoints(broken, development=False)
    with pytest.raises(EndpointError, match="DISCHARGE_WEBHOOKS_FILE"):
        load_endpoints(tmp_path / "missing.json", development=False)


def test_discharge_webhooks_refuses_to_start_with_a_plain_http_url_outside_development(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from discharge.cli.webhooks import check_webhook_settings
    from discharge.settings import Settings, SettingsError

    path = tmp_path / "webhooks.json"
    path.write_text(endpoints_text(url="http://vc.example.se/hook"))
    monkeypatch.setenv("DISCHARGE_WEBHOOKS_FILE", str(path))

    with pytest.raises(SettingsError, match="must be https") as refused:
        check_webhook_settings(Settings(discharge_development=False))
    assert SECRET not in str(refused.value)
    check_webhook_settings(Settings(discharge_development=True))


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644])
def test_an_endpoints_file_others_may_read_is_refused_outside_development(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "webhooks.json"
    path.write_text(endpoints_text())
    path.chmod(mode)

    with pytest.raises(
        EndpointError, match=f"readable by others than its owner \\(mode {mode:04o}\\)"
    ) as refused:
        load_endpoints(path, development=False)
    assert SECRET not in str(refused.value) and "chmod 600" in str(refused.value)
    assert load_endpoints(path, development=True)  # `discharge dev`'s own files
    path.chmod(0o600)
    assert load_endpoints(path, development=False)
