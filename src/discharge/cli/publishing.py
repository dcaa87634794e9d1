"""Placeholder registration, replaced by the module's owner."""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: argparse._SubParsersAction[Any]) -> None:
    return None
