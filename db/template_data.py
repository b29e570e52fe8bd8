"""The AI configuration a template carries (seed §2). Validated when seeded and when loaded, never first in a worker."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

_HEX_COLOUR = r"^#[0-9A-Fa-f]{6}$"


class FluxPrompt(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    base_prompt: str = Field(alias="basePrompt", min_length=1)
    negative_prompt: str = Field(alias="negativePrompt", default="")
    style_strength: float = Field(alias="styleStrength", ge=0.0, le=1.0)
    steps: int = Field(ge=1, le=100)


class TemplateData(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    theme: str = Field(min_length=1, max_length=32)
    flux_prompt: FluxPrompt = Field(alias="fluxPrompt")
    layout: dict[str, str | int | bool] = Field(default_factory=dict)
    color_scheme: list[str] = Field(alias="colorScheme", min_length=1)

    @field_validator("color_scheme")
    @classmethod
    def _hex_colours(cls, colours: list[str]) -> list[str]:
        bad = [c for c in colours if not re.match(_HEX_COLOUR, c)]
        if bad:
            raise ValueError(f"colours must look like #RRGGBB, got {bad}")
        return colours

    def to_json(self) -> dict:
        return self.model_dump(by_alias=True)
