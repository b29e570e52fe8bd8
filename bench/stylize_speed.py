"""Seconds per stylized page, per theme, on one core, against the local provider's 0.5 s budget.

    python bench/stylize_speed.py [--repeats 3] [--size 1024]

Two inputs: the bundled 512 px sample portrait (upscaled to the page), and the same portrait enlarged to a
12-megapixel phone photo (decode-bound: exercises the JPEG draft decode and the face search).
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

import cv2
from PIL import Image

from imaging.assets import sample_photo
from imaging.stylize import LOOKS, stylize

BUDGET_SECONDS = 0.5


def phone_sized(photo: bytes) -> bytes:
    image = Image.open(io.BytesIO(photo)).convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def seconds_per_image(photo: bytes, theme: str, *, size: int, repeats: int) -> float:
    timings = []
    for seed in range(repeats):
        started = time.perf_counter()
        stylize(photo, theme=theme, seed=seed, color_scheme=[], style_strength=0.75, size=size)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--size", type=int, default=1024)
    args = parser.parse_args()

    cv2.setNumThreads(1)  # the budget is per core: the worker runs several variants side by side
    inputs = {"sample 512 px": sample_photo(), "phone 4000x3000": phone_sized(sample_photo())}
    stylize(sample_photo(), theme="kids", seed=0, color_scheme=[], style_strength=1.0)  # warm-up

    print(f"stylize at {args.size} px, 1 OpenCV thread, median of {args.repeats}; budget {BUDGET_SECONDS} s")
    print(f"{'theme':<16}" + "".join(f"{name:>26}" for name in inputs))
    worst = 0.0
    for theme in [*LOOKS, "neutral-default"]:
        cells = []
        for photo in inputs.values():
            seconds = seconds_per_image(photo, theme, size=args.size, repeats=args.repeats)
            worst = max(worst, seconds)
            cells.append(f"{seconds:8.3f} s  ({seconds / BUDGET_SECONDS:4.2f}x budget)")
        print(f"{theme:<16}" + "".join(f"{cell:>26}" for cell in cells))
    print(f"worst: {worst:.3f} s = {worst / BUDGET_SECONDS:.2f}x the budget")


if __name__ == "__main__":
    main()
