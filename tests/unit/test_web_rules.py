"""The web page's rules without a server: claims to a principal, each role's scope, the search box."""

from __future__ import annotations

from typing import Any

import pytest

from discharge.principal import Principal
from discharge.readmodel.listing import Wanted
from workers.web.access import (
    LMV_PHASES,
    may_acknowledge,
    may_decide,
    may_read_audit,
    may_see_identity,
    may_see_patient,
    read_model_scope,
)
from workers.web.auth import safe_next
from workers.web.claims import SignInRefused, principal_from_claims
from workers.web.dev_idp import DEV_USERS, VC_PHYSICIAN
from workers.web.present import identity_text
from workers.web.search import SearchRefused, build_search
from workflows.api import PathwayView

HSA = "SE2321000131-E000000000300"
UNIT = "SE2321000131-E000000000101"
SECRET = "unit-test-secret"
COORDINATOR = Principal(hsa_id=HSA, name="K", role="coordinator")
LMV = Principal(hsa_id=HSA, name="L", role="lmv")
VC = Principal(hsa_id=HSA, name="V", role="vc", unit=UNIT)
OPS = Principal(hsa_id=HSA, name="O", role="ops")


def test_every_dev_user_signs_in_as_the_role_its_claims_say() -> None:
    for user in DEV_USERS:
        principal = principal_from_claims({"sub": user.hsa_id, **user.claims()})
        assert (principal.hsa_id, principal.name, principal.role, principal.unit) == (
            user.hsa_id,
            user.name,
            user.role,
            user.unit,
        )


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"sub": "someone", "role": "coordinator"}, "inget HSA-id"),
        ({"sub": HSA}, "ingen roll"),
        ({"sub": HSA, "role": "admin"}, "ingen roll"),
        ({"hsa_id": HSA, "role": "vc"}, "måste ange enheten"),
        ({"hsa_id": HSA, "role": "vc", "unit": "x' OR 1=1"}, "måste ange enheten"),
    ],
)
def test_a_token_without_a_usable_hsa_id_role_or_unit_gives_no_session(
    claims: dict[str, Any], why: str
) -> None:
    with pytest.raises(SignInRefused, match=why):
        principal_from_claims(claims)


def test_the_hsa_id_claim_wins_over_sub_and_the_name_defaults_to_it() -> None:
    principal = principal_from_claims({"sub": "opaque-subject", "hsa_id": HSA, "role": "ops"})
    assert principal.hsa_id == HSA and principal.name == HSA


def _view(phase: str, vc: str | None = UNIT) -> PathwayView:
    return PathwayView(
        patient_key="pk_" + "0" * 32, episode_id="HS-1", phase=phase, risk_level="high",
        listed_vardcentral=vc, home_type=None, lmv_enrolled=True, admitted_at=None, discharged_at=None,
        support_ends_at=None, pending_task=None, task_due_at=None, escalated=False, escalations=[],
        extensions=[], first_lmv_contact_at=None, outcome=None, log=[],
    )  # fmt: skip


def test_each_role_sees_its_own_patients_and_only_the_allowed_ones_see_identities() -> None:
    assert read_model_scope(COORDINATOR) == (None, None) and read_model_scope(OPS) == (None, None)
    assert read_model_scope(LMV) == (("joint_planning", "lmv_support", "extension_review", "handover"), None)
    assert read_model_scope(VC) == (None, UNIT)
    for phase in LMV_PHASES:
        assert may_see_patient(LMV, _view(phase))
    assert not may_see_patient(LMV, _view("inpatient")) and not may_see_patient(LMV, _view("follow_up"))
    assert may_see_patient(VC, _view("inpatient")) and not may_see_patient(VC, _view("inpatient", "SE999-x"))
    assert [may_see_identity(p) for p in (COORDINATOR, LMV, VC, OPS)] == [True, True, True, False]
    assert [may_decide(p) for p in (COORDINATOR, LMV, VC, OPS)] == [True, False, False, False]
    assert [may_acknowledge(p) for p in (COORDINATOR, LMV, VC, OPS)] == [True, True, True, False]
    assert [may_read_audit(p) for p in (COORDINATOR, LMV, VC, OPS)] == [True, False, False, True]
    assert VC_PHYSICIAN.unit == UNIT  # the dev VC physician works at a demo VC


def test_the_search_box_understands_numbers_keys_episodes_and_vcs() -> None:
    found = build_search("19091231-9803", COORDINATOR, SECRET, by_identity=True)
    assert found.kind == "identity" and found.patient_key is not None
    assert "19091231" not in found.binding  # a page token is signed for the pseudonym, never the number
    by_key = build_search(found.patient_key, COORDINATOR, SECRET, by_identity=True)
    assert by_key.kind == "patient_key" and by_key.wanted == found.wanted
    assert by_key.binding == found.binding  # the identity's next-page link carries the key
    episode = build_search("HS-2026-1", COORDINATOR, SECRET, by_identity=True)
    assert episode.wanted == Wanted(episode_id="HS-2026-1")
    digits = build_search("HS-20261123-123456", OPS, SECRET, by_identity=True)
    assert digits.kind == "episode"  # digits, yet no identity
    assert build_search(UNIT, VC, SECRET, by_identity=True).wanted == Wanted(vardcentral=UNIT)
    everyone = build_search("", COORDINATOR, SECRET, by_identity=True)
    assert everyone.wanted == Wanted()
    assert everyone.binding != build_search("", VC, SECRET, by_identity=True).binding  # scoped tokens
    with pytest.raises(SearchRefused, match="din roll"):  # in Swedish, the default
        build_search("19091231-9803", OPS, SECRET, by_identity=True)
    with pytest.raises(SearchRefused, match="inte ett giltigt") as refused:
        build_search("19091231-9804", COORDINATOR, SECRET, by_identity=True)
    assert "19091231" not in str(refused.value)
    with pytest.raises(SearchRefused):
        build_search("x' OR '1'='1", COORDINATOR, SECRET, by_identity=True)
    with pytest.raises(SearchRefused, match="med sökformuläret"):  # a link (GET) never looks one up
        build_search("190912319803", COORDINATOR, SECRET, by_identity=False)


def test_after_sign_in_only_a_path_on_this_site_is_followed() -> None:
    assert safe_next("/patients/pk_1?x=1") == "/patients/pk_1?x=1"
    assert [safe_next(t) for t in ("https://evil.example", "//evil.example", "/\\evil", None, "")] == [
        "/"
    ] * 5
    assert identity_text("190912319803") == "19091231-9803"


def test_the_web_page_refuses_to_serve_without_an_idp_or_with_the_dev_session_secret() -> None:
    from discharge.settings import Settings, SettingsError
    from workers.web.server import check_web_settings, dev_idp_address

    idp = {"discharge_oidc_issuer": "https://idp.example", "discharge_oidc_client_id": "web"}
    with pytest.raises(SettingsError, match="DISCHARGE_OIDC_ISSUER"):
        check_web_settings(Settings(discharge_development=True))
    with pytest.raises(SettingsError, match="DISCHARGE_SESSION_SECRET is the dev-only value"):
        check_web_settings(Settings(**idp))  # type: ignore[arg-type]
    with pytest.raises(SettingsError, match="DISCHARGE_SESSION_SECRET is 13 bytes"):
        check_web_settings(Settings(**idp, discharge_session_secret="a-real-secret"))  # type: ignore[arg-type]
    check_web_settings(Settings(**idp, discharge_session_secret="a-real-secret-of-32-bytes-length"))  # type: ignore[arg-type]
    check_web_settings(Settings(**idp, discharge_development=True))  # type: ignore[arg-type]
    with pytest.raises(SettingsError, match="DISCHARGE_WEB_ADDRESS"):
        check_web_settings(Settings(**idp, discharge_development=True, discharge_web_address="8080"))  # type: ignore[arg-type]
    assert dev_idp_address(Settings(discharge_web_address="localhost:8080")) == "localhost:8081"
