"""From a template's theme, colorScheme and layout block to concrete drawing choices.

The template data (seeded elsewhere) is the single source of the ten themes; this module only interprets
it. Unknown layout types or frame styles fall back to the plain grid and a thin square frame, so a new
theme renders before anyone teaches this module about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

from render.colours import (
    BLACK,
    WHITE,
    Colour,
    chroma,
    contrast_ratio,
    deepen_until_contrast,
    mix,
    parse_hex,
    relative_luminance,
)

LayoutType = Literal["12-month-grid", "business-calendar", "romantic-grid"]
FrameStyle = Literal[
    "none", "square-thin", "rounded-warm", "rounded-soft", "rounded-playful",
    "oval-gold", "angled-bold", "polaroid", "deckled",
]
CellStyle = Literal["boxed", "lined", "open", "bubbles"]

NEUTRAL_SCHEME = ("#FFFFFF", "#1F2937", "#2563EB")
_BODY_TEXT_CONTRAST = 7.0  # WCAG AAA: small cell labels at 6 pt must stay crisp in print
_ACCENT_CONTRAST = 3.0  # large headings and day numbers
_MAX_ACCENT_SATURATION = 0.6


@dataclass(frozen=True)
class Palette:
    page: Colour
    ink: Colour
    muted: Colour
    accent: Colour
    on_accent: Colour  # text set on an accent-coloured band
    decoration: Colour  # frames, ornaments: no legibility duty, so the scheme's colour as is
    grid_line: Colour
    weekend_fill: Colour
    holiday_fill: Colour
    shadow: Colour
    tints: tuple[Colour, ...]  # pale versions of every scheme colour, for playful cell backgrounds


@dataclass(frozen=True)
class ThemeStyle:
    theme: str
    palette: Palette
    layout_type: LayoutType
    frame: FrameStyle
    cell_style: CellStyle
    centred_titles: bool
    header_band: bool
    include_notes: bool
    hearts: bool
    photo_share: float  # of the content height (portrait) or width (landscape)
    photo_bleeds: bool  # the photo runs off the top (portrait) or left (landscape) edge
    page_border: bool


def derive_palette(scheme: list[str] | tuple[str, ...]) -> Palette:
    colours = [parse_hex(value) for value in (scheme or NEUTRAL_SCHEME)]
    lightest = max(colours, key=relative_luminance)
    most_vivid = max(colours, key=chroma)
    page = lightest if relative_luminance(lightest) >= 0.75 else mix(WHITE, most_vivid, 0.05)

    # Prefer a dark neutral for body text; tinted darks are kept for the accent.
    dark_enough = [c for c in colours if contrast_ratio(c, page) >= _BODY_TEXT_CONTRAST]
    if dark_enough:
        ink = min(dark_enough, key=chroma)
    else:
        darkest = min(colours, key=relative_luminance)
        ink = deepen_until_contrast(darkest, page, _BODY_TEXT_CONTRAST, max_saturation=0.5)

    # The accent is the colour that is both vivid and closest to readable: chroma × contrast.
    candidates = [c for c in colours if c not in (page, ink)] or colours
    accent_source = max(candidates, key=lambda c: chroma(c) * contrast_ratio(c, page))
    accent = deepen_until_contrast(accent_source, page, _ACCENT_CONTRAST, _MAX_ACCENT_SATURATION)
    if accent == ink and len(colours) == 1:
        accent = deepen_until_contrast(mix(ink, page, 0.3), page, _ACCENT_CONTRAST, _MAX_ACCENT_SATURATION)

    decorative = [c for c in colours if c not in (page, ink, accent_source)]
    decoration = max(decorative, key=chroma) if decorative else accent

    return Palette(
        page=page,
        ink=ink,
        muted=mix(page, ink, 0.62),
        accent=accent,
        on_accent=max((WHITE, page, ink, BLACK), key=lambda c: contrast_ratio(c, accent)),
        decoration=decoration,
        grid_line=mix(page, ink, 0.2),
        weekend_fill=mix(page, accent, 0.08),
        holiday_fill=mix(page, accent, 0.2),
        shadow=mix(page, ink, 0.14),
        tints=tuple(mix(page, c, 0.28) for c in colours if c != page) or (mix(page, accent, 0.15),),
    )


def theme_style(theme: str, scheme: list[str], layout: dict[str, Any]) -> ThemeStyle:
    layout_type = layout.get("type")
    if layout_type not in get_args(LayoutType):
        layout_type = "12-month-grid"
    frame = layout.get("photoFrameStyle")
    if frame not in get_args(FrameStyle):
        frame = "square-thin"
    business = layout_type == "business-calendar"
    romantic = layout_type == "romantic-grid"

    if business:
        cell_style: CellStyle = "lined"
    elif romantic or frame == "none":
        cell_style = "open"
    elif frame == "rounded-playful":
        cell_style = "bubbles"
    else:
        cell_style = "boxed"

    return ThemeStyle(
        theme=theme,
        palette=derive_palette(scheme),
        layout_type=cast(LayoutType, layout_type),  # checked against the Literal's values above
        frame=cast(FrameStyle, frame),
        cell_style=cell_style,
        centred_titles=romantic or frame == "polaroid",
        header_band=business,
        include_notes=bool(layout.get("includeNotes", False)),
        hearts="heart" in str(layout.get("decorativeElements", "")).lower(),
        photo_share=0.44 if business else 0.5 if romantic or frame == "angled-bold" else 0.56,
        photo_bleeds=frame == "angled-bold",
        page_border=frame == "deckled",
    )
