"""The web page's part of `discharge dev`: the development OpenID provider and its readiness checks.

Unless ``DISCHARGE_OIDC_ISSUER`` is set, the stack runs ``workers.web.dev_idp`` (a real OIDC provider with
synthetic users) at the web port + 1 and points the web page at it; the web page counts as ready once
its ``/healthz`` answers, the provider once its discovery document does.
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx2

from discharge import demo
from discharge.settings import Settings
from workers.stack.children import ChildSpec
from workers.stack.relay import relay_structured
from workers.web.dev_idp import DEV_CLIENT_ID, DEV_CLIENT_SECRET
from workers.web.server import dev_idp_address, host_port


def uses_dev_idp(settings: Settings) -> bool:
    return not settings.discharge_oidc_issuer


def with_dev_idp(settings: Settings) -> Settings:
    """The settings the web page gets when the stack runs its own IdP."""
    from pydantic import SecretStr

    return settings.model_copy(
        update={
            "discharge_oidc_issuer": f"http://{dev_idp_address(settings)}",
            "discharge_oidc_client_id": DEV_CLIENT_ID,
            "discharge_oidc_client_secret": SecretStr(DEV_CLIENT_SECRET),
        }
    )


#: The demo's units and people (HSA-id, name, kind), what `discharge dev` shows by name.
DEMO_UNIT_DIRECTORY = Path(demo.__file__).parent / "units.csv"


def with_demo_units(settings: Settings) -> Settings:
    if settings.discharge_unit_directory is not None:
        return settings
    return settings.model_copy(update={"discharge_unit_directory": DEMO_UNIT_DIRECTORY})


def dev_idp_spec(settings: Settings) -> ChildSpec:
    host, port = host_port(dev_idp_address(settings))
    return ChildSpec(
        "idp",
        [sys.executable, "-m", "workers.web.dev_idp", "--host", host, "--port", str(port)],
        relay=relay_structured,
    )


def web_url(settings: Settings) -> str:
    return f"http://{settings.discharge_web_address}"


async def answers(url: str) -> bool:
    async with httpx2.AsyncClient(timeout=2.0) as client:
        response = await client.get(url)
        return response.status_code == 200


async def web_ready(settings: Settings) -> bool:
    return await answers(web_url(settings) + "/healthz")


async def idp_ready(settings: Settings) -> bool:
    issuer = settings.discharge_oidc_issuer or ""
    return await answers(issuer.rstrip("/") + "/.well-known/openid-configuration")


def ports_needed(settings: Settings, parts: tuple[str, ...]) -> list[tuple[str, int, str, str]]:
    """(host, port, variable, what) for the preflight check of free ports."""
    if "web" not in parts:
        return []
    host, port = host_port(settings.discharge_web_address)
    needed = [(host, port, "DISCHARGE_WEB_ADDRESS", "the coordinators' web page")]
    if uses_dev_idp(settings):
        idp_host, idp_port = host_port(dev_idp_address(settings))
        needed.append((idp_host, idp_port, "DISCHARGE_WEB_ADDRESS", "the dev sign-in (web port + 1)"))
    return needed


def banner_lines(settings: Settings, parts: tuple[str, ...]) -> str:
    if "web" not in parts:
        return ""
    lines = f"  Coordinators     {web_url(settings)}\n"
    if settings.discharge_oidc_issuer and settings.discharge_oidc_client_id == DEV_CLIENT_ID:
        lines += f"  Dev sign-in      {settings.discharge_oidc_issuer} (users: see README)\n"
    return lines
