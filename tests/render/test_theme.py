import pytest

from render.colours import contrast_ratio
from render.theme import derive_palette, theme_style
from tests.render.synthetic import THEMES


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_every_theme_palette_is_legible(theme: str) -> None:
    palette = derive_palette(THEMES[theme][0])
    assert contrast_ratio(palette.ink, palette.page) >= 7.0
    assert contrast_ratio(palette.accent, palette.page) >= 3.0
    assert contrast_ratio(palette.on_accent, palette.accent) >= 3.0


def test_pastel_scheme_gets_a_readable_accent_of_the_same_hue() -> None:
    palette = derive_palette(["#FFE5E5", "#FFC4C4", "#FFD4D4"])  # family: nothing dark in it
    red, green, blue = palette.accent
    assert red > green and red > blue  # still a warm rose, not a muddy brown or grey


def test_layout_block_drives_the_style() -> None:
    corporate = theme_style("corporate", *THEMES["corporate"])
    assert corporate.header_band and corporate.include_notes and corporate.cell_style == "lined"
    wedding = theme_style("wedding", *THEMES["wedding"])
    assert wedding.frame == "oval-gold" and wedding.hearts and wedding.centred_titles
    assert theme_style("kids", *THEMES["kids"]).cell_style == "bubbles"


def test_unknown_layout_and_empty_scheme_fall_back_to_a_plain_look() -> None:
    style = theme_style("new-theme", [], {"type": "spiral-3d", "photoFrameStyle": "hologram"})
    assert (style.layout_type, style.frame, style.cell_style) == ("12-month-grid", "square-thin", "boxed")
    assert contrast_ratio(style.palette.ink, style.palette.page) >= 7.0
