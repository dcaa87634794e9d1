"""Web page benchmark: many coordinators at once on the pages, with the product as `discharge dev` runs it.

    python bench/web.py [--open 10000] [--escalated 500] [--users 50] [--duration 120] [--real 20]

Starts the embedded stack (file-backed Temporal, NATS, worker, gateway, read model, web page, dev IdP) on
free ports, seeds it (`bench/web_seed.py`: ``--open`` open pathways, ``--escalated`` of them with an open
escalation in the read model, ``--real`` full pathways through the gateway and worker whose patient pages
are opened), then runs Locust headless (`bench/web_locust.py`): ``--users`` signed-in coordinators each
refreshing the inbox every 5 s and opening a patient page every 30 s, for ``--duration`` seconds.

Meanwhile it times **event -> page**: an escalation is published on the outbound stream as the worker
publishes one, and a signed-in client refreshes the inbox until the escalation is on it.

Prints, per page, requests, failures and p50/p95/p99 (ms); the Temporal server's and the web page's CPU
milliseconds per page view; the lag (p50/p99); the load average (the machine may be shared). See
docs/benchmarks.md ("Pages").
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/web.py`: the repository root, for `bench.*`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx2

from bench.delivery_latency import percentile
from bench.pathways import embedded_stack, free_door_ports, stack_settings
from bench.pathways_measures import cpu_snapshot, load_average, rss_mb
from bench.web_seed import PROBE_VC, publish_escalations, real_pathways, seed_listing, seed_read_model
from discharge.logging import configure_logging
from discharge.readmodel.store import ReadModel
from discharge.settings import Settings
from events.identity import workflow_id_for
from workers.web.dev_idp import COORDINATOR
from workflows.api import PathwayView
from workflows.names import QUERY_STATE

LOCUSTFILE = Path(__file__).with_name("web_locust.py")
#: Users signing in per second: 50 at once made the development IdP's token endpoint time out (a storm no
#: real morning has), and their failed sign-ins then counted as slow inbox views.
SPAWN_RATE = 5
#: Seconds of CPU measured with nobody on the pages, before the load.
IDLE_WINDOW = 20.0


def progress(line: str) -> None:
    print(f"# {time.strftime('%H:%M:%S')} {line}", file=sys.stderr, flush=True)


@dataclass
class WebFigures:
    open_pathways: int = 0
    escalated: int = 0
    users: int = 0
    duration: float = 0.0
    pages: dict[str, dict[str, float]] = field(default_factory=dict)
    cpu_ms_per_view: dict[str, float] = field(default_factory=dict)
    lags: list[float] = field(default_factory=list)
    load: list[str] = field(default_factory=list)
    rss: dict[str, float] = field(default_factory=dict)
    idle_cpu: dict[str, float] = field(default_factory=dict)  # % of a core with nobody on the pages

    def lines(self) -> list[str]:
        out = [
            f"open pathways: {self.open_pathways}, escalated: {self.escalated}, users: {self.users}, "
            f"{self.duration:.0f} s; load average {' -> '.join(self.load)}"
        ]
        for name, page in sorted(self.pages.items()):
            out.append(
                f"page {name}: {page['requests']:.0f} requests, {page['failures']:.0f} failed, "
                f"p50 {page['p50']:.0f} ms, p95 {page['p95']:.0f} ms, p99 {page['p99']:.0f} ms"
            )
        for name, ms in sorted(self.cpu_ms_per_view.items()):
            idle = self.idle_cpu.get(name, 0.0)
            out.append(f"cpu per page view, {name}: {ms:.2f} ms (beyond its idle {idle:.1f} % of a core)")
        patient_views = self.pages.get("patient", {}).get("requests", 0.0)
        if "temporal" in self.cpu_ms_per_view and patient_views:
            # The inbox asks Temporal nothing: all of its busy time put on the patient pages (an upper bound).
            views = sum(page["requests"] for page in self.pages.values())
            per_patient = self.cpu_ms_per_view["temporal"] * views / patient_views
            out.append(f"cpu per patient page view, temporal: at most {per_patient:.2f} ms")
        if self.rss:
            out.append("RSS MB at the end: " + ", ".join(f"{name} {mb:.0f}" for name, mb in self.rss.items()))
        if self.lags:
            out.append(
                f"event -> page lag: p50 {percentile(self.lags, 0.5):.2f} s, "
                f"p99 {percentile(self.lags, 0.99):.2f} s ({len(self.lags)} escalations)"
            )
        return out


async def signed_in(base: str) -> httpx2.AsyncClient:
    http = httpx2.AsyncClient(base_url=base, follow_redirects=False, timeout=30)
    start = await http.get("/auth/login?next=/")
    chosen = await http.post(start.headers["location"], data={"sub": COORDINATOR.hsa_id})
    await http.get(chosen.headers["location"])
    return http


async def probe_lags(
    settings: Settings, base: str, probes: list[tuple[str, str]], spacing: float
) -> list[float]:
    """Publish each probe's escalation, then refresh the inbox until it is on the page: seconds each."""
    lags: list[float] = []
    http = await signed_in(base)
    try:
        for key, episode in probes:
            started = time.perf_counter()
            await publish_escalations(settings, [(key, episode)])
            while time.perf_counter() - started < 60:
                try:
                    page = (await http.get(f"/inbox/live?vc={PROBE_VC}")).text
                except httpx2.HTTPError:  # a connection reset under load: a refresh that did not come
                    page = ""
                if key in page:
                    lags.append(time.perf_counter() - started)
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(max(spacing - (time.perf_counter() - started), 0))
    finally:
        await http.aclose()
    return lags


async def wait_for(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 600) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if await check():
            return
        await asyncio.sleep(1)
    raise RuntimeError(f"{what}: not within {timeout:.0f} s")


def locust_stats(prefix: Path) -> dict[str, dict[str, float]]:
    pages = {}
    with Path(f"{prefix}_stats.csv").open() as stats:
        for row in csv.DictReader(stats):
            if row["Name"] in ("inbox", "patient"):
                pages[row["Name"]] = {
                    "requests": float(row["Request Count"]),
                    "failures": float(row["Failure Count"]),
                    "p50": float(row["50%"]),
                    "p95": float(row["95%"]),
                    "p99": float(row["99%"]),
                }
    return pages


async def run(args: argparse.Namespace, directory: Path) -> WebFigures:
    figures = WebFigures(users=args.users, duration=args.duration)
    async with embedded_stack(stack_settings(directory)) as stack:
        settings, client = stack.settings, stack.client
        assert client is not None
        base = f"http://{settings.discharge_web_address}"
        probes = max(int(args.duration // 4), 1)
        seeded = await seed_listing(client, args.open, args.escalated, probes)
        progress(f"{args.open} open pathways started (load {load_average()})")
        store = ReadModel.from_settings(settings)
        await asyncio.to_thread(seed_read_model, store, seeded)
        progress(f"read model seeded (load {load_average()})")
        keys = await real_pathways(settings, args.real)

        async def answered() -> bool:
            for key in keys:
                try:
                    view = await client.get_workflow_handle(workflow_id_for(key)).query(
                        QUERY_STATE, result_type=PathwayView
                    )
                except Exception:
                    return False
                if view.phase != "lmv_support":
                    return False
            return True

        await wait_for(answered, "the real pathways in LMV support")
        figures.open_pathways = args.open + args.real
        figures.escalated = len(seeded.escalated)
        progress(f"seeded; Locust for {args.duration} s (load {load_average()})")
        patients = directory / "patients.txt"
        patients.write_text("\n".join(keys))
        pids = {name: stack.children[name].pid for name in ("temporal", "web")}
        figures.load.append(load_average())
        # What the processes use with nobody on the pages (timers, polls): taken off the per-view figures.
        idle_before = cpu_snapshot(pids)
        await asyncio.sleep(IDLE_WINDOW)
        before = cpu_snapshot(pids)
        idle = {name: (before[name] - idle_before[name]) / IDLE_WINDOW for name in pids}
        locust = await asyncio.create_subprocess_exec(
            shutil.which("locust", path=str(Path(sys.executable).parent)) or "locust",
            "-f", str(LOCUSTFILE), "--headless", "--host", base, "--users", str(args.users),
            "--spawn-rate", str(SPAWN_RATE), "--run-time", f"{int(args.duration)}s", "--only-summary",
            "--csv", str(directory / "locust"),
            env={**os.environ, "BENCH_WEB_PATIENTS": str(patients), "BENCH_WEB_USER": COORDINATOR.hsa_id},
            stdout=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        lagging = asyncio.create_task(probe_lags(settings, base, seeded.probes, args.duration / probes))
        await locust.wait()
        after = cpu_snapshot(pids)
        figures.lags = await lagging
        figures.load.append(load_average())
        figures.pages = locust_stats(directory / "locust")
        figures.rss = {name: rss_mb(child.pid) for name, child in stack.children.items()}
        views = sum(page["requests"] for page in figures.pages.values()) or 1
        busy = {name: after[name] - before[name] - idle[name] * args.duration for name in pids}
        figures.cpu_ms_per_view = {name: max(busy[name], 0.0) * 1000 / views for name in pids}
        figures.idle_cpu = {name: idle[name] * 100 for name in pids}
        store.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--open", type=int, default=10_000, help="open pathways (default 10000)")
    parser.add_argument("--escalated", type=int, default=500, help="of them with an open escalation")
    parser.add_argument("--users", type=int, default=50, help="signed-in coordinators (default 50)")
    parser.add_argument("--duration", type=float, default=120, help="seconds of load (default 120)")
    parser.add_argument("--real", type=int, default=20, help="full pathways whose patient pages are opened")
    parser.add_argument("--data-dir", type=Path, help="the stack's data dir (default: a temporary one)")
    args = parser.parse_args(argv)
    configure_logging("bench", "console", "warning")
    free_door_ports()
    with tempfile.TemporaryDirectory(prefix="discharge-web-") as scratch:
        figures = asyncio.run(run(args, args.data_dir or Path(scratch)))
    for line in figures.lines():
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
