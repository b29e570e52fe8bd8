"""Colour arithmetic for deriving a readable print palette from a template's colorScheme.

Colours are (r, g, b) tuples of 0..255 ints. Everything is opaque on purpose: transparency in print PDFs
has to be flattened by the printer's RIP, which is a classic source of surprises, so tints are pre-mixed.
"""

from __future__ import annotations

import colorsys

Colour = tuple[int, int, int]

WHITE: Colour = (255, 255, 255)
BLACK: Colour = (0, 0, 0)


def parse_hex(value: str) -> Colour:
    digits = value.removeprefix("#")
    if len(digits) != 6:
        raise ValueError(f"colour {value!r} must look like #RRGGBB")
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))


def mix(base: Colour, other: Colour, amount: float) -> Colour:
    """`amount` of `other` over `base` (0 → base, 1 → other)."""
    red, green, blue = (round(b + (o - b) * amount) for b, o in zip(base, other, strict=True))
    return red, green, blue


def relative_luminance(colour: Colour) -> float:
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: Colour, b: Colour) -> float:
    """WCAG contrast ratio; a decent proxy for legibility on paper too."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def chroma(colour: Colour) -> float:
    return (max(colour) - min(colour)) / 255


def deepen_until_contrast(colour: Colour, background: Colour, minimum: float, max_saturation: float) -> Colour:
    """Keep the hue, lower lightness until `colour` reads on `background`.

    Pastel schemes (family, wedding) have no colour dark enough for text; mixing with black would turn their
    pinks and golds muddy brown, so we walk down HLS lightness instead and cap saturation to stay tasteful.
    """
    if contrast_ratio(colour, background) >= minimum:
        return colour
    hue, lightness, saturation = colorsys.rgb_to_hls(*(c / 255 for c in colour))
    if chroma(colour) > 0.05:
        saturation = min(max(saturation, 0.35), max_saturation)
    candidate = colour
    while lightness > 0:
        lightness = max(0.0, lightness - 0.02)
        candidate = tuple(round(c * 255) for c in colorsys.hls_to_rgb(hue, lightness, saturation))  # type: ignore[assignment]
        if contrast_ratio(candidate, background) >= minimum:
            break
    return candidate


def to_unit_rgb(colour: Colour) -> tuple[float, float, float]:
    return (colour[0] / 255, colour[1] / 255, colour[2] / 255)
