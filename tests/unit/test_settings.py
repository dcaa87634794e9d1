"""Settings: the contract's defaults, a clear message for every malformed value, the dev-secret rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from structlog.testing import capture_logs

from discharge.settings import (
    DEV_PATIENT_KEY_SECRET,
    Settings,
    SettingsError,
    format_iso_duration,
    load_settings,
    parse_iso_duration,
    require_production_secret,
    settings_env,
)

CONTRACT_DEFAULTS = {
    "temporal_address": "localhost:7233",
    "temporal_namespace": "default",
    "temporal_task_queue": "discharge",
    "nats_url": "nats://localhost:4222",
    "discharge_support_period": timedelta(days=14),
    "discharge_extension_review_lead": timedelta(days=3),
    "discharge_planning_confirm_timeout": timedelta(hours=24),
    "discharge_first_contact_target": timedelta(hours=24),
    "discharge_handover_accept_timeout": timedelta(days=2),
    "discharge_readmission_window": timedelta(days=30),
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what a test sets: the developer's own shell must not decide a test's outcome."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def test_defaults_are_the_contracts() -> None:
    settings = load_settings()
    for name, expected in CONTRACT_DEFAULTS.items():
        assert getattr(settings, name) == expected, name
    assert str(settings.discharge_data_dir) == ".data"
    assert settings.uses_dev_secret


def test_durations_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCHARGE_SUPPORT_PERIOD", "P21D")
    monkeypatch.setenv("DISCHARGE_FIRST_CONTACT_TARGET", "PT30S")
    settings = load_settings()
    assert settings.discharge_support_period == timedelta(days=21)
    assert settings.discharge_first_contact_target == timedelta(seconds=30)


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("DISCHARGE_SUPPORT_PERIOD", "14 days", "P14D"),
        ("DISCHARGE_READMISSION_WINDOW", "P1M", "P14D"),  # months vary in length: refused
        ("DISCHARGE_HANDOVER_ACCEPT_TIMEOUT", "PT0S", "positive"),
        ("TEMPORAL_ADDRESS", "localhost", "host:port"),
        ("NATS_URL", "http://localhost:4222", "nats://host:port"),
        ("DISCHARGE_LOG_FORMAT", "xml", "console"),
        ("DISCHARGE_MAX_DELIVERIES", "0", "greater than or equal to 1"),
    ],
)
def test_a_malformed_value_names_the_variable_and_the_expected_form(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert f"{variable}:" in message
    assert expected in message


def test_every_problem_is_reported_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCHARGE_SUPPORT_PERIOD", "two weeks")
    monkeypatch.setenv("TEMPORAL_ADDRESS", "nowhere")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert "DISCHARGE_SUPPORT_PERIOD:" in str(raised.value)
    assert "TEMPORAL_ADDRESS:" in str(raised.value)


def test_a_settings_error_carries_no_traceback_context(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCHARGE_SUPPORT_PERIOD", "14 days")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert raised.value.__suppress_context__


def test_the_embedded_stack_ports_follow_the_addresses() -> None:
    settings = load_settings(temporal_address="127.0.0.1:7300", nats_url="nats://127.0.0.1:4300")
    assert (settings.temporal_host, settings.temporal_port) == ("127.0.0.1", 7300)
    assert settings.temporal_ui_port == 8300
    assert (settings.nats_host, settings.nats_port) == ("127.0.0.1", 4300)
    cluster = load_settings(nats_url="nats://a.example:4222,nats://b.example:4222")
    assert (cluster.nats_host, cluster.nats_port) == ("a.example", 4222)


def test_production_processes_refuse_the_dev_only_secret() -> None:
    with pytest.raises(SettingsError, match="DISCHARGE_PATIENT_KEY_SECRET"):
        require_production_secret(load_settings(), "worker")


def test_development_mode_allows_the_dev_only_secret_with_a_warning() -> None:
    with capture_logs() as logs:
        require_production_secret(load_settings(discharge_development=True), "gateway")
    assert [(entry["log_level"], entry["command"]) for entry in logs] == [("warning", "gateway")]


def test_a_real_secret_is_accepted_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCHARGE_PATIENT_KEY_SECRET", "a-long-random-production-secret-32")
    settings = load_settings()
    assert not settings.uses_dev_secret
    require_production_secret(settings, "gateway")


def test_the_dev_secret_never_shows_in_the_settings_repr() -> None:
    assert DEV_PATIENT_KEY_SECRET not in repr(load_settings())


@pytest.mark.parametrize(
    "duration", [timedelta(days=14), timedelta(seconds=30), timedelta(milliseconds=1500)]
)
def test_durations_survive_a_round_trip_through_their_iso_form(duration: timedelta) -> None:
    assert parse_iso_duration(format_iso_duration(duration)) == duration


def test_a_child_process_environment_reproduces_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    original = load_settings(
        temporal_address="127.0.0.1:7300",
        discharge_support_period="PT45S",
        discharge_patient_key_secret="s3cret",
        discharge_development=True,
        discharge_log_format="json",
    )
    env = settings_env(original)
    assert env["DISCHARGE_SUPPORT_PERIOD"] == "PT45S"
    assert "TEMPORAL_TLS_CERT" not in env  # unset options stay unset
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert load_settings() == original
