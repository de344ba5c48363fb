"""Pydantic schema of the catalog: every shipped number is a :class:`Sourced`.

A :class:`Sourced` holds ``value``, ``source`` (a key of the file's ``sources``
table) and an optional ``note`` saying how the value was derived. A value that
is not known is ``null`` with a note, never invented.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Precision = Literal["bf16", "fp8", "fp4"]
PRECISIONS: tuple[Precision, ...] = ("bf16", "fp8", "fp4")


class Sourced(BaseModel):
    """A number with the document it comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    value: float | None
    source: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _has_provenance(self) -> Sourced:
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

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

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

    def peak_tflops(self, precision: Precision) -> float | None:
        """Dense peak TFLOPS at ``precision`` or None where the chip lacks it."""
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


class Region(Entry):
    """A grid region where AI campuses are built."""

    country: str
    grid_kgco2_per_mwh: Sourced
    electricity_usd_per_mwh: SourcedMoney
    climate_class: Sourced
    latitude_deg: Sourced
    longitude_deg: Sourced
    timezone: str = "UTC"


class Catalog(BaseModel):
    """The whole catalog, validated once and frozen."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    version: str
    sources: dict[str, str]
    accelerators: dict[str, Accelerator] = {}
    models: dict[str, Model] = {}
    regions: dict[str, Region] = {}

    @model_validator(mode="after")
    def _sources_resolve(self) -> Catalog:
        missing: list[str] = []
        for section in ("accelerators", "models", "regions"):
            for key, entry in getattr(self, section).items():
                for field, val in entry:
                    if (
                        isinstance(val, Sourced)
                        and val.source
                        and val.source not in self.sources
                    ):
                        missing.append(f"{section}.{key}.{field}.source={val.source}")
        if missing:
            raise ValueError(
                "unknown source keys (add them to `sources`): " + "; ".join(missing)
            )
        return self
