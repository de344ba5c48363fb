r"""Objective of the buildout LP: expected cost, optionally blended with CVaR.

The cost of scenario :math:`s` is its discounted capex, opex and unmet-demand
penalty, :math:`C_s = \sum_t d_t c_{t,s}`. Risk neutral, the planner minimises
:math:`E[C] = \sum_s p_s C_s`. With ``risk_aversion: {weight: λ, alpha: α}``
it minimises

.. math::

    (1 - \lambda)\,E[C] + \lambda\,\mathrm{CVaR}_\alpha[C],

with the conditional value-at-risk linearised as in Rockafellar and
Uryasev [1]_:

.. math::

    \mathrm{CVaR}_\alpha[C] = \min_{\eta}\; \eta + \frac{1}{1-\alpha}
    \sum_s p_s z_s, \qquad z_s \ge C_s - \eta,\; z_s \ge 0.

At the optimum :math:`\eta` is the value-at-risk of cost and the bracket the
mean of the worst :math:`1-\alpha` tail. The duals of every limit are then
derivatives of this risk-adjusted objective, not of expected cost.

References
----------
.. [1] R. T. Rockafellar and S. Uryasev, "Optimization of conditional
   value-at-risk", Journal of Risk 2(3), 21-41, 2000, Theorem 1 and eq. (17).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from gigaplan.plan.inputs import PlanInputs


def scenario_cost(cost_per_period: Any, discount: xr.DataArray) -> Any:
    r"""Discounted cost of each scenario, a linear expression over ``scenario``.

    Parameters
    ----------
    cost_per_period : linopy.LinearExpression
        Capex + opex + penalty over (``period``, ``scenario``). [M$]
    discount : xarray.DataArray
        Discount factor per period. [dimensionless]

    Returns
    -------
    linopy.LinearExpression
        :math:`C_s = \sum_t d_t c_{t,s}` over ``scenario``. [M$]
    """
    return (cost_per_period * discount).sum("period")


def remaining_share(
    period: xr.DataArray,
    lead_q: xr.DataArray,
    life_q: xr.DataArray,
    n_periods: int,
) -> xr.DataArray:
    r"""Share of an asset's life still ahead at the end of the horizon.

    Bought in period :math:`t`, in service from :math:`t + L` for
    :math:`\ell` quarters, straight-line depreciated from entering service:
    :math:`\min(1, \max(0, (t + L + \ell - T) / \ell))` at the horizon end
    :math:`T` (``n_periods``). An asset whose life ends inside the horizon is
    worth nothing then; one not yet in service keeps all its value.

    Parameters
    ----------
    period : xarray.DataArray
        Position of each period, 0 for the first. [quarters]
    lead_q, life_q : xarray.DataArray
        Lead time and economic life. [quarters]
    n_periods : int
        Periods in the horizon. [quarters]

    Returns
    -------
    xarray.DataArray
        Over the dimensions of the inputs. [dimensionless, 0..1]

    Examples
    --------
    >>> t = xr.DataArray([0, 6, 7], dims="period")
    >>> remaining_share(t, xr.DataArray(1), xr.DataArray(4), 8).values.tolist()
    [0.0, 0.75, 1.0]
    """
    ahead = (period + lead_q + life_q - n_periods) / life_q.where(life_q > 0)
    return ahead.clip(0.0, 1.0).fillna(0.0)


def add_objective(m: Any, inp: PlanInputs, cost_per_scenario: Any) -> dict[str, Any]:
    """Set the objective of ``m``: expected cost, or the CVaR blend.

    Parameters
    ----------
    m : linopy.Model
        The model to add the objective (and CVaR variables) to.
    inp : PlanInputs
        Resolved section; reads ``risk_aversion`` and scenario probabilities.
    cost_per_scenario : linopy.LinearExpression
        Discounted cost of each scenario (:func:`scenario_cost`). [M$]

    Returns
    -------
    dict
        Expressions for results: ``expected_cost`` and, with risk aversion,
        ``cvar_cost`` (both in M$).
    """
    prob = inp.demand.probability
    expected = (cost_per_scenario * prob).sum()
    risk = inp.section.risk_aversion
    if risk is None:
        m.add_objective(expected)
        return {"expected_cost": expected}
    # Every cost term is >= 0, so the VaR (the optimal eta, a quantile of C)
    # is too: the bound changes no optimum and keeps the master LP of the
    # scenario decomposition bounded before it has cuts.
    eta = m.add_variables(lower=0.0, name="cvar_eta")
    excess = m.add_variables(
        lower=0, coords=[prob.indexes["scenario"]], name="cvar_excess"
    )
    m.add_constraints(excess - cost_per_scenario + eta >= 0, name="cvar_excess_def")
    cvar = eta + (excess * (prob / (1.0 - risk.alpha))).sum()
    m.add_objective((1.0 - risk.weight) * expected + risk.weight * cvar)
    return {"expected_cost": expected, "cvar_cost": cvar}


def cvar(costs: np.ndarray, probabilities: np.ndarray, alpha: float) -> float:
    r"""Conditional value-at-risk of a discrete cost distribution.

    Parameters
    ----------
    costs : ndarray
        Cost of each scenario. [any unit]
    probabilities : ndarray
        Scenario probabilities, summing to 1. [dimensionless]
    alpha : float
        Confidence level in (0, 1). [dimensionless]

    Returns
    -------
    float
        :math:`\min_\eta \eta + (1-\alpha)^{-1} \sum_s p_s (C_s - \eta)^+`,
        the mean of the worst :math:`1-\alpha` probability tail. [unit of costs]

    Notes
    -----
    The function of :math:`\eta` is convex and piecewise linear with kinks at
    the scenario costs, so its minimum is at one of them [1]_ (Theorem 1).

    References
    ----------
    .. [1] R. T. Rockafellar and S. Uryasev, "Optimization of conditional
       value-at-risk", Journal of Risk 2(3), 21-41, 2000.

    Examples
    --------
    >>> cvar(np.array([1.0, 3.0]), np.array([0.5, 0.5]), 0.5)
    3.0
    >>> cvar(np.array([1.0, 3.0]), np.array([0.5, 0.5]), 0.25)
    2.333333333333333
    """
    c = np.asarray(costs, dtype=float)
    p = np.asarray(probabilities, dtype=float)
    tail = np.clip(c[None, :] - c[:, None], 0.0, None) @ p
    return float(np.min(c + tail / (1.0 - alpha)))
