"""Who signed in, from the ID token's claims: the claim names are the contract with the region's IdP.

The region's IdP (SITHS/HSA behind OpenID Connect) is configured to put these claims in the ID token
(scope ``openid profile``). A token without a usable HSA-id or role is refused: a person the IdP knows
but who has no role in this service gets a page saying so, never a session.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from discharge.i18n import gettext as _
from discharge.principal import ROLES, Principal
from events.fields import HSA_ID_PATTERN

#: The person's HSA-id. ``sub`` is used instead when it is an HSA-id itself and this claim is absent.
CLAIM_HSA_ID = "hsa_id"
CLAIM_SUBJECT = "sub"
#: Display name (the standard OIDC ``name`` claim, scope ``profile``).
CLAIM_NAME = "name"
#: One of ``coordinator``, ``lmv``, ``vc``, ``ops`` (see ``discharge.principal.Role``).
CLAIM_ROLE = "role"
#: The person's unit (HSA-id): required for role ``vc`` (the vårdcentral whose listed patients they
#: see), optional for ``lmv`` (the LMV team).
CLAIM_UNIT = "unit"
#: The scopes asked for at sign-in.
SCOPES = "openid profile"


class SignInRefused(Exception):
    """The IdP vouched for someone this service cannot give a session to; the message says why."""


def _hsa_id(value: object) -> str | None:
    if isinstance(value, str) and re.match(HSA_ID_PATTERN, value):
        return value
    return None


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    hsa_id = _hsa_id(claims.get(CLAIM_HSA_ID)) or _hsa_id(claims.get(CLAIM_SUBJECT))
    if hsa_id is None:
        raise SignInRefused(
            _("the sign-in carried no HSA-id (claim %(claim)s or %(subject)s)")
            % {"claim": repr(CLAIM_HSA_ID), "subject": repr(CLAIM_SUBJECT)}
        )
    role = claims.get(CLAIM_ROLE)
    if role not in ROLES:
        raise SignInRefused(
            _("your account has no role in this service (claim %(claim)s must be one of %(roles)s)")
            % {"claim": repr(CLAIM_ROLE), "roles": ", ".join(ROLES)}
        )
    unit = _hsa_id(claims.get(CLAIM_UNIT))
    if role == "vc" and unit is None:
        raise SignInRefused(
            _("a vårdcentral physician's sign-in must name the unit (claim %(claim)s)")
            % {"claim": repr(CLAIM_UNIT)}
        )
    name = claims.get(CLAIM_NAME)
    return Principal(
        hsa_id=hsa_id,
        name=name.strip() if isinstance(name, str) and name.strip() else hsa_id,
        role=role,
        unit=unit,
    )
