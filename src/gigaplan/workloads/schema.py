"""Pydantic model of the scenario section ``estimate:`` (light import)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gigaplan._schema import StrictModel


class InferenceCase(StrictModel):
    """One serving case of the ``estimate:`` section."""

    name: str
    model: str
    accelerator: str = "h100"
    count: int = Field(8, gt=0)
    precision: Literal["bf16", "fp8", "fp4"] = "fp8"
    batch: int = Field(64, gt=0)
    input_tokens: int = Field(1000, gt=0)
    output_tokens: int = Field(500, gt=0)
    tokens_per_day: float | None = Field(None, gt=0)


class TrainingCase(StrictModel):
    """One pre-training run of the ``estimate:`` section.

    Give ``model`` (a catalog id) or ``params`` (and ``active_params`` for a
    mixture of experts); ``seq_len`` adds the attention term to 6·N·D.
    """

    name: str
    tokens: float = Field(gt=0)
    accelerator: str = "h100"
    count: int = Field(1024, gt=0)
    model: str | None = None
    params: float | None = Field(None, gt=0)
    active_params: float | None = Field(None, gt=0)
    seq_len: int | None = Field(None, gt=0)
    mfu: float | None = Field(None, gt=0, le=1)
    precision: Literal["bf16", "fp8", "fp4"] = "bf16"
    pue: float | None = Field(None, ge=1)
    region: str | None = None
    price_usd_per_accelerator_hour: float | None = Field(None, ge=0)


class EstimateSection(StrictModel):
    """Scenario section ``estimate:``: lists of training and inference cases."""

    training: list[TrainingCase] = []
    inference: list[InferenceCase] = []
