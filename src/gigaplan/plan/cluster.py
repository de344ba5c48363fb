r"""Scenario LPs of the decomposition on a Dask cluster.

:func:`gigaplan.plan.decompose.solve_decomposed` keeps the master LP in the
planner's process and hands the scenario LPs to a
:class:`~gigaplan.plan.decompose.Scenarios` object. :class:`DaskScenarios`
is that object for an existing Dask cluster (``plan.solve_cluster:
tcp://host:8786`` in the plan section, or ``cluster=`` of
``solve_decomposed``):

- at the start the scenarios are cut into one contiguous group per worker
  (sized by the worker's threads), each group's arrays
  (:class:`~gigaplan.plan.scenario_lp.ScenarioData`) are scattered to that
  worker, and a :class:`~gigaplan.plan.scenario_lp.ScenarioGroup` is made
  there as a Dask *actor*, pinned to it. The actor keeps its scenarios'
  data, simplex bases and cut duals between rounds, with one HiGHS object per
  worker thread, so nothing but the first-stage point goes out per round;
- each round sends the first-stage point :math:`\hat x` (and the cuts the
  master deleted) to every actor and gets back one cut per scenario (value
  and gradient over the first-stage columns);
- at the end each actor returns its scenarios' primal solution and row
  duals combined from the master's cut duals, and the result is written back
  exactly as after a local solve (same optimum, same duals).

Across machines
---------------
Start a scheduler on one machine (``dask scheduler``, port 8786) and
``dask worker tcp://scheduler:8786 --nthreads 2 --nworkers 1`` on each other
machine, in an environment with the same gigaplan, numpy, scipy and highspy
versions (the actors unpickle gigaplan classes), then put the scheduler's
address in ``plan.solve_cluster``. The planner's process needs a route to
the scheduler and to every worker (Dask clients talk to workers directly to
call actors). Workers should be on one network: each round is one
broadcast and one gather, so its wall time is the slowest worker's solves
plus two network latencies.

Cost at 1,000 scenarios (on paper, from measured figures)
----------------------------------------------------------
Measured with ``benchmarks/plan_cluster.py`` on the planner's scale case
(32 quarters x 20 sites x 10 accelerators x 6 power options, 10 scenarios)
on 2 shared cores at load 12-16 (so wall times are inflated and noisy; the
byte counts are exact):

=================  ======  ========  =======  =========  ========  ========
run                wall s  rounds    s/round  master s   s/solve   MB/round
=================  ======  ========  =======  =========  ========  ========
local, 2 threads   336.6   32        3.70     212.1      0.75      --
dask 1 worker x2   181.8   29        2.11     118.4      0.44      0.05
dask 2 workers x1  103.2   29        1.46     59.8       0.28      0.05
=================  ======  ========  =======  =========  ========  ========

Same optimum: the objective differs from the local run by 3.7e-9
(relative). Setup sent 13.0 MB (1.3 MB of arrays per scenario); a round
sent the first-stage point (about 4 kB per worker) and got back about 5 kB
of cut per scenario. A warm scenario re-solve took 0.28-0.75 s of a core
here (s/solve, summed over threads, inflated by the load).

Since scenario blocks share their equal arrays
(:func:`~gigaplan.plan.scenario_lp.share_equal`), a worker's group pickles
one copy of them: on 10 scenarios at load 0.6-1.3, setup sent 2.7 MB to one
worker, 4.5 MB to two and 8.1 MB to four (about 1.8 MB a worker plus 0.1 MB
a scenario), with the same optimum as local threads to 4.6e-7 (the 1e-6
stopping gap); at that size the cluster's overhead makes it slower (local
6.6 s, Dask 7.8-9.6 s).

So 1,000 scenarios on 50 workers of 2 threads each: 10 scenarios a thread,
about 3-8 s of solves per round at the figures above, 5 MB of cuts gathered
per round (milliseconds on a 10 Gbit/s network), about 0.2 GB sent once at
setup, and per worker 20 scenarios: a few MB of arrays plus 20 HiGHS objects
of about 16 MB (one each, as 20 <= ``OWN_SOLVERS``), under 0.4 GB. With
about 30 rounds that is 2-4 minutes of scenario solves. The master then
holds up to 1,000 new cut rows a round (idle ones deleted after three
solves) and would dominate; ``cut_groups`` (say 50 groups of 20 scenarios)
trades fewer master rows for more rounds, to be measured at that size.
"""

from __future__ import annotations

import itertools
import pickle
from typing import Any

import numpy as np

from gigaplan.plan.scenario_lp import Cut, ScenarioData, ScenarioGroup

__all__ = ["DaskScenarios"]


def _groups(data: list[ScenarioData], threads: list[int]) -> list[list[ScenarioData]]:
    """Contiguous groups of ``data``, sized in proportion to ``threads``."""
    edges = np.rint(np.cumsum([0, *threads]) / sum(threads) * len(data)).astype(int)
    return [data[a:b] for a, b in itertools.pairwise(edges.tolist())]


class DaskScenarios:
    """Scenario LPs held by actors on the workers of a Dask cluster.

    Parameters
    ----------
    cluster : str or distributed.Client
        Scheduler address, or a client (left open at :meth:`close`).
    data : list of ScenarioData
        The scenario LPs.
    own_solvers : int
        A worker with at most this many scenarios gives each a HiGHS object
        of its own (:class:`~gigaplan.plan.scenario_lp.ScenarioGroup`).
    """

    def __init__(
        self, cluster: Any, data: list[ScenarioData], own_solvers: int = 0
    ) -> None:
        from distributed import Client

        self.own_client = not isinstance(cluster, Client)
        self.client = Client(cluster) if self.own_client else cluster
        workers = self.client.scheduler_info(n_workers=-1)["workers"]
        addresses = sorted(workers)
        threads = [int(workers[a]["nthreads"]) for a in addresses]
        self.setup_bytes = 0
        self.round_bytes: list[int] = []
        futures = []
        for address, n, group in zip(
            addresses, threads, _groups(data, threads), strict=True
        ):
            if not group:
                continue
            self.setup_bytes += len(pickle.dumps(group, protocol=5))
            [scattered] = self.client.scatter([group], workers=[address])
            futures.append(
                self.client.submit(
                    ScenarioGroup,
                    scattered,
                    n,
                    own_solvers,
                    actor=True,
                    workers=[address],
                    allow_other_workers=False,
                    pure=False,
                )
            )
        self.actors: list[Any] = [f.result() for f in futures]
        self._futures = futures  # the actors live while these are held

    def evaluate(
        self, x: np.ndarray, dropped: list[tuple[int, int]] | None = None
    ) -> list[Cut]:
        """Cuts of every scenario at ``x`` (one call per actor, in parallel).

        Parameters
        ----------
        x, dropped
            As for :meth:`gigaplan.plan.decompose.Scenarios.evaluate`; each
            actor frees the duals of the dropped cuts.

        Returns
        -------
        cuts : list of Cut
            One per scenario, gathered from all actors.
        """
        calls = [a.evaluate(x, dropped) for a in self.actors]
        out = [cut for call in calls for cut in call.result()]
        sent = len(pickle.dumps((x, dropped), protocol=5)) * len(self.actors)
        self.round_bytes.append(sent + len(pickle.dumps(out, protocol=5)))
        return out

    def finish(
        self, weights: dict[int, dict[int, float]]
    ) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """(scenario, primal, row duals) from every actor.

        Parameters
        ----------
        weights
            The master's cut duals by slot (as for
            :meth:`gigaplan.plan.decompose.Scenarios.finish`), sent to each actor.

        Returns
        -------
        gathered : list of (scenario, primal, row duals)
            Every actor's scenarios.
        """
        calls = [a.finish(weights) for a in self.actors]
        return [item for call in calls for item in call.result()]

    def solve_s(self) -> float:
        """Seconds in scenario solves on all workers, summed over threads.

        Returns
        -------
        seconds : float
            Solve time on the workers. [s]
        """
        return float(sum(a.solve_s().result() for a in self.actors))

    def tolerated(self) -> int:
        """Scenario solves accepted with violations within tolerance.

        Returns
        -------
        count : int
            Such solves on all workers.
        """
        return int(sum(a.tolerated().result() for a in self.actors))

    def figures(self) -> dict[str, Any]:
        """Workers used and bytes moved (pickled sizes) at setup and per round.

        Returns
        -------
        figures : dict
            ``workers``; ``setup_bytes`` [bytes]; ``round_bytes``, one per round
            [bytes].
        """
        return {
            "workers": len(self.actors),
            "setup_bytes": self.setup_bytes,
            "round_bytes": self.round_bytes,
        }

    def close(self) -> None:
        """Stop the actors' threads and release them."""
        for a in self.actors:
            a.close().result()
        self.actors, self._futures = [], []
        if self.own_client:
            self.client.close()
