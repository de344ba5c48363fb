"""Fixtures shared by every test folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from gigaplan.catalog import Catalog, load_catalog

#: A small catalog of round, made-up numbers (tests/fixtures/catalog/README.md).
FIXTURE_CATALOG = Path(__file__).parent / "fixtures" / "catalog"


@pytest.fixture(scope="session")
def fixture_catalog() -> Catalog:
    """The fixture catalog: two chips, two models, one region."""
    return load_catalog(root=FIXTURE_CATALOG)


@pytest.fixture
def small_factory_doc() -> dict:
    """The shipped factory example, made small enough for a fast real run:
    2 replications, 5 years, 200 projects, no target."""
    import yaml

    example = Path(__file__).parents[1] / "examples" / "factory.yaml"
    assert example.is_file(), f"{example} is shipped with the project"
    doc = yaml.safe_load(example.read_text())
    doc["factory"].update(replications=2, analysis_replications=1, horizon_weeks=260)
    doc["factory"]["projects"]["count"] = 200
    for key in ("target_gw_per_week", "target_date"):
        doc["factory"].pop(key, None)
    return doc
