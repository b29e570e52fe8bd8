"""Image providers: train a model on a customer's photos, then synthesize styled variants."""

from __future__ import annotations

from imaging.providers.base import ImageProvider


def make_provider(name: str, **options: object) -> ImageProvider:
    if name == "local":
        from imaging.providers.local import LocalProvider

        return LocalProvider()
    if name == "replicate":
        # With the print upscale (replicate_upscale.py), kept out of the synthesis module.
        from imaging.providers.replicate_upscale import ReplicateUpscalingProvider

        return ReplicateUpscalingProvider(**options)  # type: ignore[arg-type]
    raise ValueError(f"unknown image provider {name!r}")
