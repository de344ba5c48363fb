"""Loading a catalog: lookups, overrides, version hash, errors (fixture catalog)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gigaplan.catalog import Catalog, load_catalog
from gigaplan.catalog.load import find_accelerator, find_any, find_region
from gigaplan.errors import CatalogError, UnknownNameError
from tests.conftest import FIXTURE_CATALOG


def test_names_and_aliases_are_found_case_and_spacing_blind(
    fixture_catalog: Catalog,
) -> None:
    assert find_accelerator(fixture_catalog, "Chip A")[0] == "chip-a"
    assert find_accelerator(fixture_catalog, "FIXTURE_A")[0] == "chip-a"
    assert find_region(fixture_catalog, "region a")[0] == "region-a"
    assert find_any(fixture_catalog, "model-b")[:2] == ("models", "model-b")


def test_an_unknown_name_suggests_the_close_ones(fixture_catalog: Catalog) -> None:
    with pytest.raises(UnknownNameError, match="did you mean") as err:
        find_accelerator(fixture_catalog, "chip-c")
    assert "chip-a" in err.value.suggestions


def test_an_extra_file_overrides_one_field_and_changes_the_version(
    fixture_catalog: Catalog, tmp_path: Path
) -> None:
    extra = tmp_path / "mine.yaml"
    extra.write_text(
        "schema_version: 1\nsources: {mine: 'my own measurement, 2025'}\n"
        "accelerators:\n  chip-a:\n    tdp_w: {value: 1200, source: mine}\n"
    )
    mine = load_catalog([extra], root=FIXTURE_CATALOG)
    assert mine.accelerators["chip-a"].tdp_w.value == 1200
    # the fields not given keep the base catalog's values
    assert mine.accelerators["chip-a"].memory_gb.value == 100
    assert mine.version != fixture_catalog.version
    assert load_catalog(root=FIXTURE_CATALOG).version == fixture_catalog.version


def test_money_without_a_dollar_year_is_refused(tmp_path: Path) -> None:
    extra = tmp_path / "bad.yaml"
    extra.write_text(
        "schema_version: 1\nsources: {mine: 'my quote, 2025'}\n"
        "accelerators:\n  chip-b:\n    price_usd: {value: 9000, source: mine}\n"
    )
    with pytest.raises(CatalogError, match="dollar_year"):
        load_catalog([extra], root=FIXTURE_CATALOG)


def test_stage_tables_come_from_the_shipped_catalog_where_the_root_has_none(
    fixture_catalog: Catalog,
) -> None:
    shipped = load_catalog()
    assert fixture_catalog.power_technologies == shipped.power_technologies
    assert set(fixture_catalog.accelerators) == {"chip-a", "chip-b"}
