"""A server killed (SIGKILL) in the middle of writes leaves an audit chain that holds:
each entry is written in the transaction of the change it records."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from sqlalchemy import func, select

WRITER = textwrap.dedent(
    """
    import sys
    from spinecare.clinic.audit import record
    from spinecare.clinic.accounts import create_user, get_or_create_clinic
    from spinecare.store.db import open_database
    from spinecare.store.models import PatientRow

    db = open_database(sys.argv[1], schema=sys.argv[2] or None)
    with db.session() as session:
        clinic = get_or_create_clinic(session, "Clinic K")
        user = create_user(session, clinic=clinic, username="kim", password="store-pass-1",
                           role="therapist")
    n = 0
    while True:
        with db.session() as session:
            from datetime import UTC, datetime
            now = datetime.now(UTC)
            session.add(PatientRow(clinic_id=clinic.id, name=f"P{n}", external_id=f"k{n}",
                                   created_at=now, updated_at=now))
            for i in range(3):
                record(session, user, "create", "patient", f"{n}.{i}")
        n += 1
    """
)


def test_a_killed_writer_leaves_a_chain_that_holds(db_target) -> None:
    from spinecare.clinic.audit import verify
    from spinecare.store.db import open_database
    from spinecare.store.models import AuditEntry

    url, schema = db_target
    db = open_database(url, schema=schema)
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, url, schema or ""],
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    try:
        count = 0
        for _ in range(6000):  # until the writer has committed a good many entries
            with db.session() as session:
                count = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
            if count >= 60 or process.poll() is not None:
                break
            time.sleep(0.01)
        assert process.poll() is None, "the writer stopped on its own"
        assert count >= 60
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        with db.session() as session:
            report = verify(session)
        assert report.intact, report
        assert report.checked >= 60
        assert report.checked % 3 == 0  # whole transactions only
    finally:
        if process.poll() is None:
            process.kill()
        db.dispose()
