"""`discharge report`: the seven follow-up indicators of seed 003 as one HTML file, CSV and JSON.

``indicators`` computes them from the read model (pure), ``plots`` draws them (matplotlib, SVG),
``cards`` says them in the reader's language (discharge/i18n.py), ``html`` lays them out in one
self-contained page, units named from the unit directory. ``build.report_html(...)`` is the function a web
route can call to serve the same page.
"""
