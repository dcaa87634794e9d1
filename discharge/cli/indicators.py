"""`discharge readmodel`, `discharge report`, `discharge simulate`: the follow-up indicators (issue 15).

Registered by ``discharge.cli.main`` with one call; the modules behind them are imported inside the
handlers, so `discharge --help` stays fast (matplotlib and SQLAlchemy load only when used).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import time
from datetime import date
from pathlib import Path
from typing import Any

from discharge.cli.plumbing import UsageError, command_handler, command_settings
from discharge.i18n import DEFAULT_LANGUAGE, LANGUAGES, language


def register(commands: argparse._SubParsersAction[Any]) -> None:
    readmodel = commands.add_parser(
        "readmodel",
        help="feed the indicators' read model from the outbound stream (long-running; production)",
        description=(
            "A durable JetStream consumer of DISCHARGE_OUTBOUND (discharge.>) into the read model: "
            "SQLite in DISCHARGE_DATA_DIR, or DISCHARGE_READMODEL_URL (postgresql://...). Idempotent by "
            "CloudEvent id; resumes where it stopped. `discharge dev` starts it too. Stops on SIGTERM."
        ),
    )
    readmodel.set_defaults(handler=run_readmodel_command)

    report = commands.add_parser(
        "report",
        help="the follow-up indicators as one HTML file with plots, plus CSV and JSON",
        description=(
            "The seven indicators of the pathway's follow-up (seed 003), for the patients discharged "
            "in the period, by month and by listed VC, from the read model."
        ),
    )
    report.add_argument(
        "--from",
        dest="period_from",
        type=date.fromisoformat,
        metavar="DATE",
        help="first day of discharge (YYYY-MM-DD); default: the first discharge",
    )
    report.add_argument(
        "--to",
        dest="period_to",
        type=date.fromisoformat,
        metavar="DATE",
        help="last day of discharge (YYYY-MM-DD); default: today",
    )
    report.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="where to write report.html, the CSVs and JSON; default: DISCHARGE_DATA_DIR/report",
    )
    report.add_argument(
        "--language",
        choices=LANGUAGES,
        default=DEFAULT_LANGUAGE,
        help="the report's language (default: sv); units are named from DISCHARGE_UNIT_DIRECTORY",
    )
    report.set_defaults(handler=run_report)

    simulate = commands.add_parser(
        "simulate",
        help="capacity simulation through the pathway's own rules: LMV census per day, plot, CSV",
        description=(
            "Synthetic discharges driven through the pathway's own rules and policy (the region's policy "
            "file with its calendar, and the DISCHARGE_* settings), day by day. Prints the LMV census's "
            "peak and 95th percentile; writes census_per_day.csv, per_week.csv, escalations.csv, "
            "escalations_by_hour_of_week.csv, summary.json and simulation.png."
        ),
    )
    from discharge.simulate.params import SimulationParams

    d = SimulationParams()
    options: list[tuple[str, Any, Any, str]] = [
        ("--days", int, d.days, "days of discharges"),
        ("--discharges-per-day", float, d.discharges_per_day, "mean discharges per day"),
        ("--high-risk-share", float, d.high_risk_share, "share judged at high risk (LMV support)"),
        ("--seed", int, d.seed, "random seed: the same seed gives the same figures"),
        ("--start", date.fromisoformat, d.start, "first day of discharge (YYYY-MM-DD)"),
        ("--support-days", int, d.support_days, "LMV support period in days"),
        ("--extension-rate", float, d.extension_rate, "share of LMV patients extended once at review"),
        ("--extension-days", int, d.extension_days, "days an extension adds (1-14)"),
        ("--readmission-rate", float, d.readmission_rate, "share readmitted unplanned within the window"),
        ("--vc-acceptance-hours", float, d.vc_acceptance_hours, "mean hours until the VC accepts a handover"),
        ("--first-contact-hours", float, d.first_contact_hours, "mean hours to LMV's first contact"),
        ("--planning-confirm-hours", float, d.planning_confirm_hours, "mean hours to confirm joint planning"),
        ("--review-decision-hours", float, d.review_decision_hours, "mean hours from review to decision"),
        ("--vc-contacts-per-patient", float, d.vc_contacts_per_patient, "mean VC physician contacts"),
        ("--concerns-per-patient", float, d.concerns_per_patient, "mean municipal concerns, at any hour"),
        ("--warm-up-days", int, d.warm_up_days, "first days left out of the peak and percentile"),
        ("--workers", int, d.workers, "processes (0: one per CPU)"),
    ]
    for flag, kind, default, text in options:
        simulate.add_argument(flag, type=kind, default=default, help=f"{text} (default: {default})")
    simulate.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="where to write the CSVs and the plot; default: DISCHARGE_DATA_DIR/simulation",
    )
    simulate.set_defaults(handler=run_simulate)


@command_handler("discharge readmodel")
def run_readmodel_command(args: argparse.Namespace) -> int:
    from discharge.logging import configure_logging
    from workers.readmodel import run_readmodel

    settings = command_settings()
    configure_logging("readmodel", settings.discharge_log_format, settings.discharge_log_level)

    async def serve() -> None:
        task = asyncio.create_task(run_readmodel(settings))
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel)
        try:
            await task
        except asyncio.CancelledError:
            pass

    asyncio.run(serve())
    return 0


@command_handler()
def run_report(args: argparse.Namespace) -> int:
    from discharge.readmodel.store import ReadModel
    from discharge.report.build import build_report, write_report
    from discharge.settings_policy import policy_from_settings
    from discharge.units import load_unit_directory

    settings = command_settings()
    # The region's policy file's window, as the pathways count it (an environment setting overrides it).
    readmission_window = policy_from_settings(settings).readmission_window
    store = ReadModel.from_settings(settings).create()
    try:
        with language(args.language):
            report = build_report(
                store,
                period_from=args.period_from,
                period_to=args.period_to,
                readmission_window=readmission_window,
                directory=load_unit_directory(settings.discharge_unit_directory),
            )
    finally:
        store.close()
    out = args.out or settings.discharge_data_dir / "report"
    for path in write_report(report, out):
        print(path)
    total = report.indicators.total
    print(f"{total.discharged} discharged, {total.lmv_enrolled} enrolled in LMV; open {out / 'report.html'}")
    return 0


@command_handler()
def run_simulate(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from discharge.simulate.engine import simulation_policy
    from discharge.simulate.params import SimulationParams
    from discharge.simulate.results import aggregate, write_outputs
    from discharge.simulate.run import simulate

    settings = command_settings()
    fields = {name: getattr(args, name) for name in SimulationParams.__dataclass_fields__}
    params = SimulationParams(**fields)
    if not 1 <= params.extension_days <= 14:
        raise UsageError("--extension-days must be between 1 and 14")
    policy = simulation_policy(params, settings)
    console = Console(stderr=True)
    started = time.perf_counter()
    with Progress(
        TextColumn("simulating discharges"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("days"),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task("days", total=params.days)
        summaries = simulate(params, policy, progress=lambda days: progress.advance(task, days))
    result = aggregate(params, policy, summaries)
    result.elapsed_seconds = time.perf_counter() - started
    out = args.out or settings.discharge_data_dir / "simulation"
    written = write_outputs(result, out)
    _print_summary(result)
    for path in written:
        print(path)
    return 0


def _print_summary(result: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    summary = result.summary()
    table = Table(title="Capacity simulation", show_header=False)
    rows = [
        ("discharges", f"{result.pathways:,}"),
        ("enrolled in LMV", f"{result.lmv_enrolled:,}"),
        ("readmitted (unplanned)", f"{result.readmitted:,}"),
        ("LMV census, peak", str(result.peak)),
        ("LMV census, 95th percentile", str(result.p95)),
        ("LMV census, mean", str(result.mean)),
        ("extension reviews per week (mean)", str(summary["reviews_per_week_mean"])),
        ("handovers per week (mean)", str(summary["handovers_per_week_mean"])),
    ]
    rows += [(f"escalations: {reason}", f"{n:,}") for reason, n in result.escalations.items()]
    rows += [
        ("escalations out of office hours", f"{summary['escalations_out_of_office_hours']:,}"),
        ("concerns routed to the on-call unit", f"{summary['concerns_routed_to_oncall']:,}"),
    ]
    rows.append(("elapsed", f"{result.elapsed_seconds:.1f} s"))
    for name, value in rows:
        table.add_row(name, value)
    Console().print(table)
