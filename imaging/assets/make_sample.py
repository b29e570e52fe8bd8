"""Rebuild `sample.jpg`, the portrait every template preview is stylized from.

The photo is scikit-image's `astronaut` (Eileen Collins, NASA; public domain), which ships inside the
scikit-image wheel itself (skimage/data/astronaut.png) rather than being downloaded at run time. scikit-image is
not a dependency of Calendary: this script reads the PNG straight out of the wheel.

    python -m imaging.assets.make_sample                  # downloads the wheel with pip (no install)
    python -m imaging.assets.make_sample path/to/scikit_image-*.whl

The original is 512×512 and is kept at that size: upscaling would add bytes, not detail.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from PIL import Image

ASTRONAUT_IN_WHEEL = "skimage/data/astronaut.png"
OUTPUT = Path(__file__).with_name("sample.jpg")
JPEG_QUALITY = 90


def download_wheel(folder: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", str(folder),
         "scikit-image"],
        check=True,
    )
    return next(folder.glob("scikit_image-*.whl"))


def extract_astronaut(wheel: Path) -> Image.Image:
    with zipfile.ZipFile(wheel) as archive:
        return Image.open(io.BytesIO(archive.read(ASTRONAUT_IN_WHEEL))).convert("RGB")


def main(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        wheel = Path(argv[0]) if argv else download_wheel(Path(scratch))
        photo = extract_astronaut(wheel)
    photo.info = {}  # no metadata in the shipped asset
    photo.save(OUTPUT, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    print(f"wrote {OUTPUT} ({photo.width}×{photo.height}, {OUTPUT.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main(sys.argv[1:])
