"""Storage of the clinic app: SQLAlchemy 2 on SQLite (default, WAL) or PostgreSQL.

Public functions other adapters may call live in :mod:`spinecare.clinic.patients`
(patients, intakes, screening on read, clearance workflow, audit) and
:mod:`spinecare.store.db` (:func:`open_database`, :func:`migrate`).
"""
