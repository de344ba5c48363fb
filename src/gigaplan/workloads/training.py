"""Training compute, time, energy, emissions and cost of one pre-training run."""

from __future__ import annotations

from dataclasses import dataclass

from gigaplan.errors import InputError
from gigaplan.facility import facility_power_mw


@dataclass(frozen=True)
class TrainingEstimate:
    """Result of :func:`estimate_training`; field names are the JSON keys."""

    flops: float
    accelerator_hours: float
    wall_clock_days: float
    it_energy_mwh: float
    facility_energy_mwh: float
    co2e_t: float | None
    cost_usd: float | None
    accelerator_energy_mwh: float = 0.0
    accelerator_power_w: float = 0.0
    it_power_w: float = 0.0
    facility_power_w: float = 0.0
    mfu: float = 0.0
    training_flops_per_s_per_accelerator: float = 0.0
    price_usd_per_accelerator_hour: float | None = None
    cost_note: str | None = None
    #: BF16 MFU terms (workloads.mfu.mfu_breakdown); None when --mfu is given.
    core_mfu: float | None = None
    matmul_efficiency: float | None = None
    communication_share: float | None = None
    bubble_share: float | None = None
    goodput: float | None = None
    tensor_parallel: int | None = None
    pipeline_parallel: int | None = None
    data_parallel: float | None = None
    global_batch_tokens: float | None = None
    dp_gb_per_s: float | None = None


def training_flops(
    active_params: float,
    tokens: float,
    *,
    layers: float = 0.0,
    seq_len: float = 0.0,
    attn_dim: float = 0.0,
) -> float:
    r"""
    Training FLOPs of a transformer.

    Parameters
    ----------
    active_params : float
        Parameters used per token (all of them for dense, active for MoE). [count]
    tokens : float
        Training tokens. [count]
    layers, seq_len, attn_dim : float, optional
        If all given, adds the attention term :math:`6 n_{layer} s d_{attn}` per token.

    Returns
    -------
    flops : float
        :math:`6 N D` (+ attention term). [FLOP]

    References
    ----------
    .. [1] Kaplan et al., "Scaling Laws for Neural Language Models",
       arXiv:2001.08361, 2020, Table 1.
    .. [2] Chowdhery et al., "PaLM", arXiv:2204.02311, 2022, Appendix B.

    Examples
    --------
    >>> training_flops(175e9, 300e9)
    3.15e+23
    """
    per_token = 6.0 * active_params + 6.0 * layers * seq_len * attn_dim
    return per_token * tokens


def estimate_training(
    *,
    active_params: float,
    tokens: float,
    peak_tflops: float,
    count: int,
    tdp_w: float,
    system_overhead_w: float,
    mfu: float,
    power_fraction_of_tdp: float,
    pue: float,
    grid_kgco2_per_mwh: float | None = None,
    price_usd_per_accelerator_hour: float | None = None,
    attention_flops_per_token: float = 0.0,
) -> TrainingEstimate:
    r"""
    Estimate one training run from resolved numbers.

    Parameters
    ----------
    active_params : float
        Parameters used per token. [count]
    tokens : float
        Training tokens. [count]
    peak_tflops : float
        Dense peak of one accelerator at the training precision. [TFLOP/s]
    count : int
        Accelerators in the job. [count]
    tdp_w : float
        Accelerator board power. [W]
    system_overhead_w : float
        Host, NIC, fans and switches per accelerator. [W]
    mfu : float
        Model FLOPs utilisation, (0, 1]. [dimensionless]
    power_fraction_of_tdp : float
        Average accelerator draw while training / TDP, (0, 1.2]. [dimensionless]
    pue : float
        Power usage effectiveness. [dimensionless]
    grid_kgco2_per_mwh : float, optional
        Location-based grid intensity. [kgCO2e/MWh]
    price_usd_per_accelerator_hour : float, optional
        Rental or amortised price. [USD/accelerator-hour]
    attention_flops_per_token : float, optional
        Extra attention FLOPs per token (see :func:`training_flops`). [FLOP]

    Returns
    -------
    TrainingEstimate

    Notes
    -----
    Hours :math:`= F / (\mathrm{MFU} \cdot P_{peak}) / 3600`. Energy is given at
    three boundaries: accelerator (:math:`f \cdot TDP`), IT (plus
    ``system_overhead_w``) and facility (IT x PUE). IT power per accelerator
    is :math:`f \cdot TDP + P_{sys}`, not TDP: measured averages are below board power
    for the chip and host overhead is on top (Patterson et al. 2021, Table 4;
    Luccioni et al. 2022). Facility energy is IT energy x PUE; CO2e is facility
    energy x grid intensity.

    References
    ----------
    .. [1] Patterson et al., "Carbon Emissions and Large Neural Network Training",
       arXiv:2104.10350, 2021.
    .. [2] Luccioni et al., "Estimating the Carbon Footprint of BLOOM",
       arXiv:2211.02001, 2022.
    """
    for field, value in (
        ("active_params", active_params),
        ("tokens", tokens),
        ("peak_tflops", peak_tflops),
        ("count", count),
    ):
        if not value > 0:
            raise InputError(field, value, "must be > 0")
    if not 0.0 < mfu <= 1.0:
        raise InputError("mfu", mfu, "must be in (0, 1]")
    if not 0.0 < power_fraction_of_tdp <= 1.2:
        raise InputError(
            "power_fraction_of_tdp", power_fraction_of_tdp, "must be in (0, 1.2]"
        )
    flops = 6.0 * active_params * tokens + attention_flops_per_token * tokens
    accelerator_hours = flops / (mfu * peak_tflops * 1e12) / 3600.0
    wall_clock_days = accelerator_hours / count / 24.0
    acc_w = power_fraction_of_tdp * tdp_w
    it_w = acc_w + system_overhead_w
    it_energy_mwh = accelerator_hours * it_w / 1e6
    facility_energy_mwh = float(facility_power_mw(it_energy_mwh, pue))
    co2e_t = (
        None
        if grid_kgco2_per_mwh is None
        else facility_energy_mwh * grid_kgco2_per_mwh / 1e3
    )
    cost_usd = (
        None
        if price_usd_per_accelerator_hour is None
        else accelerator_hours * price_usd_per_accelerator_hour
    )
    return TrainingEstimate(
        flops=flops,
        accelerator_hours=accelerator_hours,
        wall_clock_days=wall_clock_days,
        it_energy_mwh=it_energy_mwh,
        facility_energy_mwh=facility_energy_mwh,
        co2e_t=co2e_t,
        cost_usd=cost_usd,
        accelerator_energy_mwh=accelerator_hours * acc_w / 1e6,
        accelerator_power_w=acc_w,
        it_power_w=it_w,
        facility_power_w=float(facility_power_mw(it_w, pue)),
        mfu=mfu,
        training_flops_per_s_per_accelerator=mfu * peak_tflops * 1e12,
        price_usd_per_accelerator_hour=price_usd_per_accelerator_hour,
    )
