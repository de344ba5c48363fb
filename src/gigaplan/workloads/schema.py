"""Pydantic model of the scenario section ``estimate:`` (light import)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from gigaplan._schema import STRICT

#: Stated limits, far beyond any run (Llama 3.1 405B: 15.6e12 tokens, 4.05e11
#: parameters, 16,384 GPUs), so that no product of inputs overflows a float.
MAX_TOKENS = 1e18
MAX_PARAMS = 1e16
MAX_COUNT = 100_000_000
MAX_SEQUENCE = 100_000_000
#: $/accelerator-hour; on-demand H100s list at about $2-3.
MAX_PRICE = 1e6
#: kgCO2/MWh; lignite plants emit about 1,100.
MAX_GRID_KGCO2_PER_MWH = 5_000.0


class InferenceCase(BaseModel):
    """One serving case of the ``estimate:`` section."""

    model_config = STRICT

    name: str
    model: str
    accelerator: str = "h100"
    count: int = Field(8, gt=0, le=MAX_COUNT)
    #: None: FP8 where the chip has it natively, else BF16 (the result says so).
    precision: Literal["bf16", "fp8", "fp4"] | None = None
    batch: int = Field(64, gt=0, le=MAX_SEQUENCE)
    input_tokens: int = Field(1000, gt=0, le=MAX_SEQUENCE)
    output_tokens: int = Field(500, gt=0, le=MAX_SEQUENCE)
    tokens_per_day: float | None = Field(None, gt=0, le=MAX_TOKENS)
    pue: float | None = Field(None, ge=1, le=3)
    price_usd_per_accelerator_hour: float | None = Field(None, ge=0, le=MAX_PRICE)


class TrainingCase(BaseModel):
    """One pre-training run of the ``estimate:`` section.

    Give ``model`` (a catalog id) or ``params`` (and ``active_params`` for a
    mixture of experts); ``seq_len`` adds the attention term to 6·N·D.
    """

    model_config = STRICT

    name: str
    tokens: float = Field(gt=0, le=MAX_TOKENS)
    accelerator: str = "h100"
    count: int = Field(1024, gt=0, le=MAX_COUNT)
    model: str | None = None
    params: float | None = Field(None, gt=0, le=MAX_PARAMS)
    active_params: float | None = Field(None, gt=0, le=MAX_PARAMS)
    seq_len: int | None = Field(None, gt=0, le=MAX_SEQUENCE)
    mfu: float | None = Field(None, gt=0, le=1)
    precision: Literal["bf16", "fp8", "fp4"] = "bf16"
    pue: float | None = Field(None, ge=1, le=3)
    region: str | None = None
    grid_kgco2_per_mwh: float | None = Field(None, ge=0, le=MAX_GRID_KGCO2_PER_MWH)
    price_usd_per_accelerator_hour: float | None = Field(None, ge=0, le=MAX_PRICE)

    @model_validator(mode="after")
    def _check(self) -> TrainingCase:
        if self.model is not None and self.params is not None:
            raise ValueError("give model or params, not both")
        if self.model is None and self.params is None:
            raise ValueError("give model (a catalog id) or params")
        if (
            self.params is not None
            and self.active_params is not None
            and self.active_params > self.params
        ):
            raise ValueError(
                f"active_params={self.active_params:g} must be at most "
                f"params={self.params:g}"
            )
        if self.seq_len is not None and self.model is None:
            raise ValueError("seq_len needs model (for layers and attention width)")
        return self


class EstimateSection(BaseModel):
    """Scenario section ``estimate:``: lists of training and inference cases."""

    model_config = STRICT

    training: list[TrainingCase] = []
    inference: list[InferenceCase] = []
