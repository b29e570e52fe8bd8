"""PNG previews: size, faithfulness to a stored reference, and that the ten themes really differ."""

from io import BytesIO
from itertools import combinations
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from render.calendar_pdf import render_calendar, render_page_preview
from render.models import RenderedCalendar
from tests.render.conftest import SMALL_PREVIEW_PX
from tests.render.synthetic import (
    REFERENCE_PAGE,
    REFERENCE_PREVIEW_PX,
    THEMES,
    month_images,
    reference_inputs,
    spec_for,
)

REFERENCE_PATH = Path(__file__).parent / "reference" / "family_march_uk.png"
# Mean absolute difference per channel (0..255). Font rasterisers and resamplers differ a little between
# Pillow/FreeType builds; a real layout change (another theme, a moved grid) costs far more than this.
REFERENCE_TOLERANCE = 1.5


def open_png(data: bytes) -> Image.Image:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return Image.open(BytesIO(data)).convert("RGB")


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    assert a.size == b.size
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def test_previews_fit_the_requested_long_side(uk_calendar: RenderedCalendar) -> None:
    for data in uk_calendar.pages:
        image = open_png(data)
        assert max(image.size) == SMALL_PREVIEW_PX
        assert image.size[0] / image.size[1] == pytest.approx(595.28 / 841.89, abs=0.01)


def test_default_preview_is_1600_px_and_excludes_the_bleed(small_images: dict[int, bytes]) -> None:
    rendered = render_calendar(spec_for(orientation="landscape", bleed=True), small_images)
    image = open_png(rendered.pages[0])
    assert image.size[0] == 1600
    assert image.size[1] == pytest.approx(1600 * 595.28 / 841.89, abs=1)


def test_month_page_matches_the_stored_reference() -> None:
    spec, images = reference_inputs()
    rendered = render_calendar(spec, images, preview_max_px=REFERENCE_PREVIEW_PX)
    reference = Image.open(REFERENCE_PATH).convert("RGB")
    assert mean_difference(open_png(rendered.pages[REFERENCE_PAGE]), reference) < REFERENCE_TOLERANCE

    # The comparison must be able to fail: a neighbouring month or another theme is well outside tolerance.
    assert mean_difference(open_png(rendered.pages[REFERENCE_PAGE + 1]), reference) > 2 * REFERENCE_TOLERANCE
    nature = render_calendar(spec.model_copy(update={"color_scheme": THEMES["nature"][0]}), images,
                             preview_max_px=REFERENCE_PREVIEW_PX)
    assert mean_difference(open_png(nature.pages[REFERENCE_PAGE]), reference) > 2 * REFERENCE_TOLERANCE


def test_the_ten_themes_look_different() -> None:
    images = month_images(320, 240)
    pages = {
        theme: open_png(render_calendar(spec_for(theme), images, preview_max_px=160).pages[1])
        for theme in THEMES
    }
    for first, second in combinations(THEMES, 2):
        assert mean_difference(pages[first], pages[second]) > REFERENCE_TOLERANCE, (first, second)


def test_one_page_alone_is_the_same_page_as_in_the_whole_calendar(en_calendar: RenderedCalendar,
                                                                  small_images: dict[int, bytes]) -> None:
    spec = spec_for("corporate", locale="en")  # as en_calendar
    for number in (0, 3):  # the cover (January's photo) and a month
        alone = render_page_preview(spec, small_images, number, preview_max_px=SMALL_PREVIEW_PX)
        assert mean_difference(open_png(alone), open_png(en_calendar.pages[number])) < 0.01
    assert mean_difference(open_png(alone), open_png(en_calendar.pages[4])) > 1  # the comparison can fail
    with pytest.raises(ValueError, match=r"pages 0 .* to 12, not 13"):
        render_page_preview(spec, small_images, 13, preview_max_px=SMALL_PREVIEW_PX)
