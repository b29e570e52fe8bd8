"""Regenerate the stored reference preview (run only after an intended visual change, then review the PNG):

    .venv/bin/python -m tests.render.generate_reference
"""

from __future__ import annotations

from pathlib import Path

from render.calendar_pdf import render_calendar
from tests.render.synthetic import REFERENCE_PAGE, REFERENCE_PREVIEW_PX, reference_inputs

REFERENCE_PATH = Path(__file__).parent / "reference" / "family_march_uk.png"


def main() -> None:
    spec, images = reference_inputs()
    rendered = render_calendar(spec, images, preview_max_px=REFERENCE_PREVIEW_PX)
    REFERENCE_PATH.write_bytes(rendered.pages[REFERENCE_PAGE])
    print(f"wrote {REFERENCE_PATH} ({REFERENCE_PATH.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
