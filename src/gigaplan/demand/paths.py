r"""Demand paths for inference tokens and training FLOP, and scenario reduction.

Arrays are laid out ``(period, path)``: one row per quarter, so a period's
values over all paths are contiguous (percentiles per period read one row)
and a path's cumulative sum runs down the rows.

Model (per series, per path :math:`p`, quarter :math:`t`, :math:`\Delta t =
1/4` year):

.. math::

    \ln D_{t} = \ln D_0 + \sum_{s=1}^{t} \left[(\mu_p - \sigma_p^2 / 2)\Delta t
    + \sigma_p \sqrt{\Delta t}\,\varepsilon_{s,p}\right] + \ln A(t)
    + \sum_j \left[\delta_j (t\Delta t - \tau_{j,p})^+
    + \ln(1 + \lambda_j)\,\mathbb{1}(t\Delta t \ge \tau_{j,p})\right]

with log drift :math:`\mu_p = \ln(1 + g) + s_\mu Z_p` (uncertain growth),
volatility :math:`\sigma_p = \sigma e^{s_\sigma Z'_p - s_\sigma^2/2}`
(uncertain volatility, mean :math:`\sigma`), shocks :math:`\varepsilon`
standard normal and correlated between the two series, adoption S-curve
:math:`A`, and regime shifts :math:`j` at exponential times :math:`\tau_j`
that change the drift by :math:`\delta_j` and the level by :math:`\lambda_j`.
The :math:`-\sigma^2/2` term makes :math:`E[D_t] = D_0 (1+g)^{t/4}` when the
drift is certain: geometric Brownian motion [1]_.

Inference demand also has launch spikes: a Poisson number of launches per
quarter, each multiplying demand by ``multiplier`` for ``duration_weeks``.

References
----------
.. [1] J. C. Hull, "Options, Futures, and Other Derivatives", 10th ed.,
   Pearson, 2018, ch. 14 (log-normal property of geometric Brownian motion).
.. [2] J. Dupačová, N. Gröwe-Kuska, W. Römisch, "Scenario reduction in
   stochastic programming", Math. Program. 95 (2003) 493-511.
.. [3] D. Arthur, S. Vassilvitskii, "k-means++: the advantages of careful
   seeding", SODA 2007, 1027-1035.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from gigaplan.demand.schema import Adoption, DemandSection, GrowthModel
from gigaplan.errors import InputError
from gigaplan.periods import quarter_index
from gigaplan.units import WEEKS_PER_QUARTER, YEARS_PER_QUARTER


@dataclass(frozen=True)
class DemandPaths:
    """Demand per quarter on many paths, arrays shaped ``(period, path)``.

    Attributes
    ----------
    periods : tuple of str
        Quarter labels (``2026Q1`` ...).
    inference_tokens : ndarray
        Output tokens demanded per quarter outside launch spikes. [tokens]
    training_flop : ndarray
        Training compute demanded per quarter. [FLOP]
    launch_fraction : ndarray or None
        Share of each quarter spent in a launch spike, 0..1 (float32);
        ``None`` when there are no launches. [dimensionless]
    launch_multiplier : float
        Inference demand in a spike / outside one. [dimensionless]
    """

    periods: tuple[str, ...]
    inference_tokens: np.ndarray
    training_flop: np.ndarray
    launch_fraction: np.ndarray | None = None
    launch_multiplier: float = 1.0

    @property
    def n_paths(self) -> int:
        """Number of paths."""
        return int(self.inference_tokens.shape[1])

    def total_inference_tokens(self) -> np.ndarray:
        """Inference demand per quarter with launch spikes, ``(period, path)``.

        [tokens]

        Returns
        -------
        ndarray, shape (period, path)
            Inference demand with each quarter's launch spike added. [tokens]
        """
        if self.launch_fraction is None:
            return self.inference_tokens
        return self.inference_tokens * (
            1.0 + (self.launch_multiplier - 1.0) * self.launch_fraction
        )

    def to_xarray(self) -> xr.Dataset:
        """The paths as a labelled Dataset (dims ``period``, ``path``).

        Returns
        -------
        xarray.Dataset
            ``inference_tokens`` [tokens] and ``training_flop`` [FLOP] over
            ``period`` and ``path``.
        """
        dims = ("period", "path")
        data: dict[str, Any] = {
            "inference_tokens": (dims, self.total_inference_tokens()),
            "inference_tokens_outside_launches": (dims, self.inference_tokens),
            "training_flop": (dims, self.training_flop),
        }
        if self.launch_fraction is not None:
            data["launch_fraction"] = (dims, self.launch_fraction)
        return xr.Dataset(
            data,
            coords={"period": list(self.periods), "path": np.arange(self.n_paths)},
            attrs={"launch_multiplier": self.launch_multiplier},
        )


def _years(periods: Sequence[str]) -> np.ndarray:
    """Years since the first period, one per period."""
    q0 = quarter_index(periods[0])
    return np.array([(quarter_index(p) - q0) * YEARS_PER_QUARTER for p in periods])


def adoption_multiplier(
    adoption: Adoption | None, periods: Sequence[str]
) -> np.ndarray:
    r"""Logistic S-curve multiplier, 1 in the first period, ``(period,)``.

    Parameters
    ----------
    adoption : Adoption or None
        Ceiling multiple :math:`C`, midpoint :math:`t_m` and steepness :math:`k`;
        ``None`` gives ones.
    periods : sequence of str
        Quarter labels.

    Returns
    -------
    ndarray
        :math:`A(t) = 1 + (C - 1)(L(t) - L(0)) / (1 - L(0))` with
        :math:`L(t) = 1 / (1 + e^{-k (t - t_m)})`. [dimensionless]

    Examples
    --------
    >>> from gigaplan.demand.schema import Adoption
    >>> a = Adoption(ceiling_multiple=3.0, midpoint="2030Q1", steepness_per_year=2)
    >>> m = adoption_multiplier(a, ["2026Q1", "2030Q1", "2060Q1"])
    >>> [round(float(x), 3) for x in m]
    [1.0, 2.0, 3.0]
    """
    years = _years(periods)
    if adoption is None:
        return np.ones_like(years)
    t_mid = (quarter_index(adoption.midpoint) - quarter_index(periods[0])) / 4.0
    k = adoption.steepness_per_year
    logistic = 1.0 / (1.0 + np.exp(-k * (years - t_mid)))
    l0 = logistic[0]
    return 1.0 + (adoption.ceiling_multiple - 1.0) * (logistic - l0) / (1.0 - l0)


def sample_paths(
    section: DemandSection,
    periods: Sequence[str],
    n_paths: int,
    rng: np.random.Generator,
) -> DemandPaths:
    """Draw ``n_paths`` demand paths over ``periods``.

    Parameters
    ----------
    section : DemandSection
        Growth models of both series, their correlation, regime shifts and
        launches.
    periods : sequence of str
        Consecutive quarter labels; the first gets each series' ``start``.
    n_paths : int
        Number of paths.
    rng : numpy.random.Generator
        Source of all randomness (seed it from the scenario).

    Returns
    -------
    DemandPaths
        Arrays ``(period, path)``.

    Notes
    -----
    The model is in the module docstring. Draw order is fixed, so a seed gives
    the same paths; scaling ``start`` scales every path by the same factor.
    """
    if n_paths < 1:
        raise InputError("paths", n_paths, "must be >= 1")
    periods = list(periods)
    if not periods:
        raise InputError("periods", periods, "need at least one period")
    idx = [quarter_index(p) for p in periods]
    if any(b - a != 1 for a, b in itertools.pairwise(idx)):
        raise InputError("periods", periods, "must be consecutive quarters")
    years = _years(periods)
    n_t = len(periods)
    # Row by row (one quarter of all paths at a time): no (period, path)
    # temporaries besides the two results, whose pages are touched once.
    z = rng.standard_normal((4, n_paths))  # drift and volatility draws per series
    models = (section.inference_tokens, section.training_flop)
    logs = (np.empty((n_t, n_paths)), np.empty((n_t, n_paths)))
    steps = [_drift_and_step(m, z[2 * i], z[2 * i + 1]) for i, m in enumerate(models)]
    adoption = [np.log(adoption_multiplier(m.adoption, periods)) for m in models]
    rho = section.correlation
    other = np.sqrt(1.0 - rho * rho)
    eps_inf, eps_trn = np.empty(n_paths), np.empty(n_paths)
    for log in logs:
        log[0] = 0.0
    for t in range(1, n_t):
        rng.standard_normal(out=eps_inf)
        rng.standard_normal(out=eps_trn)
        eps_trn *= other
        eps_trn += rho * eps_inf  # correlated shocks
        eps = (eps_inf, eps_trn)
        for log, (drift, step), e in zip(logs, steps, eps, strict=True):
            row = np.multiply(e, step, out=log[t])
            row += drift
            row += log[t - 1]
    for log, curve in zip(logs, adoption, strict=True):  # after the running sums
        for t in range(1, n_t):
            log[t] += curve[t]
    for shift in section.regime_shifts:
        tau = (
            rng.exponential(1.0 / shift.rate_per_year, n_paths)
            if shift.rate_per_year > 0
            else np.full(n_paths, np.inf)
        )
        for name, model, log in zip(
            ("inference", "training"), models, logs, strict=True
        ):
            if shift.applies_to not in (name, "both"):
                continue
            delta = np.log1p(shift.growth_per_year_after) - np.log1p(
                model.growth_per_year
            )
            jump = np.log1p(shift.level_change)
            for t in range(n_t):
                after = years[t] - tau
                log[t] += delta * np.maximum(after, 0.0) + jump * (after >= 0.0)
    inference = np.exp(logs[0], out=logs[0])
    inference *= section.inference_tokens.start
    training = np.exp(logs[1], out=logs[1])
    training *= section.training_flop.start
    fraction = None
    multiplier = 1.0
    launches = section.launches
    if launches is not None and launches.launches_per_year > 0:
        fraction = np.empty((n_t, n_paths), np.float32)  # 7 digits are plenty
        lam = launches.launches_per_year * YEARS_PER_QUARTER
        weeks = launches.duration_weeks / WEEKS_PER_QUARTER
        for t in range(n_t):
            np.multiply(rng.poisson(lam, n_paths), weeks, out=fraction[t])
        np.minimum(fraction, 1.0, out=fraction)
        multiplier = launches.multiplier
    return DemandPaths(tuple(periods), inference, training, fraction, multiplier)


def _drift_and_step(
    model: GrowthModel, drift_z: np.ndarray, vol_z: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-path log increment per quarter without the shock, and the shock's sd."""
    mu = np.log1p(model.growth_per_year) + model.growth_sd_per_year * drift_z
    s = model.volatility_sd
    sigma = model.volatility_per_year * np.exp(s * vol_z - 0.5 * s * s)
    dt = YEARS_PER_QUARTER
    return (mu - 0.5 * sigma * sigma) * dt, sigma * np.sqrt(dt)


def deterministic_path(section: DemandSection, periods: Sequence[str]) -> DemandPaths:
    """The one path with every uncertainty switched off, ``(period, 1)``.

    Each series grows at ``growth_per_year`` times its adoption S-curve; no
    shocks, no regime shift, no launch. With all volatilities and drift
    uncertainties zero and no shifts or launches, every sampled path equals it.

    Parameters
    ----------
    section : DemandSection
        Starts, growth and adoption curves of the demand model.
    periods : sequence of str
        Quarter labels (``"2026Q1"``) the path covers.

    Returns
    -------
    DemandPaths
        One path (``path`` length 1), no launch spikes.
    """
    years = _years(list(periods))
    out = []
    for model in (section.inference_tokens, section.training_flop):
        level = model.start * np.exp(np.log1p(model.growth_per_year) * years)
        out.append((level * adoption_multiplier(model.adoption, periods))[:, None])
    return DemandPaths(tuple(periods), out[0], out[1])


# -- scenario reduction --------------------------------------------------------


@dataclass(frozen=True)
class ReducedScenarios:
    """A few weighted demand scenarios standing for many paths.

    Attributes
    ----------
    periods : tuple of str
        Quarter labels.
    probability : ndarray
        Weight of each scenario (share of paths it stands for), sums to 1.
    inference_tokens, training_flop : ndarray
        Scenario demand, ``(period, scenario)``, launch spikes included.
        [tokens], [FLOP]
    transport_distance : float
        Mean distance from each path to its scenario: the root-mean-square
        over the ``2 * period`` coordinates (both series, each over its
        period mean). It is the cost of a feasible transport plan, so an
        upper bound on the Wasserstein-1 distance between the full and the
        reduced distribution in that metric. [dimensionless]
    marginal_distance : ndarray
        Wasserstein-1 distance between the full and the reduced marginal of
        each series and period over that period's mean demand,
        ``(series, period)`` with series (inference, training). [dimensionless]
    """

    periods: tuple[str, ...]
    probability: np.ndarray
    inference_tokens: np.ndarray
    training_flop: np.ndarray
    transport_distance: float
    marginal_distance: np.ndarray

    def to_plan_scenarios(self, prefix: str = "reduced") -> list[dict[str, Any]]:
        """Scenarios in the form of ``plan.scenarios`` entries of a scenario file.

        Parameters
        ----------
        prefix : str
            Scenario names are ``<prefix>-<k>``.

        Returns
        -------
        list of dict
            One entry per scenario: ``name``, ``probability`` [dimensionless],
            ``inference_tokens`` [tokens] and ``training_flop`` [FLOP] per period.
        """
        return [
            {
                "name": f"{prefix}-{i + 1}",
                "probability": float(p),
                "inference_tokens": [float(v) for v in self.inference_tokens[:, i]],
                "training_flop": [float(v) for v in self.training_flop[:, i]],
            }
            for i, p in enumerate(self.probability)
        ]

    def as_paths(self) -> DemandPaths:
        """The scenarios as (unweighted) demand paths, for evaluating a plan.

        Returns
        -------
        DemandPaths
            One path per scenario, in scenario order; probabilities dropped.
        """
        return DemandPaths(self.periods, self.inference_tokens, self.training_flop)


def _kmeans(
    x: np.ndarray, k: int, rng: np.random.Generator, iterations: int
) -> tuple[np.ndarray, np.ndarray]:
    """Lloyd's k-means with k-means++ seeding [3]_; rows of ``x`` are points."""
    n = x.shape[0]
    sq = np.einsum("ij,ij->i", x, x)
    centres = np.empty((k, x.shape[1]))
    centres[0] = x[rng.integers(n)]
    dist = np.maximum(sq - 2 * x @ centres[0] + centres[0] @ centres[0], 0.0)
    for j in range(1, k):
        total = dist.sum()
        pick = rng.choice(n, p=dist / total) if total > 0 else rng.integers(n)
        centres[j] = x[pick]
        dist = np.minimum(dist, np.maximum(sq - 2 * x @ x[pick] + x[pick] @ x[pick], 0))
    labels = np.zeros(n, dtype=np.intp)
    for it in range(iterations):
        d2 = sq[:, None] - 2 * x @ centres.T + np.einsum("ij,ij->i", centres, centres)
        new = np.argmin(d2, axis=1)
        if it and np.array_equal(new, labels):
            break
        labels = new
        counts = np.bincount(labels, minlength=k)
        sums = np.zeros_like(centres)
        np.add.at(sums, labels, x)
        empty = counts == 0
        centres[~empty] = sums[~empty] / counts[~empty, None]
        if empty.any():  # restart an empty cluster at the worst-served point
            worst = np.argsort(d2[np.arange(n), labels])[::-1][: int(empty.sum())]
            centres[empty] = x[worst]
    return labels, np.bincount(labels, minlength=k)


def reduce_paths(
    paths: DemandPaths,
    n_scenarios: int,
    rng: np.random.Generator,
    iterations: int = 50,
) -> ReducedScenarios:
    """Cluster demand paths into ``n_scenarios`` weighted scenarios.

    Parameters
    ----------
    paths : DemandPaths
        The full set of paths (launch spikes are folded into inference demand).
    n_scenarios : int
        Number of scenarios wanted (fewer come back if paths coincide).
    rng : numpy.random.Generator
        For the k-means++ seeding.
    iterations : int
        Most Lloyd iterations.

    Returns
    -------
    ReducedScenarios
        Cluster means with their shares of paths, and distances to the full set.

    Notes
    -----
    Each path is a point: inference and training demand of every period, each
    divided by that period's mean over paths. k-means [3]_ groups the points;
    a scenario is the mean of its group's paths and its probability the
    group's share of paths. The probability-weighted mean of the scenarios is
    then the mean of all paths exactly (up to rounding): the first moment is
    matched by construction, while spread within each group is lost. This is
    a clustering form of the scenario reduction of [2]_.
    """
    if n_scenarios < 1:
        raise InputError("reduction.scenarios", n_scenarios, "must be >= 1")
    inf = paths.total_inference_tokens()
    trn = paths.training_flop
    n = paths.n_paths
    k = min(n_scenarios, n)
    stacked = np.concatenate([inf, trn], axis=0)  # (2T, N)
    mean = stacked.mean(axis=1)
    scale = np.divide(1.0, mean, out=np.zeros_like(mean), where=mean > 0)
    x = (stacked * scale[:, None]).T  # (N, 2T), relative to the period mean
    labels, counts = _kmeans(_log_features(x), k, rng, iterations)
    keep = counts > 0
    sums = np.zeros((k, stacked.shape[0]))
    np.add.at(sums, labels, stacked.T)
    reps = (sums[keep] / counts[keep, None]).T  # (2T, k')
    prob = counts[keep] / n
    rel = reps * scale[:, None]
    remap = np.cumsum(keep) - 1
    gap = np.linalg.norm(x - rel.T[remap[labels]], axis=1) / np.sqrt(x.shape[1])
    transport = float(np.mean(gap))
    n_t = len(paths.periods)
    marginal = np.array(
        [
            _w1_weighted(stacked[r], reps[r], prob) * scale[r]
            for r in range(stacked.shape[0])
        ]
    ).reshape(2, n_t)
    return ReducedScenarios(
        paths.periods, prob, reps[:n_t], reps[n_t:], transport, marginal
    )


def _log_features(x: np.ndarray) -> np.ndarray:
    """Standardised logs of relative demand: growth rates, not levels, dominate."""
    logs = np.log(np.maximum(x, 1e-12))
    logs -= logs.mean(axis=0)
    sd = logs.std(axis=0)
    logs /= np.where(sd > 0, sd, 1.0)
    return logs


def _w1_weighted(full: np.ndarray, atoms: np.ndarray, weights: np.ndarray) -> float:
    """Wasserstein-1 distance between equal-weight samples and weighted atoms."""
    from scipy.stats import wasserstein_distance

    return float(wasserstein_distance(full, atoms, v_weights=weights))
