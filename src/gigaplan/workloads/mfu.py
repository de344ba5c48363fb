r"""Training MFU as a function of model size and accelerator speed, fitted on runs.

A single MFU for every run misses by 2-3x between an 8B model on thousands of
H100s and a 70B model on A100s (issue 12). Published runs show two trends:
small models use a fast chip less well (less work per communication step), and
the same software reaches a lower fraction of a faster chip's peak. The model is
log-linear in both,

.. math:: \ln \mathrm{MFU} = a + b \log_{10}(N_a / 10^9) + c \log_{10}(P / 312),

with :math:`N_a` active parameters and :math:`P` the dense BF16 peak in TFLOP/s
(312 = A100, so :math:`a` is the log-MFU of a 1B model on an A100). FP8
training multiplies achieved BF16 FLOP/s by a measured speed-up, not by the
peak ratio. The coefficients are fitted by least squares on the ``fit`` cases
of ``workloads/validation.yaml`` (:func:`fit_mfu_coefficients`) and shipped in
``workloads/defaults.yaml``; :func:`leave_one_out_errors` reports how well the
form predicts a run it was not fitted on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: BF16 dense peak of the reference accelerator (A100 SXM4). [TFLOP/s]
REFERENCE_PEAK_TFLOPS = 312.0
#: MFU is kept inside this range whatever the inputs. [dimensionless]
MFU_BOUNDS = (0.05, 0.65)


@dataclass(frozen=True)
class MfuCoefficients:
    """Coefficients of :func:`training_mfu`. [dimensionless]"""

    intercept: float
    size_slope: float
    peak_slope: float


def training_mfu(
    active_params: float, bf16_peak_tflops: float, coefficients: MfuCoefficients
) -> float:
    """
    Model FLOPs utilisation against the BF16 peak for one training run.

    Parameters
    ----------
    active_params : float
        Parameters used per token. [count]
    bf16_peak_tflops : float
        Dense BF16 peak of one accelerator. [TFLOP/s]
    coefficients : MfuCoefficients
        Fitted coefficients (``defaults.yaml``).

    Returns
    -------
    mfu : float
        Achieved / BF16 peak, clipped to ``MFU_BOUNDS``. [dimensionless]

    Examples
    --------
    >>> round(training_mfu(1e9, 312.0, MfuCoefficients(-1.0, 0.0, 0.0)), 4)
    0.3679
    """
    x_size = np.log10(active_params / 1e9)
    x_peak = np.log10(bf16_peak_tflops / REFERENCE_PEAK_TFLOPS)
    log_mfu = (
        coefficients.intercept
        + coefficients.size_slope * x_size
        + coefficients.peak_slope * x_peak
    )
    return float(np.clip(np.exp(log_mfu), *MFU_BOUNDS))


def published_mfu(
    active_params: float, tokens: float, bf16_peak_tflops: float, hours: float
) -> float:
    """MFU implied by a published run: 6·N·D over accelerator-hours x BF16 peak."""
    return 6.0 * active_params * tokens / (hours * 3600.0 * bf16_peak_tflops * 1e12)


def fit_mfu_coefficients(
    active_params: Sequence[float],
    bf16_peak_tflops: Sequence[float],
    mfu: Sequence[float],
) -> MfuCoefficients:
    """Ordinary least squares of ln MFU on the two regressors (see module notes)."""
    n = np.asarray(active_params, dtype=float)
    p = np.asarray(bf16_peak_tflops, dtype=float)
    y = np.log(np.asarray(mfu, dtype=float))
    design = np.column_stack(
        [np.ones_like(n), np.log10(n / 1e9), np.log10(p / REFERENCE_PEAK_TFLOPS)]
    )
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    return MfuCoefficients(*(float(v) for v in beta))


def leave_one_out_errors(
    active_params: Sequence[float],
    bf16_peak_tflops: Sequence[float],
    mfu: Sequence[float],
) -> list[float]:
    """
    Relative error of accelerator-hours for each run, predicted by a fit without it.

    Hours are inversely proportional to MFU, so the error of hours is
    ``published_mfu / predicted_mfu - 1``.
    """
    out = []
    for i in range(len(mfu)):
        keep = [j for j in range(len(mfu)) if j != i]
        coef = fit_mfu_coefficients(
            [active_params[j] for j in keep],
            [bf16_peak_tflops[j] for j in keep],
            [mfu[j] for j in keep],
        )
        predicted = training_mfu(active_params[i], bf16_peak_tflops[i], coef)
        out.append(mfu[i] / predicted - 1.0)
    return out
