"""From the read model to the report's files. ``report_html`` is what a web route calls for the page."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from discharge.i18n import N_, gettext as _
from discharge.readmodel.store import ReadModel
from discharge.report import html, plots
from discharge.report.indicators import Indicators, compute
from discharge.units import UnitDirectory

TITLE = N_("Läkarinsatser i hemmet: follow-up of the physician support after discharge")


@dataclass(frozen=True)
class Report:
    indicators: Indicators
    html: str

    def csv(self, groups: str) -> str:
        rows = [g.row() for g in (self.indicators.by_month if groups == "month" else self.indicators.by_vc)]
        buffer = io.StringIO()
        columns = list(self.indicators.total.row())
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        writer.writerow(self.indicators.total.row())
        return buffer.getvalue()

    def json(self) -> str:
        return json.dumps(self.indicators.as_json(), indent=2, ensure_ascii=False) + "\n"


def build_report(
    store: ReadModel,
    *,
    period_from: date | None = None,
    period_to: date | None = None,
    now: datetime | None = None,
    readmission_window: timedelta = timedelta(days=30),
    directory: UnitDirectory | None = None,
) -> Report:
    """The report in the current language (discharge/i18n.py), units named from ``directory``."""
    indicators = compute(
        store.pathways(),
        store.escalations(),
        store.experiences(),
        period_from=period_from,
        period_to=period_to,
        now=now or datetime.now(UTC),
        readmission_window=readmission_window,
        deliveries=store.deliveries(),
    )
    page = html.render(
        indicators, plots.all_figures(indicators), title=_(TITLE), directory=directory or UnitDirectory()
    )
    return Report(indicators, page)


def report_html(
    store: ReadModel,
    *,
    period_from: date | None = None,
    period_to: date | None = None,
    readmission_window: timedelta = timedelta(days=30),
    directory: UnitDirectory | None = None,
) -> str:
    """The whole report page as one HTML string (for the coordinators' web page to serve as it is)."""
    return build_report(
        store,
        period_from=period_from,
        period_to=period_to,
        readmission_window=readmission_window,
        directory=directory,
    ).html


FILES = ("report.html", "indicators_by_month.csv", "indicators_by_vardcentral.csv", "indicators.json")


def write_report(report: Report, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    contents = (report.html, report.csv("month"), report.csv("vc"), report.json())
    written = []
    for name, content in zip(FILES, contents, strict=True):
        (out / name).write_text(content, encoding="utf-8")
        written.append(out / name)
    return written
