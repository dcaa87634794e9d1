"""`discharge pathways` and `discharge tasks`: a page at a time by default, `--all` to stream every one.

The table ends with a line saying which rows of how many are shown (the total from Temporal's count API);
with ``--json`` the page (or, with ``--all``, every row) is the JSON list on stdout and that line goes to
stderr, so scripts read clean JSON. Why pages: discharge/views/paging.py.

Registered from here, not with `show` and `decide` (discharge/cli/coordinator.py), so that a listing
imports neither the audit log nor the decision machinery: coordinators run these often, and start-up is
most of their time (docs/benchmarks.md, "CLI start-up").
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from discharge.cli import render
from discharge.cli.plumbing import EXIT_OK, add_json
from discharge.cli.session import Session, sync_handler
from discharge.views.paging import (
    DEFAULT_PAGE_SIZE,
    Page,
    pathways_page,
    stream_pathways,
    stream_tasks,
    tasks_page,
)
from discharge.views.visibility import PathwayRow, overdue_query, pathways_query, tasks_query, ui_queries
from events.fields import HSA_ID_PATTERN
from workflows.names import PHASES


def add_paging(parser: argparse.ArgumentParser, noun: str) -> None:
    parser.add_argument(
        "--page", type=_positive, default=1, metavar="N", help=f"which page of {noun} to show (default 1)"
    )
    parser.add_argument(
        "--page-size",
        type=_positive,
        default=DEFAULT_PAGE_SIZE,
        metavar="N",
        help=f"{noun} per page (default {DEFAULT_PAGE_SIZE})",
    )
    parser.add_argument("--all", action="store_true", help=f"every one of the {noun}, streamed page by page")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _task_json(row: PathwayRow, session: Session) -> dict[str, object]:
    return row.as_json() | {"overdue": bool(row.task_due_at and row.task_due_at < session.now)}


async def _stream_json(session: Session, pages: AsyncIterator[list[PathwayRow]], tasks: bool) -> int:
    """One JSON list, written as the pages come (the first rows appear at once)."""
    count = 0
    session.out.write("[")
    async for rows in pages:
        for row in rows:
            item = _task_json(row, session) if tasks else row.as_json()
            session.out.write(("," if count else "") + "\n  " + json.dumps(item, ensure_ascii=False))
            count += 1
    session.out.write("\n]\n" if count else "]\n")
    return count


async def _stream_tables(session: Session, pages: AsyncIterator[list[PathwayRow]], tasks: bool) -> int:
    count = 0
    async for rows in pages:
        table = render.tasks_table(rows, session.now) if tasks else render.pathways_table(rows, session.now)
        session.say(table)
        count += len(rows)
    return count


def _show_page(session: Session, page: Page, noun: str, json_out: bool, tasks: bool) -> None:
    if json_out:
        items = [_task_json(row, session) if tasks else row.as_json() for row in page.rows]
        session.say(json.dumps(items, indent=2, ensure_ascii=False))
        print(page.footer(noun), file=session.err)
        return
    rows = page.rows
    table = render.tasks_table(rows, session.now) if tasks else render.pathways_table(rows, session.now)
    session.say(table)
    if page.total:
        session.say(page.footer(noun))


async def pathways_action(session: Session, args: argparse.Namespace) -> int:
    query = pathways_query(phase=args.phase, escalated=args.escalated, vardcentral=args.vardcentral)
    if args.all:
        pages = stream_pathways(session.client, query)
        count = await (_stream_json if args.json else _stream_tables)(session, pages, False)
        print(f"pathways: {count}", file=session.err if args.json else session.out)
        return EXIT_OK
    page = await pathways_page(session.client, query, args.page, args.page_size)
    _show_page(session, page, "pathways", args.json, tasks=False)
    return EXIT_OK


async def tasks_action(session: Session, args: argparse.Namespace) -> int:
    query = overdue_query(session.now) if args.overdue else tasks_query()
    if args.all:
        pages = stream_tasks(session.client, query, session.now)
        count = await (_stream_json if args.json else _stream_tables)(session, pages, True)
        print(f"tasks: {count}", file=session.err if args.json else session.out)
        return EXIT_OK
    page = await tasks_page(session.client, query, session.now, args.page, args.page_size)
    _show_page(session, page, "tasks", args.json, tasks=True)
    return EXIT_OK


# ---- argparse -------------------------------------------------------------------------------------


def _hsa_id(value: str) -> str:
    if not re.match(HSA_ID_PATTERN, value):
        raise argparse.ArgumentTypeError("expected an HSA-id such as SE2321000131-E000000000001")
    return value


def _ui_epilog() -> str:
    now = datetime.now(UTC).replace(microsecond=0)
    lines = ["Temporal UI (Workflows > filter, paste one query):"]
    for what, query in ui_queries(now):
        lines += [f"  {what}:", f"    {query}"]
    return "\n".join(lines)


def register(commands: argparse._SubParsersAction[Any]) -> None:
    pathways = commands.add_parser(
        "pathways",
        help="running pathways: phase, risk, listed VC, support end, open task, escalated",
        description="Running pathways, from Temporal visibility (the pathways' search attributes).",
        epilog=_ui_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    pathways.add_argument("--phase", choices=PHASES, help="only pathways in this phase")
    pathways.add_argument("--escalated", action="store_true", help="only escalated pathways")
    pathways.add_argument("--vardcentral", type=_hsa_id, metavar="HSA-ID", help="only this VC's patients")
    add_json(pathways)
    add_paging(pathways, "pathways")
    pathways.set_defaults(handler=sync_handler(pathways_action), action=pathways_action)

    tasks = commands.add_parser(
        "tasks",
        help="open extension reviews and handover acceptances, soonest due first",
        description="Coordinators' open tasks, soonest due first; overdue ones are marked.",
    )
    tasks.add_argument("--overdue", action="store_true", help="only tasks already past their due time")
    add_json(tasks)
    add_paging(tasks, "tasks")
    tasks.set_defaults(handler=sync_handler(tasks_action), action=tasks_action)
