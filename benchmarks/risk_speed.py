"""Speed of the risk evaluation against the brief and against memory bandwidth.

1,000,000 demand paths x 32 quarters (the demand model of
``examples/risk.yaml``: uncertain drift and volatility, S-curve, regime shift,
launch spikes) evaluated against a 32-quarter plan on 2 threads. The brief
asks for under 3 s, and for the evaluation to be within 5x of the time numpy
needs just to stream the same arrays once. Two floors are printed, on the
same threads: reading every input once (one reduction per array), and
reading every input plus writing every output once into freshly allocated
arrays, as the evaluation must (the fair floor for a call that returns the
kept ``(period, path)`` arrays).

Printed: the bytes read and written, wall time of the evaluation (the first,
cold call, which pays for fresh memory pages, and the best of 5 warm calls),
paths x periods per second, CPU time, both floors and the ratios, the load
average when each figure was taken (other work on this 2-CPU machine slows
wall times), and the percentile tables on top. Run:
``.venv/bin/python benchmarks/risk_speed.py [n_paths]``.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from gigaplan.demand.paths import sample_paths
from gigaplan.plan.schema import quarter_labels
from gigaplan.risk.evaluate import Capacity, evaluate, row_quantiles
from gigaplan.scenario import load_scenario

BRIEF_S = 3.0
FLOOR_MULTIPLE = 5.0
EXAMPLE = Path(__file__).parents[1] / "examples" / "risk.yaml"


def _capacity(periods: tuple[str, ...]) -> Capacity:
    """A synthetic plan (growth 60 %/yr); speed does not depend on the numbers."""
    n = len(periods)
    growth = 1.6 ** (np.arange(n) / 4)
    return Capacity(
        periods,
        1.2e15 * growth,
        6e26 * growth,
        2e8 * growth,
        np.full(n, 5e8),
        np.full(n, 2e8),
        100.0 * growth,
        120.0 * growth,
    )


def _stream_floor(
    arrays: list[np.ndarray],
    out_shapes: list[tuple[tuple[int, ...], type]],
    workers: int,
    repeats: int = 5,
) -> tuple[float, float]:
    """Best time to read every input once, and to also write every output once.

    Reading is one reduction per input array; writing fills freshly
    allocated arrays of the evaluation's output shapes and dtypes (the
    evaluation allocates its outputs on every call, so the floor pays for
    fresh pages too). Rows are split among ``workers`` threads.
    """

    def reduce_rows(rows: slice) -> float:
        return float(sum(np.add.reduce(a[rows], axis=None) for a in arrays))

    n_t = arrays[0].shape[0]
    cuts = np.linspace(0, n_t, workers + 1).astype(int)
    parts = [slice(a, b) for a, b in itertools.pairwise(cuts)]
    read = write = np.inf
    with ThreadPoolExecutor(workers) as pool:
        for _ in range(repeats):
            t0 = time.perf_counter()
            list(pool.map(reduce_rows, parts))
            read = min(read, time.perf_counter() - t0)
        for _ in range(repeats):
            t0 = time.perf_counter()
            outs = [np.empty(shape, dtype) for shape, dtype in out_shapes]
            two_d = [o for o in outs if o.ndim == 2]

            def fill(rows: slice, two_d: list[np.ndarray] = two_d) -> None:
                for o in two_d:
                    o[rows] = 0

            list(pool.map(fill, parts))
            for o in outs:
                if o.ndim == 1:
                    o[:] = 0
            write = min(write, time.perf_counter() - t0)
            del outs, two_d
    both = np.inf
    with ThreadPoolExecutor(workers) as pool:
        for _ in range(repeats):
            t0 = time.perf_counter()
            outs = [np.empty(shape, dtype) for shape, dtype in out_shapes]

            def both_rows(rows: slice, outs: list[np.ndarray] = outs) -> None:
                reduce_rows(rows)
                for o in outs:
                    if o.ndim == 2:
                        o[rows] = 0

            list(pool.map(both_rows, parts))
            for o in outs:
                if o.ndim == 1:
                    o[:] = 0
            both = min(both, time.perf_counter() - t0)
            del outs
    return read, both


def _load() -> str:
    """Load averages (1, 5, 15 min), as ``uptime`` prints them."""
    return "load " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


def main(n_paths: int = 1_000_000, workers: int = 2, repeats: int = 5) -> None:
    scen = load_scenario(EXAMPLE)
    assert scen.risk is not None
    periods = tuple(quarter_labels("2026Q1", "2033Q4"))
    n_t = len(periods)
    cap = _capacity(periods)
    t0 = time.perf_counter()
    paths = sample_paths(
        scen.risk.demand, periods, n_paths, np.random.default_rng(scen.seed)
    )
    t_sample = time.perf_counter() - t0
    inputs = [paths.inference_tokens, paths.training_flop]
    if paths.launch_fraction is not None:
        inputs.append(paths.launch_fraction)
    # what evaluate() writes: 4 kept (period, path) float32 arrays, 3 per path
    kept = [((n_t, n_paths), np.float32)] * 4
    per_path = [((n_paths,), np.float64), ((n_paths,), np.int64)]
    per_path += [((n_paths,), np.float64)]
    n_cells = n_paths * n_t
    mb_in = sum(a.nbytes for a in inputs) / 1e6
    mb_kept = 4 * n_cells * 4 / 1e6
    mb_path = 3 * n_paths * 8 / 1e6
    print(
        f"risk: {n_paths:,} paths x {n_t} quarters = {n_cells:,} cells, "
        f"{workers} threads, {os.cpu_count()} CPUs"
    )
    print(
        f"  reads {len(inputs)} input arrays "
        f"({', '.join(str(a.dtype) for a in inputs)}): {mb_in:,.0f} MB; "
        f"writes 4 kept (period, path) float32 arrays {mb_kept:,.0f} MB "
        f"+ 3 per-path arrays {mb_path:,.0f} MB"
    )
    print(f"  drawing the paths (not timed below): {t_sample:.2f} s")

    def run(keep: bool) -> tuple[float, float, float, str]:
        times, cpu = [], []
        for _ in range(repeats + 1):
            t0, c0 = time.perf_counter(), time.process_time()
            evaluate(cap, paths, scen.risk.finance, workers=workers, keep_paths=keep)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        return times[0], min(times[1:]), min(cpu[1:]), _load()

    first, best, cpu, load = run(True)
    print(
        f"  evaluation: first (cold) call {first:.2f} s, best of {repeats} warm "
        f"{best:.3f} s = {n_cells / best:,.3g} paths x periods/s; CPU time "
        f"{cpu:.2f} s over all threads [{load}]"
    )
    first_l, lean, cpu_l, load_l = run(False)
    print(
        f"  without keeping (period, path) arrays: first {first_l:.2f} s, best "
        f"{lean:.3f} s = {n_cells / lean:,.3g} paths x periods/s; CPU {cpu_l:.2f} s "
        f"[{load_l}]"
    )
    read, both = _stream_floor(inputs, kept + per_path, workers)
    read_lean, both_lean = _stream_floor(inputs, per_path, workers)
    load_f = _load()
    print(
        f"  floor, read the inputs once: {read:.3f} s "
        f"({mb_in / 1e3 / read:.1f} GB/s) [{load_f}]"
    )
    print(
        f"  floor, read the inputs and write the outputs once (fresh arrays): "
        f"{both:.3f} s; without kept arrays {both_lean:.3f} s"
    )
    print(
        f"  ratio to the read+write floor: {best / both:.1f} (without kept arrays "
        f"{lean / both_lean:.1f}); to the read-only floor: {best / read:.1f} "
        f"({lean / read_lean:.1f}); target <= {FLOOR_MULTIPLE:.0f}"
    )
    ev = evaluate(cap, paths, scen.risk.finance, workers=workers)
    t0 = time.perf_counter()
    for arr in (
        ev.unmet_inference_tokens,
        ev.unmet_training_flop,
        ev.utilisation,
        ev.cash_flow_usd,
    ):
        assert arr is not None
        row_quantiles(arr, [0.05, 0.1, 0.5, 0.9, 0.95], workers)
    t_quant = time.perf_counter() - t0
    print(
        f"  + percentile tables (4 metrics x {n_t} quarters): "
        f"{t_quant:.2f} s; evaluation + percentiles {best + t_quant:.2f} s "
        f"(brief: < {BRIEF_S:.0f} s) [{_load()}]"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
