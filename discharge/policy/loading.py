"""Reading a policy file: YAML to ``PolicyFile``, every error naming its file, line and field.

PyYAML's composed node tree keeps each key's line; a pydantic error's location is looked up in it, so
"durations.handover_accept_timeout: not an ISO 8601 duration" comes with the line to fix.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from discharge.policy.file import PolicyFile

DEFAULT_NAME = "halland.yaml"

Location = tuple[str | int, ...]


class PolicyFileError(ValueError):
    """A policy file that cannot be used; the message has one line per problem, each naming its line."""


def default_policy_text() -> str:
    """Region Halland's policy, the default (discharge/policy/halland.yaml)."""
    return resources.files("discharge.policy").joinpath(DEFAULT_NAME).read_text("utf-8")


def read_policy(path: Path | None) -> PolicyFile:
    """The policy in ``path``, or Region Halland's when None."""
    if path is None:
        return parse_policy(default_policy_text(), DEFAULT_NAME)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyFileError(f"{path}: cannot be read: {error.__class__.__name__}") from None
    return parse_policy(text, str(path))


def parse_policy(text: str, name: str) -> PolicyFile:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise PolicyFileError(f"{name}:{line}: not YAML: {getattr(error, 'problem', error)}") from None
    if not isinstance(data, dict):
        raise PolicyFileError(f"{name}:1: a policy is a mapping of version, region, durations, ...")
    lines = key_lines(root)
    try:
        return PolicyFile.model_validate(data)
    except ValidationError as error:
        problems = [
            f"{name}:{line_of(lines, tuple(e['loc']))}: {_dotted(tuple(e['loc']))}: "
            + str(e["msg"]).removeprefix("Value error, ")
            for e in error.errors()
        ]
        raise PolicyFileError("\n".join(problems)) from None


def key_lines(node: Any, path: Location = ()) -> dict[Location, int]:
    """Each key's (or list item's) path → its 1-based line."""
    found: dict[Location, int] = {path: node.start_mark.line + 1} if node is not None else {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            here = (*path, str(key.value))
            found.update(key_lines(value, here))
            found[here] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found.update(key_lines(item, (*path, index)))
    return found


def line_of(lines: dict[Location, int], location: Location) -> int:
    """The line of the longest known prefix of ``location`` (pydantic adds parts no file has)."""
    for end in range(len(location), -1, -1):
        line = lines.get(tuple(str(p) if isinstance(p, str) else p for p in location[:end]))
        if line is not None:
            return line
    return 1


def _dotted(location: Location) -> str:
    return ".".join(str(part) for part in location) or "(the file)"
