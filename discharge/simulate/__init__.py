"""`discharge simulate`: what load LMV carries if the discharges, the high-risk share or the support change.

Synthetic patients (``patients``) are driven through the pathway's own rules (``workflows.rules``) with
the pathway's own policy arithmetic (``workflows.policy``) by ``engine``, the way the workflow drives
them: events in clinical time, deadlines when they fall due. ``results`` turns the traces into the LMV
census per day, reviews and handovers per week and escalations by reason, with a CSV and a plot.
"""
