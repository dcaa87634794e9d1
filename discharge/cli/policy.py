"""`discharge policy check FILE`: a region's policy file validated, with what differs from the default."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from discharge.cli.plumbing import EXIT_OK, CommandError, command_handler


def register(commands: argparse._SubParsersAction[Any]) -> None:
    policy = commands.add_parser(
        "policy",
        help="the region's policy file: durations, calendars, units (docs/policy.md)",
        description="DISCHARGE_POLICY_FILE holds the region's rules; Region Halland's is the default.",
    )
    actions = policy.add_subparsers(dest="policy_command", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="validate a policy file and show what it changes from Region Halland's default",
        description=(
            "Validates FILE as the worker would at start (each problem with its line) and lists every "
            "setting that differs from the default, and the closed days of this year. Exit 0 when valid, "
            "1 when not. A new version applies to pathways started after the workers load it."
        ),
    )
    check.add_argument("file", type=Path, metavar="FILE")
    check.set_defaults(handler=run_check)


@command_handler()
def run_check(args: argparse.Namespace) -> int:
    from discharge.policy.build import workflow_policy
    from discharge.policy.compare import describe, differences
    from discharge.policy.loading import PolicyFileError, read_policy
    from workflows.policy import STOCKHOLM

    try:
        file = read_policy(args.file)
    except PolicyFileError as error:
        raise CommandError(f"{args.file} is not a valid policy:\n{error}") from None
    default = read_policy(None)
    this_year = datetime.now(STOCKHOLM).year
    policy = workflow_policy(file, range(this_year, this_year + 1))
    print(f"{args.file}: valid policy {file.version!r} ({file.region})")
    changed = differences(file, default)
    if not changed:
        print(f"the same as the default ({default.version})")
    else:
        print(f"differs from the default ({default.version}) in {len(changed)} setting(s):")
        for key, theirs, mine in changed:
            print(f"  {key}: {describe(theirs)} -> {describe(mine)}")
    working = ", ".join(f"{timer} ({kind})" for timer, kind in policy.working_time.items())
    print(f"in working time: {working or '(none: every deadline in calendar time)'}")
    oncall = policy.primarycare_oncall_unit or "(no one named: they stay with the responsible unit)"
    print(f"concerns while LMV or the VC is closed go to: {oncall}")
    days = ", ".join(day.isoformat() for day in policy.closed_days)
    print(f"closed days in {this_year}: {days or '(none)'}")
    return EXIT_OK
