"""Who an outbound event e-mails, and that the SMTP URL and the notifier belong to the `notify` part alone."""

from __future__ import annotations

from discharge.notify.audience import Audience, audience
from discharge.settings import Settings
from workers.stack.parts import APP_PARTS, NOTIFY_PART, dev_parts
from workers.stack.secrets import secrets_of

CENTRUM = "SE2321000131-E000000000101"


def event(type_: str, **data: object) -> dict[str, object]:
    return {"type": f"discharge.{type_}", "data": {"patient_key": "pk_x", **data}}


def test_each_event_that_asks_someone_to_act_names_whom_and_others_name_nobody() -> None:
    assert audience(event("escalation_raised", to="coordinator")) == [Audience("coordinator")]
    assert audience(event("escalation_raised", to="lmv")) == [Audience("lmv")]
    assert audience(event("escalation_raised", to="vardcentral", listed_vardcentral=CENTRUM)) == [
        Audience("vc", CENTRUM)
    ]
    assert audience(event("escalation_raised", to="vardcentral")) == []  # no listed VC: nobody to tell
    assert audience(event("escalation_raised", to="SE2321000131-E000000000920")) == []  # on-call: delivered
    assert audience(event("extension_review_requested")) == [Audience("coordinator")]
    assert audience(event("handover_requested", listed_vardcentral=CENTRUM)) == [Audience("vc", CENTRUM)]
    assert audience(event("joint_planning_requested", listed_vardcentral=CENTRUM)) == [
        Audience("lmv"),
        Audience("vc", CENTRUM),
    ]
    assert audience(event("support_started")) == [] and audience({"type": "x", "data": []}) == []


def test_discharge_dev_starts_the_notifier_only_with_a_mail_server_and_only_it_reads_the_smtp_url() -> None:
    assert dev_parts(Settings()) == APP_PARTS
    assert dev_parts(Settings(discharge_smtp_url="smtp://localhost:1025")) == (*APP_PARTS, NOTIFY_PART)
    assert "DISCHARGE_SMTP_URL" in secrets_of("notify")
    assert all("DISCHARGE_SMTP_URL" not in secrets_of(part) for part in APP_PARTS)
