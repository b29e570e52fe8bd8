"""What the fake Replicate's finished jobs produce: small images a test can tell apart, an upscaled copy, and the
check a trainer makes of its uploaded zip. Pure functions of the job's input; the state stores what they make."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from hashlib import sha256
from typing import Any

from PIL import Image

_IMAGE_FORMATS = {"jpg": ("JPEG", "image/jpeg"), "png": ("PNG", "image/png"), "webp": ("WEBP", "image/webp")}


def synthesized_images(job_input: dict[str, Any]) -> Iterator[tuple[str, bytes, str]]:
    """(file name, bytes, content type) of each output a flux prediction with `job_input` makes."""
    output_format = str(job_input.get("output_format", "webp"))
    pil_format, content_type = _IMAGE_FORMATS.get(output_format, _IMAGE_FORMATS["webp"])
    for number in range(max(1, int(job_input.get("num_outputs", 1)))):
        # Each prompt/seed pair gets its own colour so that tests can tell variants apart; flux seeds the outputs of
        # one prediction seed, seed + 1, ...
        seed = job_input.get("seed")
        seeded = seed + number if seed is not None else None
        digest = sha256(f"{job_input.get('prompt')}|{seeded}".encode()).digest()
        buffer = io.BytesIO()
        Image.new("RGB", (64, 64), tuple(digest[:3])).save(buffer, format=pil_format)
        yield f"out-{number}.{output_format}", buffer.getvalue(), content_type


def upscaled_png(image_bytes: bytes, scale: float) -> bytes:
    """The input enlarged `scale` times, as PNG (what the real upscaler answers)."""
    with Image.open(io.BytesIO(image_bytes)) as image:
        size = (round(image.width * scale), round(image.height * scale))
        enlarged = image.convert("RGB").resize(size, Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    enlarged.save(buffer, format="PNG")
    return buffer.getvalue()


def zip_has_images(data: bytes) -> bool:
    """Whether a trainer's `input_images` zip holds any image (the real trainer fails the training otherwise)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return False
    return any(name.lower().endswith((".jpg", ".jpeg", ".png", ".webp")) for name in names)
