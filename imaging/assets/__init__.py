"""Files bundled with the imaging package; see make_sample.py for where sample.jpg comes from."""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def sample_photo() -> bytes:
    """A public-domain portrait (JPEG) to stylize into template preview images."""
    return files(__package__).joinpath("sample.jpg").read_bytes()
