"""A real run of every stage on a small scenario, stored once for the report tests."""

from __future__ import annotations

from pathlib import Path

import pytest

SMALL_RUN = Path(__file__).parent / "small_run.yaml"


@pytest.fixture(scope="session")
def real_run(tmp_path_factory):
    """(store, RunInfo, tables) of the small scenario run through the real stages."""
    from gigaplan import pipeline
    from gigaplan.store import RunStore

    store = RunStore(tmp_path_factory.mktemp("real") / "runs.duckdb")
    run = pipeline.run_pipeline(SMALL_RUN.read_text(), where=SMALL_RUN.name)
    run_id = store.save(run)
    return store, store.get(run_id), store.tables(run_id)
