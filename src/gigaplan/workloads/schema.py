"""Pydantic model of the scenario section ``estimate:`` (light import)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class InferenceCase(BaseModel):
    """One serving case of the ``estimate:`` section."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    model: str
    accelerator: str = "h100"
    count: int = Field(8, gt=0)
    precision: Literal["bf16", "fp8", "fp4"] = "fp8"
    batch: int = Field(64, gt=0)
    input_tokens: int = Field(1000, gt=0)
    output_tokens: int = Field(500, gt=0)
    tokens_per_day: float | None = Field(None, gt=0)


class EstimateSection(BaseModel):
    """Scenario section ``estimate:``: a list of inference cases."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    inference: list[InferenceCase] = []
