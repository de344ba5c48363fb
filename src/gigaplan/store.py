"""The run store: every run, its scenario and result tables, in one DuckDB file.

Layout of the database:

``runs``
    One row per run: id, name, status, scenario text and its SHA-256, catalog
    and package versions, start and end times (UTC), each stage's summary
    and text (JSON), and the error of a failed run.
``run_tables``
    One row per result table: run id, stage, table name, the DuckDB table that
    holds it (``t_<run>_<stage>_<name>``), rows and columns.

Atomicity: a run's tables, its ``run_tables`` rows and its ``runs`` row are
written in ONE transaction, so a reader sees a run whole or not at all; a
process killed mid-write (Ctrl-C, ``kill -9``) leaves an uncommitted
transaction that DuckDB discards when the file is next opened. DuckDB allows
one process to hold a database file at a time, so every access takes an
exclusive ``flock`` on ``<db>.lock`` first and holds the connection only for
the read or write itself (the stages run outside the lock). Two concurrent
runs therefore both land intact, one after the other.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from gigaplan._json import jsonable
from gigaplan.errors import GigaplanError, InputError

if TYPE_CHECKING:
    import duckdb

    from gigaplan.pipeline import PipelineRun

#: Environment variable that overrides the default database path.
DB_ENV = "GIGAPLAN_DB"
_RUN_ID = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$")
_RUN_REF = re.compile(r"^[0-9a-f-]{4,22}$")
_SCHEMA = """
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


def default_db_path() -> Path:
    """``$GIGAPLAN_DB``, else ``runs.duckdb`` in the user's data directory."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("gigaplan", appauthor=False)) / "runs.duckdb"


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unguessable run id: ``YYYYMMDD-HHMMSS-xxxxxx`` (UTC)."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def _ident(text: str) -> str:
    """A safe lower-case SQL identifier piece."""
    return re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_") or "t"


def _tidy_for_duckdb(frame: pd.DataFrame) -> pd.DataFrame:
    """Flatten the index and make every column a type DuckDB stores as is."""
    out = frame.copy()
    if not isinstance(out.index, pd.RangeIndex) or out.index.name is not None:
        out = out.reset_index()
    names: list[str] = []
    for col in out.columns:
        name = "_".join(map(str, col)) if isinstance(col, tuple) else str(col)
        while name in names:  # DuckDB needs unique column names
            name += "_2"
        names.append(name)
    out.columns = names
    for col in out.columns:
        series = out[col]
        if isinstance(series.dtype, pd.CategoricalDtype):
            out[col] = series.astype(str)
        elif series.dtype == object:
            values = [v for v in series if v is not None and v == v]
            if values and all(isinstance(v, date | datetime) for v in values):
                out[col] = pd.to_datetime(series)
            elif not all(isinstance(v, str) for v in values):
                out[col] = series.map(lambda v: None if v is None else str(v))
    return out


@dataclass(frozen=True)
class RunInfo:
    """One row of ``runs``: what a run was, without its tables.

    Attributes
    ----------
    summary : dict
        Stage name -> that stage's summary (flat, units in the keys).
    text : dict
        Stage name -> that stage's memo text.
    tables : list of tuple
        ``(stage, name, n_rows)`` of each stored result table.
    """

    run_id: str
    name: str
    status: str
    scenario_yaml: str
    scenario_sha256: str
    catalog_version: str
    package_version: str
    started_at: datetime | None
    finished_at: datetime | None
    stages: tuple[str, ...]
    summary: dict[str, dict[str, Any]] = field(default_factory=dict)
    text: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    tables: tuple[tuple[str, str, int], ...] = ()

    @property
    def duration_s(self) -> float | None:
        """Wall-clock seconds from start to end."""
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (times as ISO 8601 UTC)."""
        return {
            "run_id": self.run_id,
            "name": self.name,
            "status": self.status,
            "scenario_sha256": self.scenario_sha256,
            "catalog_version": self.catalog_version,
            "package_version": self.package_version,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "duration_s": self.duration_s,
            "stages": list(self.stages),
            "summary": jsonable(self.summary),
            "text": self.text,
            "error": self.error,
            "tables": [
                {"stage": s, "name": n, "rows": r, "key": f"{s}_{n}"}
                for s, n, r in self.tables
            ],
        }


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.replace(tzinfo=UTC).isoformat()


class RunStore:
    """A DuckDB file of runs; each method opens, works and closes under a lock.

    Parameters
    ----------
    path : Path, optional
        Database file; default :func:`default_db_path`.
    lock_timeout_s : float
        How long to wait for another process's write before giving up. [s]
    """

    def __init__(self, path: Path | None = None, lock_timeout_s: float = 120.0):
        self.path = Path(path) if path is not None else default_db_path()
        self.lock_timeout_s = lock_timeout_s

    # -- connection -------------------------------------------------------
    @contextmanager
    def _connect(self, *, write: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection under the store's lock (see the class notes).

        Reading works on read-only media: when the lock file cannot be made,
        a store that exists is opened read-only without the lock. Writing
        there is one line that says the location is read-only.
        """
        import duckdb

        if self.path.exists() and self.path.is_dir():
            raise InputError("db", str(self.path), "is a folder, not a database file")
        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock_file = open(lock_path, "a+")  # noqa: SIM115 (closed below)
        except OSError as err:
            if write or not self.path.is_file():
                raise InputError("db", str(self.path), _os_reason(err)) from None
            with self._open(duckdb, read_only=True) as con:
                yield con
            return
        with lock_file:
            deadline = time.monotonic() + self.lock_timeout_s
            while True:
                try:
                    fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise GigaplanError(
                            f"run store {self.path} is busy (another gigaplan "
                            f"process held it for {self.lock_timeout_s:g} s)"
                        ) from None
                    time.sleep(0.05)
            try:
                with self._open(duckdb, read_only=False) as con:
                    yield con
            finally:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)

    @contextmanager
    def _open(
        self, duckdb: Any, *, read_only: bool
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        try:
            con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as err:
            raise GigaplanError(
                f"cannot open run store {self.path}: {_duck_reason(err)}"
            ) from None
        try:
            if not read_only:
                con.execute(_SCHEMA)
            yield con
        finally:
            con.close()

    def check_writable(self) -> None:
        """Open the store for writing once, so that a store another program
        holds, or a read-only location, is found before a run computes."""
        with self._connect():
            pass

    # -- writing ----------------------------------------------------------
    def save(
        self,
        run: PipelineRun,
        *,
        run_id: str | None = None,
        package_version: str | None = None,
    ) -> str:
        """Store a finished run and all its tables in one transaction.

        Returns
        -------
        run_id : str
            The id the run is stored under.
        """
        from gigaplan import __version__

        run_id = run_id or new_run_id(run.started_at)
        summary = {r.stage: jsonable(r.summary) for r in run.results}
        texts = {r.stage: r.text for r in run.results}
        tables = [
            (r.stage, key, _tidy_for_duckdb(frame))
            for r in run.results
            for key, frame in r.tables.items()
            if len(frame.columns)  # a table with no columns has nothing to keep
        ]
        if run.sources:
            cited = pd.DataFrame(
                sorted(run.sources.items()), columns=["source", "citation"]
            )
            tables.append(("run", "catalog_sources", cited))
        with self._connect() as con, self._transaction(con, "save the run"):
            for stage, key, frame in tables:
                duck = f"t_{_ident(run_id)}_{_ident(stage)}_{_ident(key)}"
                self._create_table(con, duck, frame)
                con.execute(
                    "INSERT INTO run_tables VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        run_id,
                        stage,
                        key,
                        duck,
                        len(frame),
                        json.dumps(list(frame.columns)),
                    ],
                )
            con.execute(
                "INSERT INTO runs VALUES (?, ?, 'complete', ?, ?, ?, ?, ?, ?, ?, "
                "?, ?, NULL)",
                [
                    run_id,
                    run.scenario.name,
                    run.scenario_yaml,
                    run.scenario_sha256,
                    run.catalog_version,
                    package_version or __version__,
                    _naive_utc(run.started_at),
                    _naive_utc(run.finished_at),
                    json.dumps([r.stage for r in run.results]),
                    json.dumps(summary),
                    json.dumps(texts),
                ],
            )
        return run_id

    @contextmanager
    def _transaction(
        self, con: duckdb.DuckDBPyConnection, doing: str
    ) -> Iterator[None]:
        """One transaction: committed whole or rolled back, with the real cause.

        A failed rollback never hides why the work failed; a full disk or a
        file error becomes one line naming the store.
        """
        con.execute("BEGIN TRANSACTION")
        try:
            yield
            con.execute("COMMIT")
        except BaseException as err:
            with contextlib.suppress(Exception):  # the real error matters
                con.execute("ROLLBACK")
            if isinstance(err, OSError | duckdb_error()):
                raise GigaplanError(
                    f"cannot {doing} in run store {self.path}: "
                    f"{_duck_reason(err)}; nothing was changed"
                ) from None
            raise

    @staticmethod
    def _create_table(
        con: duckdb.DuckDBPyConnection, duck_table: str, frame: pd.DataFrame
    ) -> None:
        con.register("_gigaplan_frame", frame)
        try:
            con.execute(f'CREATE TABLE "{duck_table}" AS SELECT * FROM _gigaplan_frame')
        finally:
            con.unregister("_gigaplan_frame")

    def save_failed(
        self,
        scenario_yaml: str,
        name: str,
        error: str,
        started_at: datetime,
        *,
        catalog_version: str = "",
    ) -> str:
        """Record a run that failed: its scenario and error, no tables."""
        from gigaplan import __version__
        from gigaplan.pipeline import scenario_sha256

        run_id = new_run_id(started_at)
        with self._connect() as con:
            con.execute(
                "INSERT INTO runs VALUES (?, ?, 'failed', ?, ?, ?, ?, ?, ?, '[]', "
                "'{}', '{}', ?)",
                [
                    run_id,
                    name,
                    scenario_yaml,
                    scenario_sha256(scenario_yaml),
                    catalog_version,
                    __version__,
                    _naive_utc(started_at),
                    _naive_utc(datetime.now(UTC)),
                    error,
                ],
            )
        return run_id

    def delete(self, ref: str) -> str:
        """Delete a run and its tables in one transaction; returns its id."""
        with self._connect() as con:
            run_id = self._resolve(con, ref)
            with self._transaction(con, "delete the run"):
                for (duck,) in con.execute(
                    "SELECT duck_table FROM run_tables WHERE run_id = ?", [run_id]
                ).fetchall():
                    con.execute(f'DROP TABLE IF EXISTS "{duck}"')
                con.execute("DELETE FROM run_tables WHERE run_id = ?", [run_id])
                con.execute("DELETE FROM runs WHERE run_id = ?", [run_id])
        return run_id

    # -- reading ----------------------------------------------------------
    def _resolve(self, con: duckdb.DuckDBPyConnection, ref: str) -> str:
        ref = str(ref).strip().lower()
        if ref in ("latest", "last"):
            row = con.execute(
                "SELECT run_id FROM runs WHERE status = 'complete' "
                "ORDER BY started_at DESC, run_id DESC LIMIT 1"
            ).fetchone()
            if row is None:
                raise InputError("run", ref, "the run store has no complete run yet")
            return str(row[0])
        if not _RUN_REF.match(ref):
            raise InputError(
                "run", ref, "a run id (YYYYMMDD-HHMMSS-xxxxxx), a prefix, or 'latest'"
            )
        ids = [
            r[0]
            for r in con.execute(
                "SELECT run_id FROM runs WHERE starts_with(run_id, ?) ORDER BY run_id",
                [ref],
            ).fetchall()
        ]
        if len(ids) == 1:
            return str(ids[0])
        if not ids:
            raise InputError("run", ref, "no such run; see `gigaplan runs list`")
        raise InputError("run", ref, f"ambiguous: matches {', '.join(ids[:5])}")

    def resolve(self, ref: str) -> str:
        """Full id of the run ``ref`` names (id, unique prefix, or ``latest``)."""
        with self._connect(write=False) as con:
            return self._resolve(con, ref)

    def list_runs(self) -> list[RunInfo]:
        """Every stored run, newest first (summaries included, no tables)."""
        with self._connect(write=False) as con:
            rows = con.execute(
                "SELECT * FROM runs ORDER BY started_at DESC, run_id DESC"
            ).fetchall()
            cols = [d[0] for d in con.description or ()]
            counts = dict(
                con.execute(
                    "SELECT run_id, list(struct_pack(stage, name, n_rows)) "
                    "FROM run_tables GROUP BY run_id"
                ).fetchall()
            )
        return [_info(dict(zip(cols, row, strict=True)), counts) for row in rows]

    def get(self, ref: str) -> RunInfo:
        """One run's record (no table data)."""
        with self._connect(write=False) as con:
            run_id = self._resolve(con, ref)
            row = con.execute(
                "SELECT * FROM runs WHERE run_id = ?", [run_id]
            ).fetchone()
            cols = [d[0] for d in con.description or ()]
            counts = dict(
                con.execute(
                    "SELECT run_id, list(struct_pack(stage, name, n_rows)) "
                    "FROM run_tables WHERE run_id = ? GROUP BY run_id",
                    [run_id],
                ).fetchall()
            )
        assert row is not None
        return _info(dict(zip(cols, row, strict=True)), counts)

    def tables(self, ref: str) -> dict[str, pd.DataFrame]:
        """All result tables of a run, keyed ``<stage>_<name>``."""
        with self._connect(write=False) as con:
            run_id = self._resolve(con, ref)
            listed = con.execute(
                "SELECT stage, name, duck_table FROM run_tables WHERE run_id = ? "
                "ORDER BY stage, name",
                [run_id],
            ).fetchall()
            return {
                f"{stage}_{name}": con.execute(f'SELECT * FROM "{duck}"').df()
                for stage, name, duck in listed
            }

    def table_names(self) -> set[str]:
        """Names of every DuckDB table in the file (for consistency checks)."""
        with self._connect(write=False) as con:
            return {
                r[0]
                for r in con.execute(
                    "SELECT table_name FROM duckdb_tables()"
                ).fetchall()
            }

    def export(
        self, ref: str, out_dir: Path, fmt: str = "parquet", *, force: bool = False
    ) -> list[Path]:
        """Write a run's tables, scenario and record to ``out_dir``.

        ``fmt`` is ``parquet`` or ``csv`` (a file per table) or ``xlsx`` (one
        workbook ``run.xlsx``: a summary sheet, then a sheet per table with a
        units row under the header; see :func:`gigaplan.interop.write_xlsx`).

        The folder rules of :func:`gigaplan._files.write_folder` apply: a new,
        empty or earlier-export folder (``force`` adds to any other folder), and
        no file gigaplan did not write is ever replaced or removed.
        """
        from functools import partial

        from gigaplan._files import FileWriter, check_folder_target, write_folder

        if fmt not in ("parquet", "csv", "xlsx"):
            raise InputError("format", fmt, "parquet, csv or xlsx")
        check_folder_target(out_dir, "--out", force=force)
        info = self.get(ref)
        frames = self.tables(info.run_id)
        files: dict[str, FileWriter] = {}
        if fmt == "xlsx":  # one workbook: a summary sheet, a sheet per table
            from gigaplan.interop import write_xlsx

            files["run.xlsx"] = partial(write_xlsx, tables=frames, summary=info.summary)
        for key, frame in frames.items() if fmt != "xlsx" else ():
            method = frame.to_parquet if fmt == "parquet" else frame.to_csv
            files[f"{key}.{fmt}"] = partial(method, index=False)
        record = json.dumps(info.as_dict(), indent=2)
        files["scenario.yaml"] = partial(
            Path.write_text, data=info.scenario_yaml, encoding="utf-8"
        )
        files["run.json"] = partial(Path.write_text, data=record, encoding="utf-8")
        return write_folder(out_dir, files, field="--out", force=force)


def duckdb_error() -> type[Exception]:
    """DuckDB's base error class (imported when a store is used)."""
    import duckdb

    return duckdb.Error  # type: ignore[no-any-return]


def _duck_reason(err: BaseException) -> str:
    """An error's cause in words; a full disk and a held file said plainly."""
    text = str(err)
    if "No space left" in text or getattr(err, "errno", None) == errno.ENOSPC:
        return "no space left on the device"
    if "lock" in text.lower() and "conflicting" in text.lower():
        return "another program holds the database file open; close it first"
    if "read-only" in text.lower() or getattr(err, "errno", None) == errno.EROFS:
        return "the location is read-only"
    return text.splitlines()[0] if text else type(err).__name__


def _os_reason(err: OSError) -> str:
    if err.errno == errno.EROFS:
        return "read-only location: the run store cannot be written here"
    if err.errno in (errno.EACCES, errno.EPERM):
        return "permission denied: the run store cannot be written here"
    if err.errno == errno.ENOSPC:
        return "no space left on the device"
    return err.strerror or str(err)


def _naive_utc(when: datetime) -> datetime:
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when


def _info(row: dict[str, Any], counts: dict[str, Any]) -> RunInfo:
    listed = counts.get(row["run_id"]) or []
    tables = tuple(
        sorted((t["stage"], t["name"], int(t["n_rows"] or 0)) for t in listed)
    )
    return RunInfo(
        run_id=row["run_id"],
        name=row["name"] or "",
        status=row["status"],
        scenario_yaml=row["scenario_yaml"] or "",
        scenario_sha256=row["scenario_sha256"] or "",
        catalog_version=row["catalog_version"] or "",
        package_version=row["package_version"] or "",
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        stages=tuple(json.loads(row["stages"] or "[]")),
        summary=json.loads(row["summary_json"] or "{}"),
        text=json.loads(row["text_json"] or "{}"),
        error=row["error"],
        tables=tables,
    )


def is_run_id(text: str) -> bool:
    """Whether ``text`` has the exact form of a run id."""
    return bool(_RUN_ID.match(text))


# Comparing runs lives in gigaplan.compare; re-exported for older imports.
from gigaplan.compare import diff_runs as diff_runs  # noqa: E402
from gigaplan.compare import scenario_diff as scenario_diff  # noqa: E402
