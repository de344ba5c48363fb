r"""Training MFU from the physics of one optimizer step, fitted on published runs.

One MFU for every run misses by 2-3x between an 8B model on 16k H100s and a
70B model on A100s (issue 12). Here the step time of one accelerator is built
from what it waits on:

.. math::

   t_{step} = t_c (1 + \beta) + (1 - o)\, t_{ar} + t_{lat}, \qquad
   \mathrm{MFU} = \frac{\eta_{core}\, \eta_{mm}\, t_c}{t_{step}}

- :math:`t_c`, matrix work at the core efficiency
  :math:`\eta_{core} \eta_{mm}`, with :math:`\ln \eta_{core} = a + c
  \log_{10}(P/312)` (:math:`P` the dense BF16 peak, 312 = A100) and
  :math:`\eta_{mm} = w / (w + w_0)` the small-matmul penalty of a per-device
  matrix width :math:`w` (hidden size / TP; an MoE's routed-expert share of the
  FLOPs uses the expert FFN width);
- :math:`\beta = (PP - 1) / (m v)`, the pipeline bubble with :math:`m`
  micro-batches of one sequence per pipeline and :math:`v` virtual stages
  (interleaved schedule, Narayanan et al. 2021; the Llama 3 paper's
  :math:`(PP - 1)/N`);
- :math:`t_{ar} = 2 \cdot n_{dev} \cdot b \cdot (DP - 1)/DP / B_{dp}`, the
  data-parallel gradient all-reduce (ring volume; FSDP's reduce-scatter plus
  all-gather moves the same bytes) of the :math:`n_{dev}` parameters a device
  holds, at :math:`b` bytes per value, over the data-parallel bandwidth per
  accelerator :math:`B_{dp}`, a fraction :math:`o` hidden behind the backward
  pass;
- :math:`t_{lat} = n_{coll} \cdot 2 \log_2(DP) \cdot \alpha`, the latency of
  one bucketed collective per layer of a stage over a tree of hops of
  :math:`\alpha`.

:math:`a, c, w_0, o` are fitted by least squares of log MFU on the ``fit``
cases of ``workloads/validation.yaml`` (:func:`fit_mfu_coefficients`) and
shipped in ``workloads/defaults.yaml``; :func:`leave_one_out_errors` says how
well the form predicts a run it was not fitted on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: BF16 dense peak of the reference accelerator (A100 SXM4). [TFLOP/s]
REFERENCE_PEAK_TFLOPS = 312.0
#: MFU is kept inside this range whatever the inputs. [dimensionless]
MFU_BOUNDS = (0.02, 0.75)


@dataclass(frozen=True)
class MfuCoefficients:
    """Fitted constants of :func:`mfu_breakdown`."""

    #: ln of the core MFU on an A100-class chip. [dimensionless]
    intercept: float
    #: change of ln core MFU per decade of BF16 peak. [dimensionless]
    peak_slope: float
    #: per-device matrix width at which matmuls run at half the core rate. [elements]
    matmul_half_width: float
    #: share of the gradient all-reduce hidden behind the backward pass. [dimensionless]
    dp_overlap_fraction: float


@dataclass(frozen=True)
class TrainingLayout:
    """How a run is spread over its accelerators, and its global batch."""

    count: int
    tensor_parallel: int = 1
    pipeline_parallel: int = 1
    expert_parallel: int = 1
    virtual_stages: float = 1.0
    global_batch_tokens: float = 4.0e6
    seq_len: float = 4096.0

    @property
    def data_parallel(self) -> float:
        """Replicas of the dense weights: count / (TP x PP). [count]"""
        return self.count / (self.tensor_parallel * self.pipeline_parallel)

    @property
    def micro_batches(self) -> float:
        """One-sequence micro-batches each pipeline runs per step. [count]"""
        return self.global_batch_tokens / (self.seq_len * self.data_parallel)


@dataclass(frozen=True)
class TrainingRun:
    """Resolved numbers of one training run (model, chip, network, layout)."""

    active_params: float
    bf16_peak_tflops: float
    dp_gb_per_s: float
    hidden_size: float
    layers: float
    layout: TrainingLayout
    total_params: float | None = None
    routed_expert_params: float = 0.0
    active_routed_expert_params: float = 0.0
    expert_ffn_size: float | None = None
    grad_bytes_per_value: float = 2.0
    comm_compute_fraction: float = 0.0
    attention_flops_per_token: float = 0.0

    @property
    def flops_per_token(self) -> float:
        """Training FLOPs per token: 6 x active params + attention. [FLOP]"""
        return 6.0 * self.active_params + self.attention_flops_per_token


@dataclass(frozen=True)
class MfuBreakdown:
    """BF16 MFU of a run and the terms that set it; field names are JSON keys."""

    mfu: float
    core_mfu: float
    matmul_efficiency: float
    bubble_share: float
    communication_share: float
    compute_s_per_step: float
    dp_all_reduce_s_per_step: float


def matmul_efficiency(width: float, half_width: float) -> float:
    """
    Fraction of the core rate a matrix multiply of ``width`` reaches.

    Parameters
    ----------
    width : float
        Narrow dimension of the per-device weight matrix (hidden / TP). [elements]
    half_width : float
        Width at which the rate is half the core rate (fitted). [elements]

    Returns
    -------
    efficiency : float
        :math:`w / (w + w_0)`, in (0, 1). [dimensionless]

    Examples
    --------
    >>> matmul_efficiency(1024.0, 1024.0)
    0.5
    """
    return width / (width + half_width)


def pipeline_bubble_ratio(
    pipeline_parallel: float, micro_batches: float, virtual_stages: float = 1.0
) -> float:
    """
    Idle pipeline time / compute time of one step, :math:`(PP-1)/(m v)`.

    Parameters
    ----------
    pipeline_parallel : float
        Pipeline stages, :math:`PP`.
    micro_batches : float
        Micro-batches per step, :math:`m` (at least 1).
    virtual_stages : float
        Interleaved stages per device, :math:`v`.

    Returns
    -------
    float
        Bubble time over compute time. [dimensionless]

    References
    ----------
    .. [1] Narayanan et al., "Efficient Large-Scale Language Model Training on GPU
       Clusters Using Megatron-LM", SC21, arXiv:2104.04473, section 2.2.2.
    .. [2] Llama Team, "The Llama 3 Herd of Models", arXiv:2407.21783, 3.3.2.

    Examples
    --------
    >>> pipeline_bubble_ratio(16, 16, 8)
    0.1171875
    """
    return (pipeline_parallel - 1.0) / (max(micro_batches, 1.0) * virtual_stages)


def dp_all_reduce_s(
    params_per_device: float,
    bytes_per_value: float,
    data_parallel: float,
    gb_per_s: float,
) -> float:
    """
    Bandwidth time of a ring all-reduce of one device's gradients. [s]

    Each device sends and receives :math:`2 n b (DP-1)/DP` bytes over its own
    link of ``gb_per_s`` (one direction). [s]

    Parameters
    ----------
    params_per_device : float
        Gradients held by one device, :math:`n`. [params]
    bytes_per_value : float
        Bytes per gradient value, :math:`b`. [bytes]
    data_parallel : float
        Data-parallel degree, :math:`DP`.
    gb_per_s : float
        Link bandwidth per device, one direction. [GB/s]

    Returns
    -------
    float
        All-reduce time per step; 0 without data parallelism. [s]

    Examples
    --------
    >>> dp_all_reduce_s(1e9, 2.0, 2, 50.0)
    0.04
    """
    if data_parallel <= 1.0:
        return 0.0
    volume = 2.0 * params_per_device * bytes_per_value * (data_parallel - 1.0)
    return volume / data_parallel / (gb_per_s * 1e9)


def all_reduce_latency_s(
    collectives: float, data_parallel: float, hop_latency_s: float
) -> float:
    """Latency of ``collectives`` tree all-reduces, each 2 log2(DP) hops. [s]

    Parameters
    ----------
    collectives : float
        All-reduces per step.
    data_parallel : float
        Data-parallel degree, :math:`DP`.
    hop_latency_s : float
        Latency of one hop. [s]

    Returns
    -------
    float
        Latency per step; 0 without data parallelism. [s]
    """
    if data_parallel <= 1.0:
        return 0.0
    return collectives * 2.0 * float(np.log2(data_parallel)) * hop_latency_s


def _matmul_term(run: TrainingRun, half_width: float) -> float:
    """Harmonic mix of the dense and routed-expert matmul efficiencies."""
    tp = run.layout.tensor_parallel
    dense = matmul_efficiency(run.hidden_size / tp, half_width)
    share = run.active_routed_expert_params / run.active_params
    if share <= 0.0 or run.expert_ffn_size is None:
        return dense
    expert = matmul_efficiency(run.expert_ffn_size / tp, half_width)
    return 1.0 / ((1.0 - share) / dense + share / expert)


def _all_reduce_s(run: TrainingRun) -> float:
    """Gradient all-reduce of the dense and the routed-expert weights. [s]"""
    lay = run.layout
    total = run.total_params or run.active_params
    shard = lay.tensor_parallel * lay.pipeline_parallel
    dense = (total - run.routed_expert_params) / shard
    experts = run.routed_expert_params / (shard * lay.expert_parallel)
    dp = lay.data_parallel
    return dp_all_reduce_s(
        dense, run.grad_bytes_per_value, dp, run.dp_gb_per_s
    ) + dp_all_reduce_s(
        experts,
        run.grad_bytes_per_value,
        max(dp / lay.expert_parallel, 1.0),
        run.dp_gb_per_s,
    )


def mfu_breakdown(
    run: TrainingRun, coefficients: MfuCoefficients, hop_latency_s: float
) -> MfuBreakdown:
    """
    BF16 MFU of one run and its terms (see the module notes for the equation).

    Parameters
    ----------
    run : TrainingRun
        Model, accelerator, data-parallel bandwidth and layout.
    coefficients : MfuCoefficients
        Fitted constants (``defaults.yaml``).
    hop_latency_s : float
        Latency of one network hop of a collective. [s]

    Returns
    -------
    MfuBreakdown
        MFU against the BF16 peak (clipped to ``MFU_BOUNDS``), the core and
        matmul efficiencies, and the bubble and exposed-communication shares
        of the step time.
    """
    lay = run.layout
    core = float(
        np.exp(
            coefficients.intercept
            + coefficients.peak_slope
            * np.log10(run.bf16_peak_tflops / REFERENCE_PEAK_TFLOPS)
        )
    )
    core *= 1.0 - run.comm_compute_fraction
    eff = _matmul_term(run, coefficients.matmul_half_width)
    flops = run.flops_per_token * lay.global_batch_tokens / lay.count
    t_c = flops / (core * eff * run.bf16_peak_tflops * 1e12)
    bubble = t_c * pipeline_bubble_ratio(
        lay.pipeline_parallel, lay.micro_batches, lay.virtual_stages
    )
    t_ar = _all_reduce_s(run)
    exposed = (1.0 - coefficients.dp_overlap_fraction) * t_ar + all_reduce_latency_s(
        run.layers / lay.pipeline_parallel, lay.data_parallel, hop_latency_s
    )
    step = t_c + bubble + exposed
    mfu = float(np.clip(core * eff * t_c / step, *MFU_BOUNDS))
    return MfuBreakdown(
        mfu=mfu,
        core_mfu=core,
        matmul_efficiency=eff,
        bubble_share=bubble / step,
        communication_share=exposed / step,
        compute_s_per_step=t_c,
        dp_all_reduce_s_per_step=t_ar,
    )


def published_mfu(
    flops_per_token: float, tokens: float, bf16_peak_tflops: float, hours: float
) -> float:
    """MFU implied by a published run: FLOPs over accelerator-hours x BF16 peak.

    Parameters
    ----------
    flops_per_token : float
        Training FLOPs per token. [FLOP/token]
    tokens : float
        Tokens trained on. [tokens]
    bf16_peak_tflops : float
        Dense BF16 peak per accelerator. [TFLOP/s]
    hours : float
        Accelerator-hours of the run. [accelerator-h]

    Returns
    -------
    float
        Model FLOPs utilisation. [dimensionless]
    """
    return flops_per_token * tokens / (hours * 3600.0 * bf16_peak_tflops * 1e12)


def _coefficients(x: np.ndarray) -> MfuCoefficients:
    """Unconstrained fit vector -> coefficients (w0 > 0, 0 < o < 1)."""
    return MfuCoefficients(
        intercept=float(x[0]),
        peak_slope=float(x[1]),
        matmul_half_width=float(np.exp(x[2])),
        dp_overlap_fraction=float(1.0 / (1.0 + np.exp(-x[3]))),
    )


def fit_mfu_coefficients(
    runs: Sequence[TrainingRun],
    mfu: Sequence[float],
    hop_latency_s: float,
    scale: Sequence[float] | None = None,
    start: MfuCoefficients | None = None,
) -> MfuCoefficients:
    """
    Least squares of ln MFU on the runs (scipy ``least_squares``).

    ``scale`` multiplies each predicted MFU before comparison (the goodput of
    whole-run cases); the default start is an A100 core MFU of 0.5, no peak
    trend, a 256-wide half-rate matmul and half the all-reduce hidden.

    Parameters
    ----------
    runs : sequence of TrainingRun
        Model, chip and layout of each published run.
    mfu : sequence of float
        Each run's published BF16 MFU. [dimensionless]
    hop_latency_s : float
        Collective hop latency. [s]
    scale : sequence of float, optional
        Factor on each predicted MFU (goodput). [dimensionless]
    start : MfuCoefficients, optional
        Start of the search.

    Returns
    -------
    MfuCoefficients
        The fitted constants.
    """
    from scipy.optimize import least_squares

    factors = np.ones(len(runs)) if scale is None else np.asarray(scale)
    target = np.log(np.asarray(mfu, dtype=float))

    def _residuals(x: np.ndarray) -> np.ndarray:
        coef = _coefficients(x)
        pred = [mfu_breakdown(r, coef, hop_latency_s).mfu for r in runs]
        return np.log(np.asarray(pred) * factors) - target

    c0 = start or MfuCoefficients(float(np.log(0.5)), 0.0, 256.0, 0.5)
    o = c0.dp_overlap_fraction
    x0 = [
        c0.intercept,
        c0.peak_slope,
        np.log(c0.matmul_half_width),
        np.log(o / (1 - o)),
    ]
    return _coefficients(least_squares(_residuals, x0, xtol=1e-6, ftol=1e-6).x)


def leave_one_out_errors(
    runs: Sequence[TrainingRun],
    mfu: Sequence[float],
    hop_latency_s: float,
    scale: Sequence[float] | None = None,
    start: MfuCoefficients | None = None,
) -> list[float]:
    """
    Relative error of accelerator-hours for each run, predicted by a fit without it.

    Hours are inversely proportional to MFU, so the error of hours is
    ``published_mfu / predicted_mfu - 1``. ``start`` (the full fit) speeds up
    each refit.

    Parameters
    ----------
    runs, mfu, hop_latency_s, scale, start
        As for :func:`fit_mfu_coefficients`.

    Returns
    -------
    list of float
        One relative error per run. [dimensionless]
    """
    factors = [1.0] * len(runs) if scale is None else list(scale)
    out = []
    for i in range(len(mfu)):
        keep = [j for j in range(len(mfu)) if j != i]
        coef = fit_mfu_coefficients(
            [runs[j] for j in keep],
            [mfu[j] for j in keep],
            hop_latency_s,
            [factors[j] for j in keep],
            start=start,
        )
        predicted = mfu_breakdown(runs[i], coef, hop_latency_s).mfu * factors[i]
        out.append(mfu[i] / predicted - 1.0)
    return out
