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
