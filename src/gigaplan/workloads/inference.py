"""Inference latency, throughput, energy and memory: prefill + decode roofline."""

from __future__ import annotations

from dataclasses import dataclass

from gigaplan.errors import InputError
from gigaplan.facility import facility_power_mw


@dataclass(frozen=True)
class InferenceEstimate:
    """Result of :func:`estimate_inference`; field names are the JSON keys."""

    output_tokens_per_s_per_accelerator: float
    time_to_first_token_s: float
    inter_token_latency_s: float
    energy_j_per_output_token: float
    cost_usd_per_million_output_tokens: float | None
    memory_gb_per_accelerator: float
    accelerators_needed: float | None = None
    it_mw: float | None = None
    facility_mw: float | None = None
    accelerator_power_w: float = 0.0
    it_power_w: float = 0.0
    facility_power_w: float = 0.0
    accelerator_energy_j_per_output_token: float = 0.0
    it_energy_j_per_output_token: float = 0.0
    facility_energy_j_per_output_token: float = 0.0
    decode_compute_share: float = 0.0
    price_usd_per_accelerator_hour: float | None = None
    precision: str | None = None
    precision_note: str | None = None
    cost_note: str | None = None


@dataclass(frozen=True)
class MoeShape:
    """Routed experts of a mixture-of-experts model; the default is a dense model."""

    #: weights of all routed experts, all layers (0: dense). [count]
    routed_expert_params: float = 0.0
    #: routed experts per MoE layer. [count]
    experts: int = 1
    #: routed experts each token is sent to. [count]
    experts_per_token: int = 1
    #: devices the routed experts are spread over (1: tensor-parallel experts). [count]
    expert_parallel: int = 1

    @property
    def active_fraction(self) -> float:
        """Share of the routed-expert weights one token uses, k / E. [dimensionless]"""
        return self.experts_per_token / self.experts


def experts_touched(experts: float, experts_per_token: float, tokens: float) -> float:
    r"""
    Expected distinct experts a step's ``tokens`` are routed to, per MoE layer.

    With each token choosing :math:`k` of :math:`E` experts uniformly, an expert
    is missed by all :math:`t` tokens with probability :math:`(1 - k/E)^t`, so
    :math:`E (1 - (1 - k/E)^t)` are touched and their weights read. [count]

    Parameters
    ----------
    experts : float
        Routed experts per MoE layer, :math:`E`.
    experts_per_token : float
        Experts each token is routed to, :math:`k`.
    tokens : float
        Token positions in the step, :math:`t`.

    Returns
    -------
    float
        Expected distinct experts whose weights are read. [experts]

    Examples
    --------
    >>> experts_touched(8, 2, 1)
    2.0
    >>> round(experts_touched(256, 8, 32), 1)
    163.3
    """
    return experts * (1.0 - (1.0 - experts_per_token / experts) ** tokens)


def _flop_time_s(
    active_params: float, moe: MoeShape, tokens: float, rate_flop_s: float, eta_e: float
) -> float:
    """Matrix time of ``tokens`` positions, routed-expert FLOPs at ``eta_e``. [s]"""
    routed = moe.routed_expert_params * moe.active_fraction
    return 2.0 * tokens * (active_params - routed + routed / eta_e) / rate_flop_s


def expert_all_to_all_s(
    moe: MoeShape,
    tokens: float,
    count: int,
    hidden_size: float,
    layers: float,
    activation_bytes: float,
    scale_up_gb_per_s: float,
) -> float:
    r"""
    Dispatch and combine of ``tokens`` positions over expert-parallel devices. [s]

    Each device holds :math:`t/n` of the positions and sends each to :math:`k`
    experts, a share :math:`(EP-1)/EP` of them on other devices, and receives
    the results back: :math:`2 L (t/n) k h a (EP-1)/EP / B_{su}` for :math:`L`
    MoE layers (DeepSeek-V3 report, arXiv:2412.19437, section 3.4.2, dispatch
    and combine over NVLink/IB). Zero without expert parallelism.

    Parameters
    ----------
    moe : MoeShape
        Experts per token and expert-parallel degree.
    tokens : float
        Token positions in the step, :math:`t`.
    count : int
        Accelerators of the replica, :math:`n`.
    hidden_size : float
        Model width, :math:`h`. [values]
    layers : float
        MoE layers, :math:`L`.
    activation_bytes : float
        Bytes per activation value, :math:`a`. [bytes]
    scale_up_gb_per_s : float
        Scale-up bandwidth per accelerator, one direction, :math:`B_{su}`. [GB/s]

    Returns
    -------
    float
        Time of dispatch and combine per step. [s]

    Examples
    --------
    >>> expert_all_to_all_s(MoeShape(1.0, 8, 2, 2), 64, 2, 4096, 32, 1.0, 450.0)
    1.8641351111111112e-05
    """
    ep = moe.expert_parallel
    if ep <= 1:
        return 0.0
    per_device = tokens / count * moe.experts_per_token * hidden_size
    return (
        2.0
        * layers
        * per_device
        * activation_bytes
        * (ep - 1)
        / ep
        / (scale_up_gb_per_s * 1e9)
    )


def estimate_inference(
    *,
    total_params: float,
    active_params: float,
    kv_bytes_per_token: float,
    bytes_per_param: float,
    peak_tflops: float,
    memory_tb_per_s: float,
    memory_gb: float,
    tdp_w: float,
    system_overhead_w: float,
    count: int,
    batch: int,
    input_tokens: int,
    output_tokens: int,
    prefill_mfu: float,
    decode_mfu: float,
    bandwidth_fraction: float,
    power_fraction_of_tdp: float,
    pue: float = 1.0,
    price_usd_per_accelerator_hour: float | None = None,
    tokens_per_day: float | None = None,
    memory_bound_power_fraction_of_tdp: float | None = None,
    check_memory: bool = True,
    hidden_size: int | None = None,
    layers: int | None = None,
    scale_up_gb_per_s: float | None = None,
    activation_bytes: float = 2.0,
    moe: MoeShape | None = None,
    expert_gemm_efficiency: float = 1.0,
) -> InferenceEstimate:
    r"""
    Estimate serving one model replica on ``count`` accelerators (tensor parallel).

    Parameters
    ----------
    total_params, active_params : float
        Stored and per-token parameters (MoE: active experts only). [count]
    kv_bytes_per_token : float
        KV-cache bytes per token of context, all layers. [B]
    bytes_per_param : float
        Weight bytes per parameter at the serving precision. [B]
    peak_tflops, memory_tb_per_s, memory_gb, tdp_w, system_overhead_w : float
        Per-accelerator peak, HBM bandwidth, HBM size, TDP, host share.
    count, batch, input_tokens, output_tokens : int
        Accelerators per replica, concurrent sequences, prompt and output length.
    prefill_mfu, decode_mfu, bandwidth_fraction : float
        Achieved fractions of peak compute in prefill and in the decode-step
        matrix multiplies, and of peak HBM bandwidth. [dimensionless]
    power_fraction_of_tdp : float
        Accelerator draw / TDP while compute-bound (prefill, compute-bound
        decode). [dimensionless]
    pue : float
        Facility PUE for ``facility_mw``. [dimensionless]
    price_usd_per_accelerator_hour : float, optional
        [USD/accelerator-hour]
    tokens_per_day : float, optional
        Output tokens per day to size a fleet. [tokens/day]
    memory_bound_power_fraction_of_tdp : float, optional
        Accelerator draw / TDP while a decode step is waiting on memory; None
        takes ``power_fraction_of_tdp`` (one draw for every phase). [dimensionless]
    check_memory : bool
        Raise if weights plus the full-length KV cache do not fit. Validation
        turns it off to reproduce published runs whose servers allocate the KV
        cache as it grows (Gaudi 3, Llama 2 7B at 128/2048 and batch 217 needs
        130.5 of 128 GB by this count).
    hidden_size, layers, scale_up_gb_per_s : optional
        Model width and depth, and scale-up fabric bandwidth per accelerator, one
        direction [GB/s]. With all three and ``count`` > 1, tensor-parallel
        all-reduce time is added (see Notes); otherwise it is left out.
    activation_bytes : float
        Bytes per activation value sent in the all-reduce (BF16: 2). [B]
    moe : MoeShape, optional
        Routed experts of an MoE model; None is dense (every term below
        reduces to the dense roofline).
    expert_gemm_efficiency : float
        Rate of the routed-expert matrix multiplies relative to dense ones of
        the same phase (fitted, ``moe_expert_gemm_efficiency``). [dimensionless]

    Returns
    -------
    InferenceEstimate

    Notes
    -----
    Prefill is compute-bound: :math:`t_{pf} = 2 N_a L_{in} b / (n \eta_p P)`.
    A decode step runs the weight matrix multiplies on weights :math:`W` and
    their FLOPs, then attention, which reads the batch's mean KV cache at the
    memory bandwidth (Pope et al. [2]_):
    :math:`t_{step} = W / (n \eta_m B) + 2 N_a b / (n \eta_d P)
    + b\,k\,(L_{in}+L_{out}/2) / (n \eta_m B)`. Weight streaming and tensor
    work are added, the no-overlap bound, not the perfect-overlap bound
    :math:`\max(\cdot,\cdot)` of the roofline (Williams et al. [1]_): with
    the max, the fitted bandwidth fraction absorbed the missing compute time
    (H100 0.51 of peak, below what a bare HBM copy reaches) and large batches,
    where both terms are similar, came out up to 1.9x fast (MI300X, batch 256);
    with the sum the same fit gives 0.58-0.76 of peak bandwidth on NVIDIA and
    Gaudi and more than halves the in-sample median error (``gigaplan
    validate``). Tensor parallelism over :math:`n` accelerators adds two
    all-reduces per layer (Megatron-LM, Shoeybi et al. [3]_, section 3)
    of :math:`b\,h\,a` bytes per token position (width :math:`h`, activation
    bytes :math:`a`); a ring all-reduce moves :math:`2(n-1)/n` times the message
    over each accelerator's link of bandwidth :math:`B_{su}` (Patarasuk and Yuan
    [4]_), so a decode step adds :math:`2 L \cdot 2(n-1)/n \cdot b h a / B_{su}`
    and prefill the same with :math:`b L_{in}` positions. Communication is not
    overlapped with compute; its latency term is left out.
    Throughput is output tokens over prefill plus decode time (static batch).

    Power at three boundaries. The accelerator draws
    :math:`f_c \cdot TDP` in prefill and, in decode, a mix weighted by the
    share :math:`s` of the step the tensor units are busy,
    :math:`s = t_{compute} / t_{step}` with :math:`t_{compute} = 2 N_a b /
    (n \eta_d P)`: :math:`(f_m + (f_c - f_m) s) \cdot TDP`. Its average over
    the request is weighted by phase time. IT power adds the host, network and
    fan share ``system_overhead_w``; facility power is IT x PUE. Energy per
    output token at each boundary is that power over tokens/s per accelerator;
    ``energy_j_per_output_token`` is the IT figure (kept for older callers).

    References
    ----------
    .. [1] Williams, Waterman, Patterson, "Roofline", CACM 52(4), 2009.
    .. [2] Pope et al., "Efficiently Scaling Transformer Inference",
       arXiv:2211.05102, 2022, section 2.
    .. [3] Shoeybi et al., "Megatron-LM", arXiv:1909.08053, 2019, section 3.
    .. [4] Patarasuk and Yuan, "Bandwidth optimal all-reduce algorithms for
       clusters of workstations", J. Parallel Distrib. Comput. 69(2), 2009.
    """
    for field, value in (
        ("count", count),
        ("batch", batch),
        ("input_tokens", input_tokens),
        ("output_tokens", output_tokens),
        ("total_params", total_params),
        ("active_params", active_params),
    ):
        if not value > 0:
            raise InputError(field, value, "must be > 0")
    if tokens_per_day is not None and not tokens_per_day > 0:
        raise InputError("tokens_per_day", tokens_per_day, "must be > 0")
    moe = moe or MoeShape()
    if not 0.0 < expert_gemm_efficiency <= 1.0:
        raise InputError(
            "expert_gemm_efficiency", expert_gemm_efficiency, "must be in (0, 1]"
        )
    weights_b = total_params * bytes_per_param
    kv_b = batch * kv_bytes_per_token * (input_tokens + output_tokens)
    need_gb_per_acc = (weights_b + kv_b) / count / 1e9
    if check_memory and need_gb_per_acc > memory_gb:
        raise InputError(
            "count",
            count,
            f"needs {need_gb_per_acc:.1f} GB per accelerator (weights "
            f"{weights_b / 1e9:.0f} GB + KV cache {kv_b / 1e9:.0f} GB over {count}) "
            f"but each has {memory_gb:.0f} GB; use more accelerators, a smaller "
            "batch or a lower precision",
        )
    peak_flop_s = count * peak_tflops * 1e12
    bw_b_s = count * bandwidth_fraction * memory_tb_per_s * 1e12
    eta_e = expert_gemm_efficiency
    t_prefill = _flop_time_s(
        active_params, moe, batch * input_tokens, prefill_mfu * peak_flop_s, eta_e
    )
    kv_read = batch * kv_bytes_per_token * (input_tokens + output_tokens / 2.0)
    untouched = moe.experts - experts_touched(moe.experts, moe.experts_per_token, batch)
    step_weights_b = weights_b - moe.routed_expert_params * bytes_per_param * (
        untouched / moe.experts
    )
    t_compute = _flop_time_s(active_params, moe, batch, decode_mfu * peak_flop_s, eta_e)
    # Weight streaming and tensor work of a decode step add (no overlap, see Notes).
    t_step = step_weights_b / bw_b_s + t_compute + kv_read / bw_b_s
    if (
        count > 1
        and hidden_size is not None
        and layers is not None
        and scale_up_gb_per_s is not None
    ):
        per_position = (
            2.0
            * layers
            * 2.0
            * (count - 1)
            / count
            * hidden_size
            * activation_bytes
            / (scale_up_gb_per_s * 1e9)
        )
        t_prefill += per_position * batch * input_tokens
        t_step += per_position * batch
        a2a_per_position = expert_all_to_all_s(
            moe,
            1.0,
            count,
            hidden_size,
            layers,
            activation_bytes,
            scale_up_gb_per_s,
        )
        t_prefill += a2a_per_position * batch * input_tokens
        t_step += a2a_per_position * batch
    t_request = t_prefill + output_tokens * t_step
    tps_per_acc = batch * output_tokens / t_request / count
    f_c = power_fraction_of_tdp
    f_m = (
        f_c
        if memory_bound_power_fraction_of_tdp is None
        else memory_bound_power_fraction_of_tdp
    )
    share = min(1.0, t_compute / t_step)
    f_decode = f_m + (f_c - f_m) * share
    acc_w = tdp_w * (f_c * t_prefill + f_decode * output_tokens * t_step) / t_request
    it_w = acc_w + system_overhead_w
    fac_w = float(facility_power_mw(it_w, pue))
    j_per_token = it_w / tps_per_acc
    cost = (
        None
        if price_usd_per_accelerator_hour is None
        else price_usd_per_accelerator_hour / 3600.0 / tps_per_acc * 1e6
    )
    needed = it_mw = fac_mw = None
    if tokens_per_day is not None:
        needed = tokens_per_day / 86400.0 / tps_per_acc
        it_mw = needed * it_w / 1e6
        fac_mw = float(facility_power_mw(it_mw, pue))
    return InferenceEstimate(
        output_tokens_per_s_per_accelerator=tps_per_acc,
        time_to_first_token_s=t_prefill,
        inter_token_latency_s=t_step,
        energy_j_per_output_token=j_per_token,
        cost_usd_per_million_output_tokens=cost,
        memory_gb_per_accelerator=need_gb_per_acc,
        accelerators_needed=needed,
        it_mw=it_mw,
        facility_mw=fac_mw,
        accelerator_power_w=acc_w,
        it_power_w=it_w,
        facility_power_w=fac_w,
        accelerator_energy_j_per_output_token=acc_w / tps_per_acc,
        it_energy_j_per_output_token=j_per_token,
        facility_energy_j_per_output_token=fac_w / tps_per_acc,
        decode_compute_share=share,
        price_usd_per_accelerator_hour=price_usd_per_accelerator_hour,
    )
