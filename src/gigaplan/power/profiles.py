"""Deterministic synthetic hourly solar capacity-factor profile.

Method: solar declination (Cooper 1969) and hour angle give the zenith angle
at the site each UTC hour; clear-sky output ~ cos(zenith)^1.15 (Meinel-type
air-mass attenuation); a seeded AR(1) daily clearness index (mean 1, sd 0.25,
lag-1 0.6) models cloudy spells; the year is scaled so its mean equals the
region's annual capacity factor and clipped at 1.

References
----------
Cooper, P. I. (1969). The absorption of radiation in solar stills. Solar Energy 12(3).
Meinel, A. B., Meinel, M. P. (1976). Applied Solar Energy. Addison-Wesley.
"""

from __future__ import annotations

import numpy as np

from gigaplan.units import HOURS_PER_YEAR


def solar_cf_profile(
    latitude_deg: float, longitude_deg: float, annual_cf: float, seed: int = 20261124
) -> np.ndarray:
    """Hourly (UTC) capacity factors for one non-leap year, mean ``annual_cf``.

    Parameters
    ----------
    latitude_deg, longitude_deg : float
        Site position. [deg]
    annual_cf : float
        Mean capacity factor over the year. [dimensionless]
    seed : int
        Seeds the day-to-day cloud noise.

    Returns
    -------
    ndarray, shape (8760,)
        Capacity factor each hour, in [0, 1]. [dimensionless]
    """
    hours = np.arange(HOURS_PER_YEAR)
    day = hours // 24
    decl = np.deg2rad(23.45) * np.sin(2 * np.pi * (284 + day + 1) / 365)
    solar_hour = (hours % 24) + 0.5 + longitude_deg / 15.0
    omega = np.deg2rad(15.0 * (solar_hour - 12.0))
    lat = np.deg2rad(latitude_deg)
    cosz = np.sin(lat) * np.sin(decl) + np.cos(lat) * np.cos(decl) * np.cos(omega)
    clear = np.clip(cosz, 0.0, None) ** 1.15
    rng = np.random.default_rng(seed)
    k = np.empty(365)
    k[0] = 0.0
    eps = rng.normal(0.0, 0.25 * np.sqrt(1 - 0.6**2), 365)
    for d in range(1, 365):
        k[d] = 0.6 * k[d - 1] + eps[d]
    clearness = np.clip(1.0 + k, 0.2, 1.3)[day]
    raw = clear * clearness
    cf = raw * annual_cf / raw.mean()
    for _ in range(20):  # re-scale after clipping so the mean holds
        cf = np.clip(cf, 0.0, 1.0)
        cf *= annual_cf / cf.mean()
    return np.clip(cf, 0.0, 1.0)


def wind_power_curve_pu(
    speed_m_per_s: np.ndarray,
    cut_in_m_per_s: float = 3.0,
    rated_m_per_s: float = 11.0,
    cut_out_m_per_s: float = 25.0,
) -> np.ndarray:
    r"""
    Output of a generic wind turbine per unit of its rating.

    Parameters
    ----------
    speed_m_per_s : ndarray
        Hub-height wind speed. [m/s]
    cut_in_m_per_s, rated_m_per_s, cut_out_m_per_s : float
        Corner speeds of the curve. [m/s]

    Returns
    -------
    ndarray
        Output / rating, in [0, 1]. [dimensionless]

    Notes
    -----
    :math:`P = (v^3 - v_i^3) / (v_r^3 - v_i^3)` between cut-in and rated, 1 up
    to cut-out, 0 outside: the cubic region of an idealised pitch-regulated
    turbine [1]_. The corner speeds (3 / 11 / 25 m/s) are ASSUMPTIONS typical of
    current low-specific-power onshore machines.

    References
    ----------
    .. [1] Burton, T. et al. (2011). Wind Energy Handbook, 2nd ed., Wiley, ch. 6.

    Examples
    --------
    >>> wind_power_curve_pu(np.array([2.0, 11.0, 30.0])).tolist()
    [0.0, 1.0, 0.0]
    """
    v = np.asarray(speed_m_per_s, dtype=float)
    cubic = (v**3 - cut_in_m_per_s**3) / (rated_m_per_s**3 - cut_in_m_per_s**3)
    out = np.where(v >= rated_m_per_s, 1.0, np.clip(cubic, 0.0, 1.0))
    return np.where((v < cut_in_m_per_s) | (v >= cut_out_m_per_s), 0.0, out)


def _wind_shape(latitude_deg: float, longitude_deg: float, seed: int) -> np.ndarray:
    """Unscaled hourly wind speed (mean ~1) before the calibration scale."""
    from scipy.signal import lfilter
    from scipy.special import ndtr

    hours = np.arange(HOURS_PER_YEAR)
    rng = np.random.default_rng(seed)
    rho = 0.97  # hourly lag-1 autocorrelation of the synoptic signal
    eps = rng.normal(0.0, 1.0, HOURS_PER_YEAR)
    z = lfilter([np.sqrt(1 - rho**2)], [1.0, -rho], eps, zi=[rho * eps[0]])[0]
    u = np.clip(ndtr(z), 1e-12, 1 - 1e-12)
    weibull_k = 2.0
    x = (-np.log1p(-u)) ** (1.0 / weibull_k)  # Weibull(k=2, scale 1) marginal
    day = hours // 24
    spring_peak_day = 105 if latitude_deg >= 0 else 288
    seasonal = 1.0 + 0.15 * np.cos(2 * np.pi * (day - spring_peak_day) / 365)
    local_hour = (hours % 24 + longitude_deg / 15.0) % 24
    diurnal = 1.0 + 0.15 * np.cos(2 * np.pi * (local_hour - 1.0) / 24)
    return x * seasonal * diurnal


def wind_cf_profile(
    latitude_deg: float,
    longitude_deg: float,
    annual_cf: float,
    seed: int = 20261125,
) -> np.ndarray:
    r"""
    Hourly (UTC) onshore wind capacity factors for one non-leap year.

    Parameters
    ----------
    latitude_deg, longitude_deg : float
        Site; longitude sets local time, the sign of latitude the season. [deg]
    annual_cf : float
        Target annual capacity factor, in (0, 0.6]. [dimensionless]
    seed : int
        Seed of the ``np.random.Generator`` that draws the weather.

    Returns
    -------
    ndarray (8760,)
        Capacity factor each hour, in [0, 1], mean ``annual_cf``.
        [dimensionless]

    Notes
    -----
    A synthetic, physically shaped series, not measured weather:

    1. A stationary Gaussian AR(1), :math:`z_t = \rho z_{t-1} +
       \sqrt{1-\rho^2}\,\varepsilon_t` with :math:`\rho = 0.97` per hour
       (decorrelation in ~1.5 days, synoptic weather), is mapped through the
       normal CDF and the Weibull quantile function, so the hub-height speed
       has a Weibull marginal with shape :math:`k = 2` [1]_ and the AR
       autocorrelation.
    2. The speed is multiplied by a seasonal factor
       :math:`1 + 0.15\cos(2\pi(d - 105)/365)` (spring maximum, mid-April
       in the northern hemisphere) and a diurnal factor
       :math:`1 + 0.15\cos(2\pi(h_{local} - 1)/24)` (night-time maximum at hub
       height from the nocturnal low-level jet of the Great Plains [2]_).
    3. The speed goes through :func:`wind_power_curve_pu` and the Weibull
       scale :math:`c` is found by bisection so the annual mean equals
       ``annual_cf`` (the sourced regional figure).

    Limitations: amplitudes (0.15), :math:`\rho` and :math:`k` are
    ASSUMPTIONS of typical inland sites; no wake or availability losses
    apart from what the calibration absorbs; no correlation with the solar
    profile's cloudiness.

    References
    ----------
    .. [1] Justus, C. G. et al. (1978). Methods for estimating wind speed
       frequency distributions. J. Applied Meteorology 17(3), 350-353.
    .. [2] Whiteman, C. D. et al. (1997). Low-level jet climatology from
       enhanced rawinsonde observations at a site in the southern Great
       Plains. J. Applied Meteorology 36(10), 1363-1376.

    Examples
    --------
    >>> cf = wind_cf_profile(32.45, -99.73, 0.36)
    >>> round(float(cf.mean()), 3), cf.shape
    (0.36, (8760,))
    """
    if not 0.0 < annual_cf <= 0.6:
        from gigaplan.errors import InputError

        raise InputError("wind annual_cf", annual_cf, "in (0, 0.6]")
    shape = _wind_shape(latitude_deg, longitude_deg, seed)
    lo, hi = 0.5, 14.0  # m/s; CF rises with c over this range (cut-out rare)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if wind_power_curve_pu(mid * shape).mean() < annual_cf:
            lo = mid
        else:
            hi = mid
    return wind_power_curve_pu(0.5 * (lo + hi) * shape)
