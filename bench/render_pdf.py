"""How long the print PDF takes and how much it weighs: 13 A4 pages with photos at 300 DPI, on one core.

Targets (from the render issue): ≤ 15 s and ≤ 60 MB. Prints the figures and their ratios to the targets
(ratio ≤ 1.00 means within target). Inputs are synthetic photo-like JPEGs (smooth shapes plus sensor-like
noise, so they compress like real photos rather than like flat gradients), large enough for 300 DPI.

    .venv/bin/python bench/render_pdf.py [--theme family] [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import date
from io import BytesIO
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from render.calendar_pdf import render_calendar
from render.models import CalendarSpec, PersonalDate

TARGET_SECONDS = 15.0
TARGET_MB = 60.0
# Bigger than the A4 photo areas need at 300 DPI (about 2200×1800 px), as good AI upscales would be.
MONTH_SOURCE_PX = (3200, 2400)
COVER_SOURCE_PX = (2600, 3200)

# The seed's family theme; other themes can be chosen with --theme and the colours below.
SCHEMES: dict[str, tuple[list[str], dict[str, Any]]] = {
    "family": (["#FFE5E5", "#FFC4C4", "#FFD4D4"], {"type": "12-month-grid", "photoFrameStyle": "rounded-warm"}),
    "corporate": (["#1E3A8A", "#374151", "#F3F4F6"],
                  {"type": "business-calendar", "includeNotes": True, "photoFrameStyle": "square-thin"}),
    "wedding": (["#FFFFFF", "#FFD700", "#FFC0CB"],
                {"type": "romantic-grid", "decorativeElements": "roses-hearts", "photoFrameStyle": "oval-gold"}),
}


def photo_like_jpeg(size: tuple[int, int], seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    width, height = size
    base = Image.new("RGB", size)
    draw = ImageDraw.Draw(base)
    for y in range(0, height, 4):
        t = y / height
        draw.rectangle((0, y, width, y + 4), fill=(int(60 + 150 * t), int(120 + 60 * t), int(200 - 120 * t)))
    for _ in range(40):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        r = int(rng.integers(width // 30, width // 6))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(int(c) for c in rng.integers(0, 255, 3)))
    base = base.filter(ImageFilter.GaussianBlur(6))
    noisy = np.asarray(base, dtype=np.int16) + rng.normal(0, 7, (height, width, 3)).astype(np.int16)
    image = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--theme", choices=sorted(SCHEMES), default="family")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # the target is stated for one core

    print("generating inputs…", flush=True)
    month_images = {month: photo_like_jpeg(MONTH_SOURCE_PX, month) for month in range(1, 13)}
    cover_image = photo_like_jpeg(COVER_SOURCE_PX, 99)
    scheme, layout = SCHEMES[args.theme]
    spec = CalendarSpec(
        title="Наша родина",
        year=2027,
        theme=args.theme,
        color_scheme=scheme,
        layout=layout,
        personal_dates=[PersonalDate(date=date(1990, 3, 14), label="День народження мами")],
    )

    timings = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = render_calendar(spec, month_images, cover_image)
        timings.append(time.perf_counter() - started)

    seconds = statistics.median(timings)
    megabytes = len(result.pdf) / 1e6
    dpis = [report.effective_dpi for report in result.page_reports if report.effective_dpi is not None]
    print(f"theme            {args.theme}, A4 portrait, {len(result.pages)} pages, one core")
    print(f"render seconds   {seconds:6.2f}   ratio to {TARGET_SECONDS:.0f} s target: {seconds / TARGET_SECONDS:.2f}")
    print(f"pdf megabytes    {megabytes:6.2f}   ratio to {TARGET_MB:.0f} MB target: {megabytes / TARGET_MB:.2f}")
    print(f"effective dpi    min {min(dpis):.1f}, max {max(dpis):.1f}; warnings: {len(result.warnings)}")
    print(f"preview pngs     {sum(map(len, result.pages)) / 1e6:.2f} MB in total")


if __name__ == "__main__":
    main()
