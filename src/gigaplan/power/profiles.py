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

HOURS_PER_YEAR = 8760


def solar_cf_profile(
    latitude_deg: float, longitude_deg: float, annual_cf: float, seed: int = 20261124
) -> np.ndarray:
    """Hourly (UTC) capacity factors for one non-leap year, mean ``annual_cf``."""
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
