"""The development OpenID provider `discharge dev` runs: a real OIDC server with four synthetic users.

It is ``oidc-provider-mock`` (authlib's authorization server in a small Flask app, code flow, signed ID
tokens, discovery, JWKS) with predefined users whose claims are the ones ``workers.web.claims`` reads.
Its sign-in page lists each user's ``sub`` (their HSA-id) as a button: one click signs in, no password.
Development and tests only: it would sign in anyone who can reach it.

Run alone: ``python -m workers.web.dev_idp --port 8081``.
"""

from __future__ import annotations

import argparse
import logging
import os
import warnings
from dataclasses import dataclass

from discharge.principal import Role
from workers.web.claims import CLAIM_HSA_ID, CLAIM_NAME, CLAIM_ROLE, CLAIM_UNIT

#: The web page's client at the dev provider (which accepts any client id and secret).
DEV_CLIENT_ID = "discharge-web"
DEV_CLIENT_SECRET = "dev-only-oidc-client-secret"


@dataclass(frozen=True)
class DevUser:
    hsa_id: str
    name: str
    role: Role
    unit: str | None = None

    def claims(self) -> dict[str, str]:
        claims = {CLAIM_HSA_ID: self.hsa_id, CLAIM_NAME: self.name, CLAIM_ROLE: self.role}
        if self.unit is not None:
            claims[CLAIM_UNIT] = self.unit
        return claims


# Synthetic people; the HSA-ids match the demo's (discharge/demo/patients.py): the coordinator who decides
# there, the LMV team's doctor, and the doctor of Vårdcentralen Centrum (SE...101, a demo VC).
COORDINATOR = DevUser("SE2321000131-E000000000300", "Karin Koordinator", "coordinator")
LMV_PHYSICIAN = DevUser("SE2321000131-E000000000201", "Lars LMV-läkare", "lmv", "SE2321000131-E000000000200")
VC_PHYSICIAN = DevUser("SE2321000131-E000000000111", "Vera VC-läkare", "vc", "SE2321000131-E000000000101")
OPS_VIEWER = DevUser("SE2321000131-E000000000900", "Olle Drift", "ops")
DEV_USERS: tuple[DevUser, ...] = (COORDINATOR, LMV_PHYSICIAN, VC_PHYSICIAN, OPS_VIEWER)


def build_provider() -> object:
    """The provider's WSGI app (imported here: only `discharge dev` and the tests load Flask)."""
    from oidc_provider_mock import User, app

    # The provider refuses plain http unless told this is a development setting.
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    users = [User(sub=user.hsa_id, claims=user.claims()) for user in DEV_USERS]
    return app(require_nonce=True, user_claims=users)


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="development OpenID provider with synthetic users")
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    # authlib's notes about its own future (jose, httpx) are for its maintainers, not for the stack's log.
    warnings.simplefilter("ignore")
    print(f"development OpenID provider on http://{args.host}:{args.port}", flush=True)
    uvicorn.run(
        build_provider(),  # type: ignore[arg-type]
        interface="wsgi",
        host=args.host,
        port=args.port,
        log_level="warning",
        log_config=None,
    )


if __name__ == "__main__":
    main()
