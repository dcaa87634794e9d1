"""The pathway benchmark's figures and how they are printed (the last line: ``pathway ratio: X.XX``)."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field

from events.examples import EVENTS_PER_PATHWAY


@dataclass
class Figures:
    patients: int = 0
    bare_rate: float = 0.0
    floor_rate: float = 0.0
    end_to_end_rate: float = 0.0
    outbound_per_pathway: float = 0.0
    dead_letters: int = 0
    load: list[str] = field(default_factory=list)
    sizes: list[tuple[int, dict[str, float], dict[str, float], float]] = field(default_factory=list)
    listing: tuple[int, dict[str, float]] | None = None
    #: Per phase ("bare", "floor", "end to end"): each process's CPU milliseconds per event.
    cpu: dict[str, dict[str, float]] = field(default_factory=dict)
    #: Inbound stored -> delivery stored (bench/delivery_latency.py): p50 s, p99 s, deliveries timed.
    delivery: tuple[float, float, int] = (0.0, 0.0, 0)
    #: History events per inbound event of one run, "floor" and "pathway" (`history_events_per_event`).
    history: dict[str, float] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.end_to_end_rate / self.bare_rate if self.bare_rate else 0.0

    def lines(self) -> list[str]:
        lines = [
            f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
            f"load average during the run: {', '.join(self.load)}",
            f"pathways: {self.patients} x {EVENTS_PER_PATHWAY} events; outbound events per pathway: "
            f"{self.outbound_per_pathway:.1f}; dead letters: {self.dead_letters}",
        ]
        for size, rss, cli, rate in self.sizes:
            lines.append(
                f"at {size} open pathways (grown at {rate:.1f} events/s): RSS MB "
                + ", ".join(f"{name} {mb:.0f}" for name, mb in rss.items())
                + "; CLI s "
                + ", ".join(f"{name} {seconds:.2f}" for name, seconds in cli.items())
            )
        if self.listing is not None:
            size, cli = self.listing
            lines.append(
                f"listing at {size} running pathways (idle runs beyond the real ones): CLI s "
                + ", ".join(f"{name} {seconds:.2f}" for name, seconds in cli.items())
            )
        for phase, per_process in self.cpu.items():
            lines.append(
                f"CPU ms per event, {phase}: {sum(per_process.values()):.1f} = "
                + ", ".join(f"{name} {ms:.1f}" for name, ms in per_process.items() if ms >= 0.05)
            )
        if self.history:
            lines.append(
                "history events per inbound event: "
                + ", ".join(f"{run} {events:.1f}" for run, events in self.history.items())
            )
        lines += [
            f"end to end: {self.end_to_end_rate:.1f} events/s (publish -> last outbound event stored)",
            f"delivery latency: p50 {self.delivery[0] * 1000:.0f} ms, p99 {self.delivery[1] * 1000:.0f} ms "
            f"({self.delivery[2]} deliveries to the LMV unit; inbound stored -> delivery stored)",
            f"floor: {self.floor_rate:.1f} events/s (a do-nothing workflow, one workflow task per event; "
            f"end to end / floor: {self.end_to_end_rate / self.floor_rate if self.floor_rate else 0:.2f})",
            f"bare signal-with-start: {self.bare_rate:.1f} events/s (same server, no worker)",
            f"pathway ratio: {self.ratio:.2f}",
        ]
        return lines
