"""Bulk screening: the KB's rules compiled to SQL over flattened fact tables.

- :mod:`spinecare.bulk.facts`: FHIR resources (or records) -> fact tables, with the
  reader's converters and the KB's code index (so facts mean what the engine reads);
- :mod:`spinecare.bulk.compile`: the KB's rule expressions -> one SQL query, with SQL's
  NULL as UNKNOWN (DuckDB and Spark SQL dialects);
- :mod:`spinecare.bulk.duckdb`: flatten an export in parallel to Parquet and run the
  query on DuckDB (embedded, out of core);
- :mod:`spinecare.bulk.spark`: the same query on Apache Spark, the export read on the
  executors;
- :mod:`spinecare.bulk.summary`: counts per verdict and concept.
"""
