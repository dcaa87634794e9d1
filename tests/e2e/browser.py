"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium, driven by Playwright.

Playwright's own browser download does not work here (and nothing may download at run time): the
tests launch the system's Chromium by path. Missing it is a failure that says what to install.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, async_playwright

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    path = os.environ.get("DISCHARGE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise RuntimeError(
            "the browser tests need Chromium: apt-get install chromium (or set DISCHARGE_CHROMIUM)"
        )
    return path


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True
        )
        yield launched
        await launched.close()


def screenshot_dir() -> Path | None:
    """Where the tests put their screenshots: ``DISCHARGE_SCREENSHOTS`` (`make screenshots`), else nowhere."""
    target = os.environ.get("DISCHARGE_SCREENSHOTS")
    if not target:
        return None
    path = Path(target)
    path.mkdir(parents=True, exist_ok=True)
    return path


#: What the browser tests refuse: axe-core's two highest impacts (moderate and minor are not failed).
REFUSED_IMPACTS = frozenset({"serious", "critical"})
_AXE = Axe()  # axe-core's script as the wheel ships it: nothing is downloaded


async def serious_violations(page: Page) -> list[str]:
    """axe-core on the page as it is now: each serious or critical violation with the elements it found."""
    results = await _AXE.run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation.get("impact") in REFUSED_IMPACTS
    ]
