"""The FHIR door's benchmark: answer times at 10,000 open pathways (issue 23: p95 under 100 ms).

    python bench/fhir.py [--open 10000] [--closed 5000] [--searches 1000] [--concurrency 1] [--url URL]

Seeds a read model directly (``care_episodes`` and ``care_tasks`` rows, as `discharge readmodel` writes them
from the outbound events): ``--open`` running pathways (a third inpatient, the rest in LMV support, each
fifth with the coordinator's review open) and ``--closed`` finished ones; SQLite in a temporary data dir
unless ``--url`` names another (``postgresql://...``). Then it starts `discharge fhir` as its own process,
as `discharge dev` does, and asks it over HTTP with the development reader's token:

* ``EpisodeOfCare?patient.identifier=<OID>|<personnummer>`` for random patients (each one an access-log
  line, fsynced, before the answer: part of what is measured);
* ``Task?status=requested`` (the first page of open tasks) and ``EpisodeOfCare?status=active&_count=20``;

and prints p50/p95/p99 (ms) of each and the searches per second. docs/benchmarks.md has the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from discharge.bearer import write_dev_tokens
from discharge.readmodel.care import care_episodes, care_tasks, resource_id, task_id
from discharge.readmodel.store import ReadModel
from events.identity import OID_PERSONNUMMER, luhn_check_digit, parse_identity, patient_key
from workers.stack.servers import free_port

SECRET = "bench-fhir-secret"
LMV_UNIT = "SE2321000131-E000000000200"
HOSPITAL_UNIT = "SE2321000131-E000000000020"
VCS = [f"SE2321000131-E0000000001{n:02d}" for n in range(30)]


def personnummer(n: int) -> str:
    """The n-th synthetic personnummer (a real date, a serial that is not 000, a valid check digit)."""
    born = date(1930, 1, 1) + timedelta(days=n % 20000)
    serial = 1 + n // 20000 * 7 % 999
    nine = f"{born:%y%m%d}{serial:03d}"
    return f"{born:%Y%m%d}{serial:03d}{luhn_check_digit(nine)}"


def seed(store: ReadModel, open_count: int, closed_count: int) -> list[str]:
    """Rows for ``open_count`` running and ``closed_count`` finished pathways; their personnummer."""
    now = datetime.now(UTC)
    patients, episodes, tasks = [], [], []
    for n in range(open_count + closed_count):
        number = personnummer(n)
        patients.append(number)
        key = patient_key(parse_identity(number), SECRET)
        pathway = f"{key}/ep-{n}"
        started = now - timedelta(days=random.uniform(0, 20))
        closed = n >= open_count
        phase = "closed" if closed else ("inpatient" if n % 3 == 0 else "lmv_support")
        discharged = None if phase == "inpatient" else started + timedelta(days=1)
        episodes.append(
            dict(
                pathway_key=pathway,
                resource_id=resource_id(pathway),
                patient_key=key,
                episode_id=f"ep-{n}",
                phase=phase,
                started_at=started,
                discharged_at=discharged,
                support_ends_at=discharged + timedelta(days=14) if discharged else None,
                hospital_unit=HOSPITAL_UNIT,
                lmv_unit=LMV_UNIT,
                listed_vardcentral=VCS[n % len(VCS)],
                outcome="completed" if closed else None,
                closed_at=now if closed else None,
                updated_at=now,
            )
        )
        if phase == "lmv_support" and n % 5 == 1:
            tasks.append(
                dict(
                    task_id=task_id(f"review-{n}"),
                    pathway_key=pathway,
                    kind="extension_review",
                    owner=None,
                    status="requested",
                    requested_at=now,
                    due_at=now + timedelta(days=random.uniform(0, 3)),
                )
            )
    with store.engine.begin() as conn:
        conn.execute(care_episodes.insert(), episodes)
        conn.execute(care_tasks.insert(), tasks)
    return patients[:open_count]


def percentiles(samples: list[float]) -> str:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return f"p50 {cuts[49]:.1f} ms  p95 {cuts[94]:.1f} ms  p99 {cuts[98]:.1f} ms"


async def measure(client: httpx.AsyncClient, urls: list[str], concurrency: int) -> tuple[list[float], float]:
    """Each URL once, ``concurrency`` at a time; the answer times (ms) and the wall time (s)."""
    queue = list(reversed(urls))
    times: list[float] = []

    async def one_by_one() -> None:
        while queue:
            url = queue.pop()
            started = time.perf_counter()
            response = await client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{response.status_code} for a search: {response.text[:300]}")

    wall = time.perf_counter()
    await asyncio.gather(*(one_by_one() for _ in range(concurrency)))
    return times, time.perf_counter() - wall


async def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            if process.poll() is not None:
                raise SystemExit("discharge fhir exited before it was ready")
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("discharge fhir was not ready within 30 s")


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-fhir-") as directory:
        data = Path(directory)
        url = args.url or f"sqlite:///{data / 'readmodel.db'}"
        store = ReadModel(url).create()
        started = time.perf_counter()
        patients = seed(store, args.open, args.closed)
        seconds = time.perf_counter() - started
        print(f"seeded {args.open} open and {args.closed} closed pathways in {seconds:.1f} s")
        token = write_dev_tokens(data)["fhir-reader"].read_text().strip()
        address = f"127.0.0.1:{free_port()}"
        env: dict[str, Any] = {
            **os.environ,
            "DISCHARGE_DEVELOPMENT": "true",
            "DISCHARGE_DATA_DIR": str(data),
            "DISCHARGE_READMODEL_URL": url,
            "DISCHARGE_FHIR_ADDRESS": address,
            "DISCHARGE_PATIENT_KEY_SECRET": SECRET,
            "DISCHARGE_LOG_FORMAT": "json",
        }
        server = subprocess.Popen(  # noqa: ASYNC220 (started once, before anything is measured)
            [sys.executable, "-m", "discharge.cli.main", "fhir"], env=env, stdout=subprocess.DEVNULL
        )
        try:
            await wait_ready(f"http://{address}/readyz", server)
            base = f"http://{address}/fhir/R4"
            headers = {"Authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(headers=headers, timeout=30) as client:
                await measure(client, [f"{base}/metadata"] * 20, 1)  # warm up
                identity = [
                    f"{base}/EpisodeOfCare?patient.identifier=urn:oid:{OID_PERSONNUMMER}|{random.choice(patients)}"
                    for _ in range(args.searches)
                ]
                listings = {
                    "Task?status=requested": [f"{base}/Task?status=requested"] * max(50, args.searches // 10),
                    "EpisodeOfCare?status=active": [f"{base}/EpisodeOfCare?status=active&_count=20"]
                    * max(50, args.searches // 10),
                }
                times, wall = await measure(client, identity, args.concurrency)
                print(
                    f"EpisodeOfCare?patient.identifier  {percentiles(times)}  "
                    f"{len(times) / wall:.0f}/s at concurrency {args.concurrency}"
                )
                for name, urls in listings.items():
                    times, wall = await measure(client, urls, args.concurrency)
                    print(f"{name:<34} {percentiles(times)}  {len(times) / wall:.0f}/s")
        finally:
            server.terminate()
            server.wait(timeout=30)
            store.close()
        lines = sum(1 for _ in (data / "audit.jsonl").open())
        print(f"access-log lines written: {lines}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--closed", type=int, default=5_000)
    parser.add_argument("--searches", type=int, default=1_000)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--url", help="the read model's database (default: SQLite in a temporary dir)")
    parser.add_argument("--seed", type=int, default=23)
    args = parser.parse_args()
    random.seed(args.seed)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
