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
from playwright.async_api import Browser, async_playwright

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
