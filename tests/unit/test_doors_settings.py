"""`discharge http` and `discharge hl7` refuse settings they cannot serve with, before serving."""

from __future__ import annotations

import pytest

from discharge.cli.doors import check_door_settings
from discharge.settings import Settings, SettingsError


def test_the_http_door_needs_an_issuer_and_audience_outside_development(monkeypatch) -> None:
    monkeypatch.delenv("DISCHARGE_HTTP_ISSUER", raising=False)
    with pytest.raises(SettingsError, match="DISCHARGE_HTTP_ISSUER"):
        check_door_settings("http", Settings(discharge_development=False))
    monkeypatch.setenv("DISCHARGE_HTTP_ISSUER", "https://idp.example.test")
    with pytest.raises(SettingsError, match="DISCHARGE_HTTP_AUDIENCE"):
        check_door_settings("http", Settings(discharge_development=False))
    monkeypatch.setenv("DISCHARGE_HTTP_AUDIENCE", "https://discharge.example.test")
    check_door_settings("http", Settings(discharge_development=False))


def test_a_malformed_door_setting_is_named(monkeypatch) -> None:
    monkeypatch.setenv("DISCHARGE_HL7_ADDRESS", "2575")
    with pytest.raises(SettingsError, match="DISCHARGE_HL7_ADDRESS"):
        check_door_settings("hl7", Settings())
