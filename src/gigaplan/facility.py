"""Facility power and energy: from IT load to what the site meter sees."""

from __future__ import annotations

import numpy as np

from gigaplan._typing import FloatLike
from gigaplan.errors import InputError


def facility_power_mw(it_load_mw: FloatLike, pue: FloatLike) -> FloatLike:
    r"""
    Power drawn at the facility meter for a given IT load.

    Parameters
    ----------
    it_load_mw : float or array-like
        Power delivered to IT equipment (accelerators, hosts, network). [MW]
    pue : float or array-like
        Power usage effectiveness, facility power / IT power, >= 1. [dimensionless]

    Returns
    -------
    facility_mw : same type as ``it_load_mw``
        IT load plus cooling, power-conversion losses and lighting. [MW]

    Notes
    -----
    By definition [1]_, :math:`P_{fac} = \mathrm{PUE} \cdot P_{IT}`.

    References
    ----------
    .. [1] ISO/IEC 30134-2:2016, "Information technology -- Data centres --
       Key performance indicators -- Part 2: Power usage effectiveness (PUE)".

    Examples
    --------
    >>> facility_power_mw(100.0, 1.25)
    125.0
    """
    if np.any(np.asarray(pue) < 1.0):
        raise InputError("pue", pue, "must be >= 1.0 (facility power / IT power)")
    if np.any(np.asarray(it_load_mw) < 0.0):
        raise InputError("it_load_mw", it_load_mw, "must be >= 0 MW")
    return it_load_mw * pue


def overhead_power_mw(it_load_mw: FloatLike, pue: FloatLike) -> FloatLike:
    """
    Non-IT power (cooling, conversion losses, lighting) for a given IT load.

    Parameters
    ----------
    it_load_mw : float or array-like
        IT load. [MW]
    pue : float or array-like
        Power usage effectiveness, >= 1. [dimensionless]

    Returns
    -------
    overhead_mw : same type as ``it_load_mw``
        ``(pue - 1) * it_load_mw``. [MW]

    Examples
    --------
    >>> round(overhead_power_mw(100.0, 1.25), 6)
    25.0
    """
    return facility_power_mw(it_load_mw, pue) - it_load_mw
