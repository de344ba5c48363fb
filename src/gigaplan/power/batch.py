"""Campus LPs for many sites: cached by a hash of their inputs, solved in parallel.

The buildout planner prices each site's power from a campus LP
(:func:`gigaplan.power.model.power_product`). A plan with 20 campus-model
sites would solve 20 LPs per run, and a sweep would solve them again for
every point even when a site's power inputs did not change. This module
keeps those solves cheap:

- :class:`ProductCache` maps a SHA-256 of everything the LP depends on (the
  hourly profiles, technology data and limits that
  :func:`gigaplan.power.stage.campus_inputs` resolves from the section and
  the catalog, the HiGHS options and the model version) to the product. It
  is a bounded in-process LRU and, when given a folder, also a folder of
  small JSON files that outlive the process. The caller creates it and
  passes it down; there is no module-level cache.
- :func:`section_product` solves one section through the cache;
  :func:`section_products` solves many, the misses in a process pool of at
  most the CPU count.

Both hash the resolved inputs, not the section: two sections that differ
only in a way the LP does not see (a profiles CSV moved to another path with
the same content) share a solve, and an edited catalog number does not.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gigaplan.power.schema import PowerSection
from gigaplan.power.stage import campus_inputs

if TYPE_CHECKING:
    from gigaplan.catalog.schema import Catalog

#: Bumped whenever the LP or the product changes meaning, so old cache files miss.
MODEL_VERSION = "campus-3"

Product = dict[str, float]


class ProductCache:
    """Bounded LRU of campus products by input hash, optionally backed by a folder.

    Parameters
    ----------
    maxsize : int
        Products kept in memory; the least recently used goes first. [count]
    folder : path, optional
        Folder of ``<hash>.json`` files read on a memory miss and written on
        every solve (created if missing). Files are written to a temporary
        name and renamed, so a reader never sees half a file.
    """

    def __init__(self, maxsize: int = 256, folder: Path | str | None = None) -> None:
        if maxsize < 1:
            from gigaplan.errors import InputError

            raise InputError("maxsize", maxsize, "at least 1 product")
        self.maxsize = maxsize
        self.folder = Path(folder) if folder is not None else None
        self._memory: OrderedDict[str, Product] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Product | None:
        """The product stored under ``key`` (memory first, then the folder).

        Parameters
        ----------
        key : str
            An :func:`input_hash`.

        Returns
        -------
        dict or None
            The stored power product, or None when it was never stored.
        """
        if key in self._memory:
            self._memory.move_to_end(key)
            self.hits += 1
            return dict(self._memory[key])
        if self.folder is not None:
            path = self.folder / f"{key}.json"
            try:
                product = json.loads(path.read_text())
            except (OSError, ValueError):  # absent or unreadable: solve again
                product = None
            if isinstance(product, dict):
                self._remember(key, product)
                self.hits += 1
                return dict(product)
        self.misses += 1
        return None

    def put(self, key: str, product: Product) -> None:
        """Store ``product`` under ``key`` in memory and in the folder if any.

        Parameters
        ----------
        key : str
            An :func:`input_hash`.
        product : dict
            The power product (:func:`gigaplan.power.model.power_product`).
        """
        self._remember(key, product)
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{key}.{uuid.uuid4().hex}.tmp"
            tmp.write_text(json.dumps(product, sort_keys=True))
            os.replace(tmp, self.folder / f"{key}.json")

    def __len__(self) -> int:
        return len(self._memory)

    def _remember(self, key: str, product: Product) -> None:
        self._memory[key] = dict(product)
        self._memory.move_to_end(key)
        while len(self._memory) > self.maxsize:
            self._memory.popitem(last=False)


def _feed(digest: Any, value: Any) -> None:
    """Add ``value`` to ``digest`` in a canonical, type-tagged form."""
    if isinstance(value, np.ndarray):
        arr = np.ascontiguousarray(value, dtype="<f8")
        digest.update(f"a{arr.shape}".encode())
        digest.update(arr.tobytes())
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        _feed(
            digest, {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        )
    elif isinstance(value, dict):
        digest.update(b"d%d" % len(value))
        for k in sorted(value):
            _feed(digest, str(k))
            _feed(digest, value[k])
    elif isinstance(value, list | tuple):
        digest.update(b"l%d" % len(value))
        for item in value:
            _feed(digest, item)
    elif isinstance(value, float | np.floating):
        digest.update(b"f" + float(value).hex().encode())
    else:  # str, int, bool, None
        digest.update(f"{type(value).__name__}:{value!r};".encode())


def input_hash(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """SHA-256 (hex) of the arguments of one ``solve_campus`` call and the model.

    Parameters
    ----------
    args, kwargs : tuple, dict
        As :func:`gigaplan.power.stage.campus_inputs` returns them.

    Returns
    -------
    str
        64 hex digits; equal for equal inputs and model version.
    """
    from gigaplan._version import __version__
    from gigaplan.power.model import SOLVER_OPTIONS

    digest = hashlib.sha256()
    _feed(digest, [MODEL_VERSION, __version__, dict(SOLVER_OPTIONS), list(args)])
    _feed(digest, kwargs)
    return digest.hexdigest()


def _solve_product(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Product:
    """Solve one campus LP and return its product (runs in a worker process)."""
    from gigaplan.power.model import power_product, solve_campus

    return power_product(solve_campus(*args, **kwargs), args[4].discount_rate)


def _one_thread() -> None:
    """Pool worker start: BLAS (HiGHS's interior point) on one thread."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        os.environ[name] = "1"


def _single_threaded(kwargs: dict[str, Any]) -> dict[str, Any]:
    """``solve_campus`` keywords with HiGHS on one thread (same LP, same optimum).

    On 2 cores a pool of 2 with HiGHS's default threads ran 20 campus LPs in
    46.1 s against 33.5 s one after another; on one thread each, 21.5 s
    (benchmarks/power_batch.py).
    """
    options = {**(kwargs.get("solver_options") or {}), "threads": 1}
    return {**kwargs, "solver_options": options}


def section_product(
    section: PowerSection, catalog: Catalog, *, cache: ProductCache | None = None
) -> Product:
    """The power product of one campus section, from ``cache`` when it has it.

    Parameters
    ----------
    section : PowerSection
        A validated ``power:`` section.
    catalog : Catalog
        Resolves the region (location, grid price and carbon intensity).
    cache : ProductCache, optional
        Where to look first and to store the solve; without it every call solves.

    Returns
    -------
    dict of str to float
        :func:`gigaplan.power.model.power_product`: delivered $/MWh, tCO2/MWh,
        capex $/kW, fixed O&M $/kW-yr, firm fraction, lead time, max MW.
    """
    args, kwargs = campus_inputs(section, catalog)
    key = input_hash(args, kwargs)
    if cache is not None and (hit := cache.get(key)) is not None:
        return hit
    product = _solve_product(args, kwargs)
    if cache is not None:
        cache.put(key, product)
    return product


def section_products(
    sections: Sequence[PowerSection],
    catalog: Catalog,
    *,
    cache: ProductCache | None = None,
    max_workers: int | None = None,
) -> list[Product]:
    """Power products of many campus sections, the uncached ones solved in parallel.

    The buildout planner calls this once per run with the ``power:`` section of
    every campus-model site, so all their LPs solve together and a site whose
    power inputs did not change since an earlier run or sweep point (same
    input hash) is not solved again.

    Parameters
    ----------
    sections : sequence of PowerSection
        One validated section per site; identical inputs are solved once.
    catalog : Catalog
        Resolves each section's region.
    cache : ProductCache, optional
        Looked up before solving; every new solve is stored in it.
    max_workers : int, optional
        Worker processes; at most the CPU count (the default) and the number
        of distinct misses. One means solve here, without a pool.

    Returns
    -------
    list of dict
        Products in the order of ``sections``.

    Raises
    ------
    InputError, InfeasibleError
        As :func:`section_product`, for the first section (in order) that fails.
    """
    cpus = os.cpu_count() or 1
    workers = min(max_workers or cpus, cpus)
    inputs = [campus_inputs(s, catalog) for s in sections]
    keys = [input_hash(a, k) for a, k in inputs]
    found: dict[str, Product] = {}
    todo: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {}
    for key, (a, k) in zip(keys, inputs, strict=True):
        if key in found or key in todo:
            continue
        hit = cache.get(key) if cache is not None else None
        if hit is not None:
            found[key] = hit
        else:
            todo[key] = (a, k)
    workers = min(workers, len(todo))
    if workers <= 1:
        solved = {key: _solve_product(a, k) for key, (a, k) in todo.items()}
    else:
        import multiprocessing

        # spawn: HiGHS and BLAS threads in this process must not be forked;
        # one thread per worker, as the pool already fills the cores
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=_one_thread
        ) as pool:
            futures = {
                key: pool.submit(_solve_product, a, _single_threaded(k))
                for key, (a, k) in todo.items()
            }
            solved = {key: fut.result() for key, fut in futures.items()}
    for key, product in solved.items():
        if cache is not None:
            cache.put(key, product)
        found[key] = product
    return [dict(found[key]) for key in keys]
