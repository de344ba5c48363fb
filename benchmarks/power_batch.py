"""Campus LPs for 20 sites: serial, in a process pool, and from the cache.

Twenty distinct ``power:`` sections (the shipped regions with a grid price,
several campus sizes, a CO2-intensity cap on some) on representative days
(``rep_days=20`` of the full year), as a 20-site plan would price them. Prints,
from one run with the load average: the serial time, the time in a pool of
``os.cpu_count()`` processes (cold cache), the time again from the in-process
cache, and from a new cache object reading the folder cache. Target (issue
15, item 4): a plan with 20 campus-model sites adds under 30 s on 2 cores.

Run: PYTHONPATH=src .venv/bin/python benchmarks/power_batch.py
"""

from __future__ import annotations

import os
import tempfile
import time

from gigaplan.catalog import load_catalog
from gigaplan.errors import InputError
from gigaplan.power.batch import ProductCache, section_products
from gigaplan.power.schema import PowerSection
from gigaplan.power.stage import campus_inputs

SITES = 20
REP_DAYS = 20


def _sections(catalog):  # type: ignore[no-untyped-def]
    """Twenty distinct sections over the regions that have a grid price."""
    regions = []
    for rid in catalog.regions:
        try:
            campus_inputs(PowerSection(region=rid, hours=24), catalog)
        except InputError:  # no price in the catalog for this region
            continue
        regions.append(rid)
    out = []
    for i in range(SITES):
        out.append(
            PowerSection(
                region=regions[i % len(regions)],
                it_load_mw=250.0 * (1 + i // len(regions)) + 10.0 * i,
                co2_intensity_cap_t_per_mwh=0.2 if i % 3 == 0 else None,
                rep_days=REP_DAYS,
            )
        )
    return out


def _load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


def main() -> None:
    """Print serial, pooled and cached times for 20 sites."""
    catalog = load_catalog()
    sections = _sections(catalog)
    cpus = os.cpu_count() or 1
    print(f"{len(sections)} sites, rep_days={REP_DAYS}, {cpus} CPUs ({_load()})")
    t0 = time.perf_counter()
    serial = section_products(sections, catalog, max_workers=1)
    t_serial = time.perf_counter() - t0
    print(f"serial, no cache:          {t_serial:6.2f} s ({_load()})")
    with tempfile.TemporaryDirectory() as folder:
        cache = ProductCache(folder=folder)
        t0 = time.perf_counter()
        pooled = section_products(sections, catalog, cache=cache)
        t_pool = time.perf_counter() - t0
        worst = max(
            abs(a[k] - b[k]) / max(abs(b[k]), 1e-12)
            for a, b in zip(pooled, serial, strict=True)
            for k in b
        )
        print(
            f"pool of {cpus}, cold cache:    {t_pool:6.2f} s, speed-up "
            f"{t_serial / t_pool:.2f}x (target < 30 s), max rel diff to serial "
            f"{worst:.1e} ({_load()})"
        )
        t0 = time.perf_counter()
        section_products(sections, catalog, cache=cache)
        print(f"in-process cache (warm):   {time.perf_counter() - t0:6.2f} s")
        t0 = time.perf_counter()
        section_products(sections, catalog, cache=ProductCache(folder=folder))
        print(f"folder cache, new object:  {time.perf_counter() - t0:6.2f} s")


if __name__ == "__main__":
    main()
