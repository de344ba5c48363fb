"""Shared type aliases."""

from typing import TypeVar

import numpy as np
import pandas as pd
import xarray as xr

FloatLike = TypeVar("FloatLike", float, np.ndarray, pd.Series, xr.DataArray)
"""A float or an array of floats; functions return the kind they were given."""
