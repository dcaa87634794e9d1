"""Every setting of the system, read once from the environment and passed down.

The names are the shared contract's configuration table (README.md, "Configuration") plus the
connection options an external Temporal cluster or NATS needs. Field names are the environment
variables themselves (lower-cased), so a validation error names the variable an operator must fix.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from discharge.units import load_unit_directory

#: Only for a developer's laptop and the demo: `discharge worker` / `gateway` refuse it in production.
DEV_PATIENT_KEY_SECRET = "dev-only-secret-do-not-use-in-production"
DEV_SESSION_SECRET = "dev-only-session-secret-do-not-use-in-production"

_ISO_DURATION = re.compile(
    r"^P(?!$)(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_iso_duration(value: object) -> timedelta:
    """Parse an ISO 8601 duration of weeks, days, hours, minutes and seconds (``P14D``, ``PT24H``).

    Years and months are refused on purpose: their length varies, and every period in the
    pathway is a fixed number of days or hours.
    """
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 duration such as P14D or PT24H")
    match = _ISO_DURATION.match(value.strip().upper())
    if not match:
        raise ValueError(f"expected an ISO 8601 duration such as P14D, P3D, PT24H or PT30S, got {value!r}")
    parts = {name: float(amount) for name, amount in match.groupdict().items() if amount}
    duration = timedelta(**parts)
    if duration <= timedelta(0):
        raise ValueError(f"expected a positive duration, got {value!r}")
    return duration


IsoDuration = Annotated[timedelta, BeforeValidator(parse_iso_duration)]


def parse_iso_duration_or_zero(value: object) -> timedelta:
    """As `parse_iso_duration`, and ``PT0S`` for "off"."""
    if isinstance(value, str) and value.strip().upper() in ("PT0S", "P0D"):
        return timedelta(0)
    return parse_iso_duration(value)


IsoDurationOrZero = Annotated[timedelta, BeforeValidator(parse_iso_duration_or_zero)]


class Settings(BaseSettings):
    """The whole configuration. Defaults are the contract's; durations are ISO 8601."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    # Temporal
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "discharge"
    temporal_tls_cert: Path | None = Field(None, description="mTLS client certificate (PEM) for Temporal")
    temporal_tls_key: Path | None = Field(None, description="mTLS client private key (PEM) for Temporal")
    temporal_tls_ca: Path | None = Field(None, description="CA bundle for the Temporal server, if private")
    temporal_api_key: SecretStr | None = Field(None, description="API key (Temporal Cloud); implies TLS")
    # How long the worker keeps trying its first connection to Temporal before it exits with the reason.
    discharge_temporal_connect_timeout: IsoDuration = timedelta(minutes=2)

    # NATS
    nats_url: str = "nats://localhost:4222"
    nats_creds: Path | None = Field(None, description="NATS credentials file (JWT + nkey)")
    nats_nkey_seed: Path | None = Field(
        None, description="NATS nkey seed file (a user of the server's config); `discharge dev` sets it"
    )
    nats_inbox_prefix: str | None = Field(
        None, description="this user's reply subjects (default _INBOX); `discharge dev`: _INBOX_<user>"
    )
    nats_tls_ca: Path | None = Field(None, description="CA bundle for NATS TLS")
    nats_tls_cert: Path | None = Field(None, description="client certificate for NATS mutual TLS")
    nats_tls_key: Path | None = Field(None, description="client key for NATS mutual TLS")

    # The embedded stack and the process
    discharge_data_dir: Path = Path(".data")
    discharge_log_format: Literal["console", "json"] | None = Field(
        None, description="console on a terminal, json otherwise"
    )
    discharge_log_level: Literal["debug", "info", "warning", "error"] = "info"
    discharge_patient_key_secret: SecretStr = SecretStr(DEV_PATIENT_KEY_SECRET)
    discharge_development: bool = Field(
        False, description="allow the dev-only patient-key secret outside `discharge dev`"
    )

    # The pathway's periods
    discharge_support_period: IsoDuration = timedelta(days=14)
    discharge_extension_review_lead: IsoDuration = timedelta(days=3)
    discharge_planning_confirm_timeout: IsoDuration = timedelta(hours=24)
    discharge_first_contact_target: IsoDuration = timedelta(hours=24)
    discharge_handover_accept_timeout: IsoDuration = timedelta(days=2)
    discharge_readmission_window: IsoDuration = timedelta(days=30)
    discharge_late_event_grace: IsoDuration = Field(
        timedelta(minutes=1),
        description="a deadline is acted on only once no event of the pathway has arrived for this long",
    )
    discharge_history_bound: int = Field(
        5000,
        ge=20,
        description=(
            "a pathway's run continues as new once its history holds this many events (or sooner, when "
            "Temporal suggests it), so its history stays bounded whatever it is sent"
        ),
    )

    # The gateway
    discharge_max_deliveries: int = Field(
        8, ge=1, description="tries before a message that keeps failing is dead-lettered"
    )
    discharge_future_tolerance: IsoDuration = Field(
        timedelta(minutes=5),
        description="an event whose `time` is further ahead than this is refused as a clock error",
    )

    # Intake (issue 12) and the pathway's additions (issue 16)
    discharge_early_event_hold: IsoDuration = Field(
        timedelta(days=2),
        description="events that arrive before their pathway opens are held this long, then dead-lettered",
    )
    discharge_reorder_window: IsoDurationOrZero = Field(
        timedelta(0),
        description=(
            "every event waits until none of the patient's events has arrived for this long, so a burst "
            "is applied in clinical-time order (0: applied on arrival)"
        ),
    )
    discharge_consult_answer_timeout_acute: IsoDuration = timedelta(minutes=30)
    discharge_consult_answer_timeout_non_acute: IsoDuration = timedelta(hours=4)

    # Delivery to each receiver (issue 21)
    discharge_delivery_receipt_timeout: IsoDurationOrZero = Field(
        timedelta(hours=2),
        description="escalate (`not_delivered`) a delivery that asks to act and is not received this long "
        "(PT0S: no receipts awaited)",
    )
    discharge_lmv_unit: str | None = Field(
        None,
        description="the HSA-id of the region's LMV unit, which receives LMV's deliveries; "
        "`discharge dev`: the demo's",
    )

    # The region's rules (issue 25, docs/policy.md)
    discharge_policy_file: Path | None = Field(
        None, description="the region's policy (YAML): durations, calendars, units; default Region Halland's"
    )
    discharge_primarycare_oncall_unit: str | None = Field(
        None,
        description="the HSA-id of the allmänmedicinsk beredskapsjour (concerns while LMV or the VC is "
        "closed); default the policy file's",
    )

    # Protection of identities (issue 13)
    discharge_payload_keys_file: Path | None = Field(
        None, description="the key ring for Temporal payloads; `discharge dev` makes one in the data dir"
    )
    discharge_codec_address: str | None = Field(
        None, description="the Temporal UI's codec server; default the Temporal port + 1001"
    )
    discharge_codec_ui_origins: str | None = Field(
        None,
        description="the Temporal UI's origins the codec server answers (CORS, comma-separated); "
        "default the embedded UI's",
    )
    discharge_audit_log: Path | None = Field(
        None, description="append-only access log (JSON lines); default audit.jsonl in the data dir"
    )

    # The coordinators' web page and sign-in (issue 14)
    discharge_web_address: str = "localhost:8080"
    discharge_session_secret: SecretStr = Field(
        SecretStr(DEV_SESSION_SECRET),
        description="signs the web page's access tokens (read by the codec server too); dev-only default",
    )
    discharge_session_ttl: IsoDuration = Field(timedelta(hours=8), description="a sign-in lasts this long")
    discharge_session_store: Path | None = Field(
        None,
        description="the open sign-in sessions (SQLite), shared by the web page and the codec server; "
        "default sessions.db in the data dir",
    )
    discharge_oidc_issuer: str | None = None
    discharge_oidc_client_id: str | None = None
    discharge_oidc_client_secret: SecretStr | None = None
    discharge_unit_directory: Path | None = Field(
        None,
        description="CSV of HSA-id,name,kind: the names the pages and the report show (discharge/units.py); "
        "`discharge dev`: the demo's",
    )

    # Content-free e-mail notifications to people who opted in (issue 24, docs/notifications.md)
    discharge_smtp_url: SecretStr | None = Field(
        None,
        description="smtp://[user:password@]host[:port] (STARTTLS when offered) or smtps://…; unset: none",
    )
    discharge_smtp_from: str = Field("utskrivningsstod@localhost", description="the notifications' From")
    discharge_web_public_url: str | None = Field(
        None, description="the web page's address in e-mails; default http://<DISCHARGE_WEB_ADDRESS>/"
    )
    discharge_notification_store: Path | None = Field(
        None, description="who opted in to e-mail (SQLite); default notifications.db in the data dir"
    )

    # Follow-up indicators (issue 15)
    discharge_readmodel_url: str | None = Field(
        None,
        description="the indicators' store; default SQLite in the data dir, postgresql://... in production",
    )

    # Operations (issue 17)
    discharge_worker_http_address: str = "localhost:9101"
    discharge_gateway_http_address: str = "localhost:9102"
    discharge_delivery_http_address: str = Field(
        "localhost:9103", description="`discharge delivery`'s /metrics, /healthz, /readyz"
    )
    discharge_readmodel_http_address: str = Field(
        "localhost:9106", description="`discharge readmodel`'s /metrics, /healthz, /readyz"
    )
    discharge_stream_replicas: int = Field(1, ge=1, le=5)
    # Pathways a worker keeps in memory: an event for one that is not is applied after replaying its
    # history (docs/operations.md "Capacity": size it to the open pathways a worker holds).
    discharge_worker_cached_pathways: int = Field(1000, ge=1)
    # Temporal's workflow sandbox: a guard against non-deterministic calls in workflow code, at ~1.7 ms of
    # worker CPU per event (docs/benchmarks.md, "The worker's CPU per event, by step"). Off in the worker
    # process; every test runs the workflow in it (tests/conftest.py), which is where such a call is found.
    discharge_worker_sandbox: bool = Field(
        False, description="run the pathway workflow in Temporal's sandbox (slower; the tests always do)"
    )
    # OpenTelemetry's own variable: traces are exported over OTLP/HTTP to it when set, off otherwise.
    otel_exporter_otlp_endpoint: str | None = Field(
        None, description="OTLP/HTTP collector base URL (e.g. http://localhost:4318); unset: no tracing"
    )

    @field_validator("discharge_policy_file")
    @classmethod
    def _valid_policy_file(cls, value: Path | None) -> Path | None:
        """A wrong policy file stops every command at start, each problem with its line (docs/policy.md)."""
        if value is not None:
            # Imported here: the policy's model uses this module's duration type.
            from discharge.policy.loading import PolicyFileError, read_policy

            try:
                read_policy(value)
            except PolicyFileError as error:
                raise ValueError(
                    f"not a valid policy:\n    {str(error).replace(chr(10), chr(10) + '    ')}"
                ) from None
        return value

    @field_validator("discharge_unit_directory")
    @classmethod
    def _unit_directory(cls, value: Path | None) -> Path | None:
        load_unit_directory(value)  # every line validated at start: a wrong file names its line
        return value

    @field_validator("temporal_address")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError(f"expected host:port, e.g. localhost:7233, got {value!r}")
        return value

    @field_validator("nats_url")
    @classmethod
    def _nats_url(cls, value: str) -> str:
        for url in value.split(","):
            if not re.match(r"^(nats|tls|ws|wss)://[^:/]+(:\d+)?/?$", url.strip()):
                raise ValueError(f"expected nats://host:port (comma-separated for a cluster), got {value!r}")
        return value

    @property
    def uses_dev_secret(self) -> bool:
        return self.discharge_patient_key_secret.get_secret_value() == DEV_PATIENT_KEY_SECRET

    @property
    def temporal_port(self) -> int:
        return int(self.temporal_address.rpartition(":")[2])

    @property
    def temporal_host(self) -> str:
        return self.temporal_address.rpartition(":")[0]

    @property
    def temporal_ui_port(self) -> int:
        """The embedded stack's Web UI: the Temporal port + 1000 (7233 -> 8233)."""
        return self.temporal_port + 1000

    @property
    def codec_address(self) -> str:
        """The codec server's host:port: the setting, or the Temporal port + 1001 (7233 -> 8234)."""
        return self.discharge_codec_address or f"{self.temporal_host}:{self.temporal_port + 1001}"

    @property
    def audit_log_path(self) -> Path:
        return self.discharge_audit_log or self.discharge_data_dir / "audit.jsonl"

    @property
    def session_store_path(self) -> Path:
        return self.discharge_session_store or self.discharge_data_dir / "sessions.db"

    @property
    def notification_store_path(self) -> Path:
        return self.discharge_notification_store or self.discharge_data_dir / "notifications.db"

    @property
    def web_public_url(self) -> str:
        return self.discharge_web_public_url or f"http://{self.discharge_web_address}/"

    @property
    def nats_port(self) -> int:
        tail = self.nats_url.split(",")[0].rstrip("/").rpartition(":")[2]
        return int(tail) if tail.isdigit() else 4222

    @property
    def nats_host(self) -> str:
        hostport = self.nats_url.split(",")[0].split("://", 1)[1].rstrip("/")
        return hostport.rpartition(":")[0] if ":" in hostport else hostport


def format_iso_duration(duration: timedelta) -> str:
    """The inverse of `parse_iso_duration`, in seconds (``PT1209600S``): exact and always parseable."""
    seconds = duration.total_seconds()
    return f"PT{int(seconds)}S" if seconds == int(seconds) else f"PT{seconds}S"


#: The duration settings a region's policy file also holds (discharge/settings_policy.py): setting → the
#: ``Policy`` field. Set in the environment, one overrides the file's (in calendar time); unset, the
#: file's holds.
POLICY_DURATION_SETTINGS = {
    "discharge_support_period": "support_period",
    "discharge_extension_review_lead": "extension_review_lead",
    "discharge_planning_confirm_timeout": "planning_confirm_timeout",
    "discharge_first_contact_target": "first_contact_target",
    "discharge_handover_accept_timeout": "handover_accept_timeout",
    "discharge_readmission_window": "readmission_window",
    "discharge_consult_answer_timeout_acute": "consult_answer_timeout_acute",
    "discharge_consult_answer_timeout_non_acute": "consult_answer_timeout_non_acute",
}


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as environment variables, so a child process (`discharge dev`'s worker and
    gateway) reads exactly the configuration its supervisor validated, secrets included. A policy
    duration nobody set is left out: the child takes the policy file's, not the setting's default."""
    env: dict[str, str] = {}
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if value is None:
            continue
        if name in POLICY_DURATION_SETTINGS and name not in settings.model_fields_set:
            continue
        if isinstance(value, SecretStr):
            text = value.get_secret_value()
        elif isinstance(value, timedelta):
            text = format_iso_duration(value)
        elif isinstance(value, bool):
            text = "true" if value else "false"
        else:
            text = str(value)
        env[name.upper()] = text
    return env


class SettingsError(Exception):
    """Start-up configuration is wrong; the message names each variable and the expected form."""


def load_settings(**overrides: object) -> Settings:
    """Read the settings from the environment, turning validation errors into one readable message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            variable = str(problem["loc"][0]).upper() if problem["loc"] else "?"
            message = str(problem["msg"]).removeprefix("Value error, ")
            lines.append(f"{variable}: {message}")
        raise SettingsError("invalid configuration:\n  " + "\n  ".join(lines)) from None


#: The secrets we choose ourselves are refused shorter than this (an HMAC-SHA256 key of full strength).
#: The IdP's client secret and Temporal Cloud's API key are issued by others and not checked here.
MIN_SECRET_BYTES = 32


def require_strong_secret(settings: Settings, name: str) -> None:
    """Refuse (``SettingsError`` naming the variable) a secret shorter than ``MIN_SECRET_BYTES``."""
    value: SecretStr = getattr(settings, name)
    length = len(value.get_secret_value().encode("utf-8"))
    if length < MIN_SECRET_BYTES:
        raise SettingsError(
            f"{name.upper()} is {length} bytes: a secret must be at least {MIN_SECRET_BYTES} bytes "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
        )


def require_production_secret(settings: Settings, command: str) -> None:
    """Refuse to run a production process (`worker`, `gateway`) with the dev-only patient-key secret."""
    # Imported here, the one place that logs: structlog pulls in rich, about 0.1 s of start-up for every
    # CLI command that only reads its settings (measured, docs/benchmarks.md "CLI start-up").
    import structlog

    log = structlog.get_logger()
    if not settings.uses_dev_secret:
        require_strong_secret(settings, "discharge_patient_key_secret")
        return
    if settings.discharge_development:
        log.warning(
            "dev-only patient-key secret in use; set DISCHARGE_PATIENT_KEY_SECRET in production",
            command=command,
        )
        return
    raise SettingsError(
        f"`discharge {command}` refuses the dev-only DISCHARGE_PATIENT_KEY_SECRET: set a real secret, "
        "or DISCHARGE_DEVELOPMENT=true on a developer's machine"
    )
