"""Cached and parallel campus solves (gigaplan.power.batch)."""

from __future__ import annotations

import pytest

from gigaplan.catalog import load_catalog
from gigaplan.power import batch
from gigaplan.power.batch import (
    ProductCache,
    input_hash,
    section_product,
    section_products,
)
from gigaplan.power.schema import PowerSection
from gigaplan.power.stage import campus_inputs

CATALOG = load_catalog()


def _section(**kw):
    return PowerSection(hours=48, **kw)  # two days: each solve well under a second


def _no_solve(*_args, **_kw):
    raise AssertionError("solved although the cache holds the product")


def test_second_call_comes_from_the_cache(monkeypatch):
    cache = ProductCache(maxsize=4)
    first = section_product(_section(), CATALOG, cache=cache)
    monkeypatch.setattr(batch, "_solve_product", _no_solve)
    assert section_product(_section(), CATALOG, cache=cache) == first
    assert (cache.hits, cache.misses) == (1, 1)


def test_folder_cache_outlives_the_object(tmp_path, monkeypatch):
    first = section_product(_section(), CATALOG, cache=ProductCache(folder=tmp_path))
    assert len(list(tmp_path.glob("*.json"))) == 1
    monkeypatch.setattr(batch, "_solve_product", _no_solve)
    again = section_product(_section(), CATALOG, cache=ProductCache(folder=tmp_path))
    assert again == first


def test_lru_is_bounded():
    cache = ProductCache(maxsize=1)
    for load in (100.0, 200.0):
        section_product(_section(it_load_mw=load), CATALOG, cache=cache)
    assert len(cache) == 1


def test_hash_follows_what_the_lp_sees():
    def key(section):
        return input_hash(*campus_inputs(section, CATALOG))

    assert key(_section()) == key(_section())
    assert key(_section()) != key(_section(it_load_mw=999.0))
    assert key(_section()) != key(_section(region="pjm"))


def test_parallel_matches_serial_in_order():
    sections = [_section(it_load_mw=load) for load in (100.0, 300.0, 100.0)]
    cache = ProductCache()
    got = section_products(sections, CATALOG, cache=cache, max_workers=2)
    assert got[0] == got[2]
    assert cache.misses == 2  # the repeated section is solved once
    for section, product in zip(sections, got, strict=True):
        serial = section_product(section, CATALOG)
        # the same LP solved in another process: same HiGHS path, same numbers
        assert product == pytest.approx(serial, rel=1e-9)


def test_maxsize_below_one_is_rejected():
    from gigaplan.errors import InputError

    with pytest.raises(InputError, match="maxsize"):
        ProductCache(maxsize=0)
