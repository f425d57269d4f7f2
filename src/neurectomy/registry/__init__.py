"""The case registry: patients (pseudonymous), cases, plans, procedures performed and outcomes over time.

SQLAlchemy 2 models (:mod:`.models`) with Alembic migrations (``migrations/``), SQLite by default in the user data
directory and PostgreSQL via ``NEURECTOMY_DATABASE_URL`` (:mod:`.db`); users, roles and institution scoping
(:mod:`.auth`); every write goes through :mod:`.service`, which records who, when and what in the append-only audit
log; FHIR R4 exchange with ``fhir.resources`` R4B models (:mod:`.fhir`); outcomes vs the published evidence
(:mod:`.compare`); backup and restore (:mod:`.backup`).

This package is an edge: the core never imports it, and importing this ``__init__`` loads nothing heavy.
"""
