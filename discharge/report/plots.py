"""The report's figures: matplotlib (Agg, no display) to inline SVG with real text.

Every bar that stands for few patients carries its count, and every share is drawn with "k of n",
so a planner never reads 100 % where one patient of one was meant.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display on a server or in CI

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from discharge.i18n import gettext as _
from discharge.report.indicators import FIRST_CONTACT_TARGET_HOURS, Indicators

plt.rcParams.update(
    {
        "svg.fonttype": "none",  # text stays text: smaller files, selectable in the page
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
    }
)
DISCHARGED, LMV, READMITTED, WITHIN, AFTER, VC = (
    "#9aa5b1",
    "#1f6fb2",
    "#c0392b",
    "#2e8b57",
    "#e67e22",
    "#6c5ce7",
)


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog: the SVG sits inside the HTML


def _figure() -> tuple[Figure, Axes]:
    figure, axes = plt.subplots(figsize=(11, 3.4))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # patients and visits are whole
    return figure, axes


def _months_axis(ax: Axes, count: int) -> None:
    """Room for at least six months, so that one or two months of data do not draw one huge bar."""
    ax.set_xlim(-0.75, max(count, 6) - 0.25)


def discharges_and_enrolments(ind: Indicators) -> str:
    months = [g.name for g in ind.by_month]
    figure, ax = _figure()
    x = range(len(months))
    bars = ax.bar(
        [i - 0.2 for i in x],
        [g.discharged for g in ind.by_month],
        0.4,
        label=_("discharged"),
        color=DISCHARGED,
    )
    enrolled = ax.bar(
        [i + 0.2 for i in x],
        [g.lmv_enrolled for g in ind.by_month],
        0.4,
        label=_("enrolled in LMV"),
        color=LMV,
    )
    ax.bar_label(bars, fontsize=8)
    ax.bar_label(enrolled, fontsize=8)
    ax.set_xticks(list(x), months)
    _months_axis(ax, len(months))
    ax.set_ylabel(_("patients"))
    ax.set_title(_("Discharged patients and LMV enrolments, by month of discharge"))
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _svg(figure)


def readmission_share(ind: Indicators) -> str:
    groups = [g for g in ind.by_month if g.discharged]
    figure, ax = _figure()
    shares = [100 * g.readmitted / g.discharged for g in groups]
    x = list(range(len(groups)))
    ax.plot(x, shares, marker="o", color=READMITTED)
    ax.set_xticks(x, [g.name for g in groups])
    _months_axis(ax, len(x))
    for i, g, value in zip(x, groups, shares, strict=True):
        label = _("%(part)s of %(whole)s") % {"part": g.readmitted, "whole": g.discharged}
        if g.readmission_window_open:
            label += "\n" + _("(%(open)s still in window)") % {"open": g.readmission_window_open}
        ax.annotate(label, (i, value), textcoords="offset points", xytext=(0, 8), ha="center", fontsize=8)
    ax.set_ylim(0, max([*shares, 10]) * 1.35)
    ax.set_ylabel(_("% of that month's discharges"))
    ax.set_title(_("Unplanned readmissions within 30 days, by month of discharge"))
    return _svg(figure)


def time_to_first_contact(ind: Indicators) -> str:
    hours = ind.total.contact_hours
    figure, ax = _figure()
    top = max([*hours, FIRST_CONTACT_TARGET_HOURS * 2])
    step = 4.0
    bins = [i * step for i in range(int(top // step) + 2)]
    counts, _edges, patches = ax.hist(hours, bins=bins, color=LMV, edgecolor="white")
    assert isinstance(patches, BarContainer)  # one data set: one container of bars
    ax.bar_label(patches, labels=[str(int(c)) if c else "" for c in counts], fontsize=8)
    ax.axvline(FIRST_CONTACT_TARGET_HOURS, color=READMITTED, linestyle="--")
    ax.annotate(
        _("target: 24 h"),
        (FIRST_CONTACT_TARGET_HOURS, 0),
        xytext=(4, 4),
        textcoords="offset points",
        color=READMITTED,
        fontsize=8,
    )
    ax.set_xlabel(_("hours from discharge to the first LMV physician contact"))
    ax.set_ylabel(_("patients"))
    ax.set_title(_("Time to first LMV physician contact (%(count)s patients)") % {"count": len(hours)})
    return _svg(figure)


def handovers(ind: Indicators) -> str:
    months = [g.name for g in ind.by_month]
    within = [g.handed_over_within_period for g in ind.by_month]
    after = [g.handed_over_after_period for g in ind.by_month]
    figure, ax = _figure()
    x = list(range(len(months)))
    a = ax.bar(x, within, 0.6, color=WITHIN, label=_("within 14 days"))
    b = ax.bar(x, after, 0.6, bottom=within, color=AFTER, label=_("after 14 days (extended)"))
    ax.set_xticks(x, months)
    _months_axis(ax, len(months))
    ax.bar_label(
        a, labels=[str(v) if v else "" for v in within], label_type="center", fontsize=8, color="white"
    )
    ax.bar_label(b, labels=[str(v) if v else "" for v in after], label_type="center", fontsize=8)
    ax.set_ylabel(_("patients handed over"))
    ax.set_title(_("Handed over from LMV to the vårdcentral, by month of discharge"))
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _svg(figure)


def vc_visits(ind: Indicators) -> str:
    figure, ax = _figure()
    x = list(range(len(ind.by_month)))
    bars = ax.bar(x, [g.vc_physician_visits for g in ind.by_month], 0.6, color=VC)
    ax.set_xticks(x, [g.name for g in ind.by_month])
    _months_axis(ax, len(x))
    ax.bar_label(bars, fontsize=8)
    ax.set_ylabel(_("physician contacts"))
    ax.set_title(_("Vårdcentral physician contacts with discharged patients, by month of discharge"))
    return _svg(figure)


def experience(ind: Indicators) -> str:
    distribution = ind.experience_distribution
    figure, ax = _figure()
    bars = ax.bar([str(s) for s in distribution], list(distribution.values()), color=LMV)
    ax.bar_label(bars, fontsize=8)
    ax.set_xlabel(_("score (1 = very poor, 5 = very good)"))
    ax.set_ylabel(_("answers"))
    ax.set_title(
        _("The patients' own experience of the support (%(count)s answers)")
        % {"count": sum(distribution.values())}
    )
    return _svg(figure)


def all_figures(ind: Indicators) -> dict[str, str]:
    """Each figure's SVG by id; none when there is nothing to draw."""
    if not ind.total.discharged:
        return {}
    return {
        "discharges": discharges_and_enrolments(ind),
        "readmissions": readmission_share(ind),
        "first_contact": time_to_first_contact(ind),
        "handovers": handovers(ind),
        "vc_visits": vc_visits(ind),
        "experience": experience(ind),
    }
