"""Representative days: cluster the horizon's days, weight them, link storage.

The days of the horizon are clustered by k-means (Lloyd's algorithm from a
k-means++ start drawn from a seeded generator, plain numpy) on their 24-hour demand,
capacity-factor and price profiles, each scaled by its horizon maximum so no
unit dominates (best of 5 seeded k-means++ starts). Each cluster is
represented by its mean day (the centroid in original units, so every
profile's horizon total is kept exactly) and weighted by the number of days it
stands for. The LP then keeps one chronological
start-of-day storage level per real day, linked through the representative
days' intra-day changes (Kotzur et al. 2018; see
:func:`gigaplan.power.build._battery_repdays`), so storage can carry energy
between days and seasons correctly.

Limitations: averaging smooths within-cluster extremes (a windless day
inside a windy cluster disappears), and peak-demand or extreme-weather days
are not forced in as their own clusters; the firm-capacity limit uses the
full-horizon peak instead. With as many clusters as days the reduced model
is the full one (tested).

References
----------
Kotzur, L. et al. (2018). Time series aggregation for energy system design:
Modeling seasonal storage. Applied Energy 213, 123-135.
"""

from __future__ import annotations

import numpy as np

from gigaplan.errors import InputError
from gigaplan.power.build import Profiles


def day_features(p: Profiles) -> np.ndarray:
    """Days x (24 x profiles) matrix, each profile divided by its maximum.

    Parameters
    ----------
    p : Profiles
        Hourly profiles over whole days.

    Returns
    -------
    ndarray, shape (day, 24 x profile)
        Each day's normalised profiles side by side. [dimensionless]
    """
    n_days = p.demand_mw.size // 24
    blocks = [p.demand_mw, p.grid_price_usd_per_mwh, *p.capacity_factor.values()]
    cols = []
    for arr in blocks:
        scale = float(np.max(np.abs(arr))) or 1.0
        cols.append(
            np.asarray(arr[: n_days * 24], dtype=float).reshape(n_days, 24) / scale
        )
    return np.hstack(cols)


def cluster_days(features: np.ndarray, n_rep: int, seed: int = 0) -> np.ndarray:
    """k-means cluster of each day, numbered in order of first appearance.

    Parameters
    ----------
    features : ndarray (days, f)
        One row per day.
    n_rep : int
        Clusters wanted (fewer come back if some end up empty).
    seed : int
        Seed of the ``np.random.Generator`` for the k-means++ starts; the best
        of 5 starts (least within-cluster sum of squares) is kept.

    Returns
    -------
    ndarray of int (days,)
        Cluster of each day, 0..k-1.
    """
    n_days = features.shape[0]
    if n_rep >= n_days:
        return np.arange(n_days)
    rng = np.random.default_rng(seed)
    best, best_sse = np.zeros(n_days, dtype=int), np.inf
    for _ in range(5):
        labels, sse = _kmeans(features, n_rep, rng)
        if sse < best_sse:
            best, best_sse = labels, sse
    _, first = np.unique(best, return_index=True)
    order = {int(best[i]): r for r, i in enumerate(np.sort(first))}
    return np.array([order[int(k)] for k in best])


def _kmeans(
    x: np.ndarray, k: int, rng: np.random.Generator
) -> tuple[np.ndarray, float]:
    """Lloyd's k-means from a k-means++ start (Arthur & Vassilvitskii 2007)."""
    centres = [x[rng.integers(x.shape[0])]]
    for _ in range(1, k):
        d2 = ((x[:, None, :] - np.array(centres)[None]) ** 2).sum(-1).min(axis=1)
        centres.append(x[rng.choice(x.shape[0], p=d2 / d2.sum())] if d2.sum() else x[0])
    c = np.array(centres)
    labels = np.zeros(x.shape[0], dtype=int)
    for it in range(100):
        d2 = ((x[:, None, :] - c[None]) ** 2).sum(-1)
        new = d2.argmin(axis=1)
        if it and np.array_equal(new, labels):
            break
        labels = new
        for j in range(k):
            members = x[labels == j]
            if members.size:
                c[j] = members.mean(axis=0)
    return labels, float(((x - c[labels]) ** 2).sum())


def reduce_profiles(p: Profiles, n_rep: int, seed: int = 0) -> Profiles:
    """Profiles of the representative days with their weights and day map.

    Parameters
    ----------
    p : Profiles
        Hourly profiles over whole days.
    n_rep : int
        Representative days to keep.
    seed : int
        Seeds the k-means start.

    Returns
    -------
    Profiles
        ``n_rep`` x 24 hours, each weighted by the days it stands for. [h]

    Raises
    ------
    InputError
        If the horizon is not whole days or ``n_rep`` is not in 1..days.
    """
    n = p.demand_mw.size
    if n % 24:
        raise InputError("hours", n, "a multiple of 24 for representative days")
    n_days = n // 24
    if not 1 <= n_rep <= n_days:
        raise InputError("rep_days", n_rep, f"1..{n_days} (days modelled)")
    day_rep = cluster_days(day_features(p), n_rep, seed)
    counts = np.bincount(day_rep)
    onehot = np.zeros((counts.size, n_days))
    onehot[day_rep, np.arange(n_days)] = 1.0 / counts[day_rep]

    def mean_day(arr: np.ndarray) -> np.ndarray:
        return (onehot @ arr.reshape(n_days, 24)).ravel()

    weight_h = np.repeat(p.weight_h[0] * counts, 24)
    return Profiles(
        demand_mw=mean_day(p.demand_mw),
        capacity_factor={t: mean_day(v) for t, v in p.capacity_factor.items()},
        grid_price_usd_per_mwh=mean_day(p.grid_price_usd_per_mwh),
        weight_h=weight_h,
        day_rep=day_rep,
    )
