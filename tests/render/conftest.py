from __future__ import annotations

import pytest

from render.calendar_pdf import render_calendar
from render.models import RenderedCalendar
from tests.render.synthetic import BIRTHDAY, encode, gradient_image, month_images, spec_for

# Month 6 gets a photo big enough for 300 DPI; the others are deliberately small.
SHARP_MONTH = 6
SMALL_PREVIEW_PX = 300


@pytest.fixture(scope="session")
def small_images() -> dict[int, bytes]:
    return month_images()


@pytest.fixture(scope="session")
def uk_calendar(small_images: dict[int, bytes]) -> RenderedCalendar:
    images = dict(small_images)
    images[SHARP_MONTH] = encode(gradient_image(2600, 2100))
    spec = spec_for("family", personal_dates=[BIRTHDAY])
    return render_calendar(spec, images, preview_max_px=SMALL_PREVIEW_PX)


@pytest.fixture(scope="session")
def en_calendar(small_images: dict[int, bytes]) -> RenderedCalendar:
    return render_calendar(spec_for("corporate", locale="en"), small_images, preview_max_px=SMALL_PREVIEW_PX)
