"""Bulk screening on Apache Spark: the same compiled rules, Spark SQL dialect.

Fact tables come from the same flattener as DuckDB's (Parquet parts, written in
parallel); Spark reads them and runs the query compiled for Spark SQL. ``--spark-master``
points at a cluster (``spark://host:7077``); the default is ``local[*]``. On a cluster,
the working folder (``workdir``) must be on storage every executor can read.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

from spinecare.bulk.compile import compile_screening
from spinecare.bulk.duckdb import (
    BulkResult,
    bulk_result,
    connect,
    output_format,
    write_results,
)
from spinecare.bulk.facts import TABLES, Flattener
from spinecare.bulk.flatten import flatten_export
from spinecare.kb.loader import KB
from spinecare.record.model import PatientRecord

SPARK_TYPES = {"string": "STRING", "date": "DATE", "double": "DOUBLE", "int64": "BIGINT"}


def schema_ddl(table: str) -> str:
    return ", ".join(f"{name} {SPARK_TYPES[kind]}" for name, kind in TABLES[table])


def get_session(
    master: str | None = None, app_name: str = "spinecare-bulk", *, small: bool = False
) -> Any:
    """A SparkSession (``local[*]`` unless ``master`` names a cluster).

    ``small``: tuned for tiny inputs (tests): one shuffle partition, no adaptive planning.
    """
    import os

    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(master or "local[*]").appName(app_name)
    if master is None or master.startswith("local"):
        # local mode stays on loopback (Spark would otherwise bind the host's interface)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = builder.config("spark.driver.host", "127.0.0.1").config(
            "spark.driver.bindAddress", "127.0.0.1"
        )
    builder = (
        builder.config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    )
    if small:
        builder = (
            builder.config("spark.sql.shuffle.partitions", "1")
            .config("spark.sql.adaptive.enabled", "false")
            .config("spark.default.parallelism", "2")
        )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def register_rows(spark: Any, rows: dict[str, list[Any]]) -> None:
    for table in TABLES:
        frame = spark.createDataFrame(rows.get(table, []), schema=schema_ddl(table))
        frame.createOrReplaceTempView(table)


def register_parquet(spark: Any, folder: Path) -> None:
    for table in TABLES:
        parts = sorted((folder / table).glob("*.parquet"))
        if parts:
            frame = spark.read.schema(schema_ddl(table)).parquet(*[str(p) for p in parts])
            if table == "patients":
                frame = frame.distinct()
        else:
            frame = spark.createDataFrame([], schema=schema_ddl(table))
        frame.createOrReplaceTempView(table)


def run_steps(spark: Any, compiled: Any) -> Any:
    """The compiled steps as temp views; the per-patient rule table is checkpointed so
    Spark's optimiser does not inline the large rule expressions into every use."""
    frame = None
    for name, sql in compiled.steps:
        frame = spark.sql(sql)
        if name in ("leaves", "rules_t"):
            frame = frame.localCheckpoint()
        frame.createOrReplaceTempView(name)
    return frame


def screen_records_spark(
    spark: Any, records: Iterable[PatientRecord], kb: KB, as_of: date
) -> dict[str, dict[str, Any]]:
    """Screen records in memory on Spark: patient id -> output row."""
    flattener = Flattener(kb)
    for record in records:
        flattener.add_record(record)
    rows = flattener.take()
    register_rows(spark, rows)
    compiled = compile_screening(kb, as_of, "spark", clearances=bool(rows["clearances"]))
    out = {}
    for row in run_steps(spark, compiled).collect():
        data = row.asDict()
        out[data["patient_id"]] = data
    return out


def screen_export_spark(
    folder: Path,
    out: Path | None,
    kb: KB,
    as_of: date,
    *,
    strict: bool = False,
    master: str | None = None,
    workers: int | None = None,
    workdir: Path | None = None,
    progress: Callable[[int], None] | None = None,
    spark: Any = None,
) -> BulkResult:
    """Screen a Bulk export on Spark; the output file and summary as for DuckDB."""
    if out is not None:
        output_format(out)  # refuse an unknown output suffix before any work
    scratch = Path(tempfile.mkdtemp(prefix="spinecare-spark-", dir=workdir))
    try:
        started = time.perf_counter()
        flat = flatten_export(
            folder, scratch / "facts", kb, strict=strict, workers=workers, progress=progress
        )
        session = spark or get_session(master)
        t_sql = time.perf_counter()
        register_parquet(session, scratch / "facts")
        compiled = compile_screening(kb, as_of, "spark", clearances=False)
        results = scratch / "results"
        run_steps(session, compiled).write.mode("overwrite").parquet(str(results))
        sql_seconds = time.perf_counter() - t_sql
        con = connect()
        con.execute(
            f"CREATE TEMP TABLE results AS SELECT * FROM read_parquet('{results}/*.parquet')"
        )
        if out is not None:
            write_results(con, out)
        return bulk_result(con, out, flat, sql_seconds, started, "spark", as_of)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
