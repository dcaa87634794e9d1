"""The follow-up indicators' read model: each pathway's facts, projected from the outbound stream.

``schema`` declares the tables (SQLAlchemy Core: the same code on SQLite and PostgreSQL), ``projection``
turns one outbound CloudEvent into the facts it carries (pure), ``store`` applies them idempotently by
CloudEvent id. The consumer process that feeds it is ``workers/readmodel.py``. No identity here: a
pathway is known by ``patient_key`` and ``episode_id`` only.
"""
