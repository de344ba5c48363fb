"""The run store's tables: their DDL, created on first write.

``runs``
    One row per run: id, name, status, scenario text and its SHA-256, catalog
    and package versions, start and end times (UTC), each stage's summary
    and text (JSON), and the error of a failed run.
``run_tables``
    One row per result table: run id, stage, table name, the DuckDB table that
    holds it (``t_<run>_<stage>_<name>``), rows and columns.

A change to these tables keeps old files readable: add a column with a
default in :data:`MIGRATIONS` (run in order, each idempotent) rather than
renaming one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

#: The tables every store file has (idempotent: ``IF NOT EXISTS``).
SCHEMA_DDL = """
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    name VARCHAR,
    status VARCHAR NOT NULL,
    scenario_yaml VARCHAR,
    scenario_sha256 VARCHAR,
    catalog_version VARCHAR,
    package_version VARCHAR,
    started_at TIMESTAMP,
    finished_at TIMESTAMP,
    stages VARCHAR,
    summary_json VARCHAR,
    text_json VARCHAR,
    error VARCHAR
);
CREATE TABLE IF NOT EXISTS run_tables (
    run_id VARCHAR NOT NULL,
    stage VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    duck_table VARCHAR NOT NULL,
    n_rows BIGINT,
    columns_json VARCHAR,
    PRIMARY KEY (run_id, stage, name)
);
"""

#: Statements that bring an older file up to :data:`SCHEMA_DDL`, in order.
MIGRATIONS: tuple[str, ...] = ()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the store's tables where missing and apply every migration.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A connection opened for writing.

    Returns
    -------
    None
    """
    con.execute(SCHEMA_DDL)
    for statement in MIGRATIONS:
        con.execute(statement)
