"""Speed of the factory model against the brief's floor.

100 replications of a 5-year (260-week) horizon with 1,000 projects through
the six stages of ``examples/factory.yaml`` (permits, grid or on-site power,
transformers, construction, fit-out), in 2 worker processes. The floor is
30 s; the script prints the time of one run and the ratio to that floor
(below 1 is faster). Run: ``.venv/bin/python benchmarks/factory_speed.py``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from gigaplan.factory.model import compile_design, run_replications
from gigaplan.scenario import load_scenario

FLOOR_S = 30.0
EXAMPLE = Path(__file__).parents[1] / "examples" / "factory.yaml"


def main(replications: int = 100, workers: int = 2) -> None:
    section = load_scenario(EXAMPLE).factory
    assert section is not None
    section = section.model_copy(
        update={
            "horizon_weeks": 260,
            "projects": section.projects.model_copy(
                update={"count": 1000, "arrivals_per_week": 1000 / 260 * 1.0}
            ),
        }
    )
    design = compile_design(section)
    print(
        f"factory: {replications} replications x {design.n_projects} projects "
        f"x {section.horizon_weeks} weeks, {len(design.stages)} stages, "
        f"{workers} workers"
    )
    # as shipped (long lead times: most projects still in progress at the end),
    # and with every resource x10 so that more projects flow through all stages
    for label, mult in (("as shipped", 1.0), ("resources x10", 10.0)):
        t0 = time.perf_counter()
        results = run_replications(
            design,
            design.ones() * mult,
            replications=replications,
            seed=1,
            workers=workers,
        )
        elapsed = time.perf_counter() - t0
        entered = np.mean([np.sum(~np.isnan(r.t_arrive[:, 0])) for r in results])
        done = np.mean([np.sum(~np.isnan(r.t_done)) for r in results])
        print(
            f"  {label}: projects entered per replication {entered:.0f}, "
            f"energised {done:.0f}; time {elapsed:.2f} s; floor {FLOOR_S:.0f} s; "
            f"ratio {elapsed / FLOOR_S:.2f}"
        )


if __name__ == "__main__":
    main()
