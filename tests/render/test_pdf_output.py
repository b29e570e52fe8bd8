"""The PDF as a printer sees it: pages, boxes, fonts, images and their resolution."""

import pytest

from render.calendar_pdf import render_calendar
from render.geometry import BLEED, MM
from render.images import CLASSICAL_UPSCALE, TARGET_DPI
from render.models import RenderedCalendar
from tests.render.conftest import SHARP_MONTH
from tests.render.pdf_probe import fonts_used, line_segments, placed_images, read_pdf
from tests.render.synthetic import month_images, spec_for

A4_PT = (595.28, 841.89)
A3_PT = (841.89, 1190.55)
LETTER_PT = (612.0, 792.0)


def test_thirteen_pages_cover_first(uk_calendar: RenderedCalendar) -> None:
    reader = read_pdf(uk_calendar.pdf)
    assert len(reader.pages) == 13
    assert len(uk_calendar.pages) == 13
    assert [report.page for report in uk_calendar.page_reports] == list(range(13))


@pytest.mark.parametrize(
    ("page_size", "orientation", "bleed", "trim"),
    [
        ("A4", "portrait", False, A4_PT),
        ("A4", "portrait", True, A4_PT),
        ("A3", "landscape", False, A3_PT[::-1]),
        ("Letter", "portrait", True, LETTER_PT),
        ("Letter", "landscape", False, LETTER_PT[::-1]),
    ],
)
def test_page_size_and_boxes(page_size: str, orientation: str, bleed: bool, trim: tuple[float, float]) -> None:
    spec = spec_for(page_size=page_size, orientation=orientation, bleed=bleed)
    reader = read_pdf(render_calendar(spec, month_images(64, 48), preview_max_px=100).pdf)
    extra = 2 * 3 * MM if bleed else 0.0
    for page in (reader.pages[0], reader.pages[12]):
        assert float(page.mediabox.width) == pytest.approx(trim[0] + extra, abs=0.01)
        assert float(page.mediabox.height) == pytest.approx(trim[1] + extra, abs=0.01)
        trim_box = page.trimbox
        assert float(trim_box.width) == pytest.approx(trim[0], abs=0.01)
        assert float(trim_box.left) == pytest.approx(extra / 2, abs=0.01)


def test_bleed_pages_carry_crop_marks_outside_the_trim() -> None:
    reader = read_pdf(render_calendar(spec_for(bleed=True), month_images(64, 48), preview_max_px=100).pdf)
    segments = line_segments(reader, reader.pages[5])
    # Bottom-left corner: a horizontal mark from the media edge towards the trim line, stopping short of it.
    horizontal = [(s, e) for s, e in segments
                  if s[1] == pytest.approx(BLEED, abs=0.01) and e[1] == pytest.approx(BLEED, abs=0.01)
                  and min(s[0], e[0]) == pytest.approx(0.0, abs=0.01)]
    assert horizontal and max(max(s[0], e[0]) for s, e in horizontal) < BLEED
    unmarked = read_pdf(render_calendar(spec_for(), month_images(64, 48), preview_max_px=100).pdf)
    assert not [s for s, e in line_segments(unmarked, unmarked.pages[5]) if s[0] == 0.0 or e[0] == 0.0]


def test_all_fonts_are_embedded_truetype_with_unicode_maps(uk_calendar: RenderedCalendar) -> None:
    reader = read_pdf(uk_calendar.pdf)
    for page in reader.pages:
        for font in fonts_used(page):
            assert font["/Subtype"] == "/TrueType", font["/BaseFont"]
            assert "DejaVuSans" in font["/BaseFont"]
            assert "/FontFile2" in font["/FontDescriptor"].get_object()
            assert "/ToUnicode" in font  # so text can be searched and copied


def test_sharp_photo_is_placed_at_300_dpi_in_rgb(uk_calendar: RenderedCalendar) -> None:
    reader = read_pdf(uk_calendar.pdf)
    [image] = placed_images(reader, reader.pages[SHARP_MONTH])
    assert image.dpi >= TARGET_DPI
    assert image.dpi < TARGET_DPI * 1.01  # reduced to the target, not embedded at full source size
    assert image.colour_space == "/DeviceRGB" and image.filters == ("/DCTDecode",)
    report = uk_calendar.page_reports[SHARP_MONTH]
    assert report.effective_dpi == pytest.approx(image.dpi, abs=0.2)
    assert report.warnings == []


def test_small_photo_is_upscaled_classically_and_reported(uk_calendar: RenderedCalendar) -> None:
    reader = read_pdf(uk_calendar.pdf)
    [image] = placed_images(reader, reader.pages[5])
    assert image.pixels_w > 480 and image.pixels_h > 360  # the 480×360 source, enlarged
    report = uk_calendar.page_reports[5]
    assert report.effective_dpi == pytest.approx(image.dpi, abs=0.2)
    assert report.source_dpi is not None and report.source_dpi < 100 < report.effective_dpi
    assert report.upscaled_with == CLASSICAL_UPSCALE
    assert len(report.warnings) == 1 and "month 5" in report.warnings[0]


def test_cover_without_its_own_image_uses_january(uk_calendar: RenderedCalendar) -> None:
    report = uk_calendar.page_reports[0]
    assert report.effective_dpi is not None and "cover" in report.warnings[0]


def test_rendering_is_deterministic(small_images: dict[int, bytes]) -> None:
    spec = spec_for("vintage")
    first = render_calendar(spec, small_images, preview_max_px=100)
    second = render_calendar(spec, small_images, preview_max_px=100)
    assert first.pdf == second.pdf and first.pages == second.pages
