"""The coordinators' web page (`discharge web`): inbox, patient, decisions, pathways and the audit log.

Server-rendered (Starlette + Jinja2, plain forms, a few lines of our own JavaScript for live updates),
sign-in with OpenID Connect, every asset in this package. See docs/coordinators.md.
"""
