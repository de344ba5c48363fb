"""Pydantic schema of the catalog: every shipped number is a :class:`Sourced`.

A :class:`Sourced` holds ``value``, ``source`` (a key of the file's ``sources``
table) and an optional ``note`` saying how the value was derived. A value that
is not known is ``null`` with a note, never invented.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from gigaplan._schema import STRICT

Precision = Literal["bf16", "fp8", "fp4"]
PRECISIONS: tuple[Precision, ...] = ("bf16", "fp8", "fp4")


class Assumed(BaseModel):
    """A shipped number with its source, or with a note that says it is assumed.

    Stage tables (power technologies, workload defaults) hold round figures
    that no single table prints; those carry ``source: null`` and a note that
    starts with ``ASSUMPTION``.
    """

    model_config = STRICT

    value: float | None
    source: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _has_provenance(self) -> Assumed:
        if not self.source and not self.note:
            raise ValueError("a number needs a source or a note saying it is assumed")
        return self


class Sourced(Assumed):
    """A number with the document it comes from."""

    @model_validator(mode="after")
    def _has_provenance(self) -> Sourced:  # stricter: replaces Assumed's
        if self.value is not None and not self.source:
            raise ValueError("a value needs a source (a key of `sources`)")
        if self.value is None and not self.note:
            raise ValueError("a null value needs a note saying why it is unknown")
        return self

    @property
    def known(self) -> bool:
        """True when the value is not null."""
        return self.value is not None


class SourcedMoney(Sourced):
    """An amount of US dollars of a stated year."""

    dollar_year: int | None = None

    @model_validator(mode="after")
    def _has_year(self) -> SourcedMoney:
        if self.value is not None and self.dollar_year is None:
            raise ValueError("an amount of money needs its dollar_year")
        return self


class SourcedRate(SourcedMoney):
    """A price per hour, with the date it was read (prices move month to month)."""

    as_of: str | None = Field(default=None, description="YYYY-MM the price was read")

    @model_validator(mode="after")
    def _has_date(self) -> SourcedRate:
        if self.value is not None and not self.as_of:
            raise ValueError("a rental price needs as_of (YYYY-MM)")
        return self


class Entry(BaseModel):
    """Common fields of every catalog entry."""

    model_config = STRICT

    name: str
    aliases: tuple[str, ...] = ()


class Accelerator(Entry):
    """One accelerator package (a GPU, a TPU chip, a wafer-scale engine)."""

    vendor: str
    kind: Literal["gpu", "tpu", "asic", "wafer"] = "gpu"
    bf16_dense_tflops: Sourced
    fp8_dense_tflops: Sourced
    fp4_dense_tflops: Sourced
    memory_gb: Sourced = Field(description="off-chip HBM per accelerator [GB]")
    memory_tb_per_s: Sourced = Field(description="off-chip HBM bandwidth [TB/s]")
    tdp_w: Sourced
    system_overhead_w: Sourced = Field(
        description="host CPUs, NICs, switches, fans per accelerator [W]"
    )
    launch_year: Sourced
    price_usd: SourcedMoney
    scale_up_gb_per_s: Sourced | None = Field(
        default=None, description="scale-up link bandwidth per accelerator [GB/s]"
    )
    scale_out_gb_per_s: Sourced | None = Field(
        default=None,
        description="bandwidth per accelerator, one direction, that data-parallel "
        "traffic rides between nodes (NIC; ICI inside a TPU slice) [GB/s]",
    )
    int8_dense_tops: Sourced | None = Field(
        default=None, description="dense INT8 peak where the chip has no FP8 [TOPS]"
    )
    sram_gb: Sourced | None = Field(
        default=None, description="on-chip SRAM (wafer-scale parts) [GB]"
    )
    sram_tb_per_s: Sourced | None = Field(
        default=None, description="on-chip SRAM bandwidth [TB/s]"
    )
    rental_usd_per_hour: SourcedRate | None = Field(
        default=None, description="default rental price [USD/accelerator-hour]"
    )
    prefill_mfu: Sourced | None = Field(
        default=None,
        description="achieved / peak tensor throughput in prefill, fitted on this "
        "chip's published serving rows; null takes workload_defaults [dimensionless]",
    )
    decode_mfu: Sourced | None = Field(
        default=None,
        description="achieved / peak tensor throughput of decode matrix multiplies, "
        "fitted like prefill_mfu [dimensionless]",
    )
    decode_bandwidth_fraction: Sourced | None = Field(
        default=None,
        description="achieved / peak HBM bandwidth in decode, fitted like "
        "prefill_mfu [dimensionless]",
    )

    def peak_tflops(self, precision: Precision) -> float | None:
        """Dense peak TFLOPS at ``precision`` or None where the chip lacks it.

        Parameters
        ----------
        precision : {"bf16", "fp8", "fp4"}
            Number format of the matrix units.

        Returns
        -------
        tflops : float or None
            Dense peak throughput, None when the chip has no such mode. [TFLOP/s]
        """
        return {
            "bf16": self.bf16_dense_tflops,
            "fp8": self.fp8_dense_tflops,
            "fp4": self.fp4_dense_tflops,
        }[precision].value


class Model(Entry):
    """Architecture of a language model."""

    family: str | None = None
    total_params: Sourced
    active_params: Sourced
    layers: Sourced
    hidden_size: Sourced
    attention_heads: Sourced
    kv_heads: Sourced
    head_dim: Sourced
    vocab_size: Sourced
    kv_lora_rank: Sourced | None = Field(
        default=None, description="MLA compressed KV width (DeepSeek) [elements]"
    )
    kv_rope_dim: Sourced | None = None
    training_tokens: Sourced | None = None
    experts: Sourced | None = Field(
        default=None, description="routed experts per MoE layer (MoE only) [count]"
    )
    experts_per_token: Sourced | None = Field(
        default=None, description="routed experts each token is sent to [count]"
    )
    shared_experts: Sourced | None = Field(
        default=None, description="experts every token passes through [count]"
    )
    routed_expert_params: Sourced | None = Field(
        default=None,
        description="weights of all routed experts, all layers; their share of "
        "total_params is the expert (FFN) share [count]",
    )


class Region(Entry):
    """A grid region where AI campuses are built."""

    country: str
    grid_kgco2_per_mwh: Sourced
    electricity_usd_per_mwh: SourcedMoney
    climate_class: Sourced
    latitude_deg: Sourced
    longitude_deg: Sourced
    timezone: str = "UTC"


class PowerTechnology(BaseModel):
    """Defaults of one campus power technology (2024 US$); see power/technologies."""

    model_config = STRICT

    capex_usd_per_kw: Assumed | None = None
    fixed_om_usd_per_kw_yr: Assumed | None = None
    variable_om_usd_per_mwh: Assumed | None = None
    lifetime_yr: Assumed | None = None
    firm_fraction: Assumed | None = None
    lead_time_quarters: Assumed | None = None
    heat_rate_mmbtu_per_mwh: Assumed | None = None
    fuel_usd_per_mmbtu: Assumed | None = None
    co2_kg_per_mmbtu: Assumed | None = None
    ppa_usd_per_mwh: Assumed | None = None
    energy_capex_usd_per_kwh: Assumed | None = None
    energy_fixed_om_usd_per_kwh_yr: Assumed | None = None
    min_hours: Assumed | None = None
    max_hours: Assumed | None = None
    roundtrip_efficiency: Assumed | None = None
    min_mw: Assumed | None = None
    max_mw: Assumed | None = None

    def values(self) -> dict[str, float | None]:
        """The numbers given, by field name (fields left out are not listed).

        Returns
        -------
        values : dict of str to float or None
            Each given field's number, in the unit its name carries.
        """
        return {k: v.value for k, v in self if v is not None}


class PowerDefaults(BaseModel):
    """Campus-wide power defaults: value of flexible load, annual wind and solar CF."""

    model_config = STRICT

    flexible_cost_usd_per_mwh_it: Assumed
    solar_annual_cf: dict[str, float] = Field(
        description="annual solar capacity factor by region id, and `default`"
    )
    wind_annual_cf: dict[str, float] = Field(
        description="annual onshore wind capacity factor by region id, and `default`"
    )

    @model_validator(mode="after")
    def _has_default(self) -> PowerDefaults:
        for name in ("solar_annual_cf", "wind_annual_cf"):
            table = getattr(self, name)
            if "default" not in table:
                raise ValueError(f"{name} needs a `default` entry")
            bad = {k: v for k, v in table.items() if not 0 <= v <= 1}
            if bad:
                raise ValueError(f"{name} must be in [0, 1]: {bad}")
        return self


DistKind = Literal["fixed", "uniform", "triangular", "lognormal", "exponential"]
#: The parameters each distribution needs (weeks or MW).
DIST_PARAMS: dict[str, tuple[str, ...]] = {
    "fixed": ("value",),
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "lognormal": ("median", "p90"),
    "exponential": ("mean",),
}


class DurationDefault(BaseModel):
    """A sourced default duration of one build-pipeline stage. [weeks]

    ``dist: null`` (no sourced figure) needs a note; a scenario must then give
    the distribution itself.
    """

    model_config = STRICT

    dist: DistKind | None
    confidence: Literal["high", "medium", "low"] | None = None
    note: str = ""
    value: Sourced | None = None
    low: Sourced | None = None
    mode: Sourced | None = None
    high: Sourced | None = None
    median: Sourced | None = None
    p90: Sourced | None = None
    mean: Sourced | None = None

    @model_validator(mode="after")
    def _complete(self) -> DurationDefault:
        if self.dist is None:
            if not self.note:
                raise ValueError("a stage with no sourced distribution needs a note")
            return self
        missing = [k for k in DIST_PARAMS[self.dist] if getattr(self, k) is None]
        if missing:
            raise ValueError(f"a {self.dist} distribution needs {', '.join(missing)}")
        return self

    def params(self) -> dict[str, float]:
        """The distribution's parameters as plain numbers. [weeks]

        Returns
        -------
        params : dict of str to float
            Given parameters among ``value, low, mode, high, median, p90,
            mean``. [weeks]
        """
        return {
            k: float(v.value)
            for k in ("value", "low", "mode", "high", "median", "p90", "mean")
            if (v := getattr(self, k)) is not None and v.value is not None
        }


class WorkloadDefaults(BaseModel):
    """Calibration constants of the training and inference estimates."""

    model_config = STRICT

    training_mfu: Assumed
    training_mfu_intercept: Assumed
    training_mfu_peak_slope: Assumed
    training_mfu_matmul_half_width: Assumed
    training_dp_overlap_fraction: Assumed
    training_goodput: Assumed
    collective_hop_latency_s: Assumed
    training_tokens_per_accelerator_per_step: Assumed
    fp8_training_speedup: Assumed
    training_power_fraction_of_tdp: Assumed
    system_overhead_fraction_of_tdp: Assumed
    default_pue: Assumed
    decode_bandwidth_fraction: Assumed
    prefill_mfu: Assumed
    decode_mfu: Assumed
    moe_expert_gemm_efficiency: Assumed
    inference_power_fraction_of_tdp: Assumed
    decode_memory_bound_power_fraction_of_tdp: Assumed

    @model_validator(mode="after")
    def _all_known(self) -> WorkloadDefaults:
        unknown = [k for k, v in self if v.value is None]
        if unknown:
            raise ValueError(f"a workload default needs a value: {', '.join(unknown)}")
        return self

    def value(self, name: str) -> float:
        """The number of one constant (see ``workloads/defaults.yaml`` for sources).

        Parameters
        ----------
        name : str
            Field name of the constant.

        Returns
        -------
        value : float
            Its number, in the unit its name carries.
        """
        return float(getattr(self, name).value)


#: Sections whose entries are merged field by field (with shorthand numbers).
ENTRY_SECTIONS = ("accelerators", "models", "regions")
#: Stage tables, one file each under ``data/``; merged key by key, a number
#: (a mapping with ``value``) replaced whole.
STAGE_SECTIONS = {
    "power_technologies": "power/technologies.yaml",
    "power_defaults": "power/technologies.yaml",
    "factory_durations_weeks": "factory/durations.yaml",
    "workload_defaults": "workloads/defaults.yaml",
}


class Catalog(BaseModel):
    """The whole catalog, validated once and frozen."""

    model_config = STRICT

    version: str
    sources: dict[str, str]
    accelerators: dict[str, Accelerator] = {}
    models: dict[str, Model] = {}
    regions: dict[str, Region] = {}
    power_technologies: dict[str, PowerTechnology]
    power_defaults: PowerDefaults
    factory_durations_weeks: dict[str, DurationDefault]
    workload_defaults: WorkloadDefaults

    @model_validator(mode="after")
    def _sources_resolve(self) -> Catalog:
        missing = [
            f"{where}.source={num.source}"
            for where, num in self._numbers()
            if num.source and num.source not in self.sources
        ]
        if missing:
            raise ValueError(
                "unknown source keys (add them to `sources`): " + "; ".join(missing)
            )
        return self

    def _numbers(self) -> list[tuple[str, Assumed]]:
        """Every sourced number, with its place (``section.key.field``)."""
        entries: list[tuple[str, BaseModel]] = [
            (f"{section}.{key}", entry)
            for section in (*ENTRY_SECTIONS, "power_technologies")
            for key, entry in getattr(self, section).items()
        ]
        entries += [
            (f"factory_durations_weeks.{k}", e)
            for k, e in self.factory_durations_weeks.items()
        ]
        entries += [
            ("power_defaults", self.power_defaults),
            ("workload_defaults", self.workload_defaults),
        ]
        return [
            (f"{where}.{field}", val)
            for where, entry in entries
            for field, val in entry
            if isinstance(val, Assumed)
        ]
