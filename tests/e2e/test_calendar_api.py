"""The finished calendar through the API: PDF, page previews, edits rendered by the worker, owner scoping."""

from __future__ import annotations

import asyncio
import io
from urllib.parse import quote, urlsplit

import pytest
from PIL import Image
from pypdf import PdfReader

from testkit.api import register
from testkit.journey import edit_calendar, pick_twelve, start_generation, wait_for_render, wait_for_status
from testkit.stack import Stack


@pytest.fixture
async def finished(stack: Stack) -> tuple[dict[str, str], int]:
    async with stack.worker():
        headers, started = await start_generation(stack.api, preview=True, theme="family")
        job_id = started["job_id"]
        status = (await wait_for_status(stack.api, headers, job_id, "ready_for_selection"))[-1]
        assert status["variant_count"] == 6 and status["generated_variants_count"] == 6
        selections = pick_twelve(status["variants"])  # preview: 6 variants fill 12 months
        await stack.api.post(f"/api/calendars/generate/{job_id}/select", headers=headers,
                             json={"selections": selections})
        status = (await wait_for_status(stack.api, headers, job_id, "completed"))[-1]
    return headers, status["generated_calendar_id"]


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


async def test_pdf_pages_and_edits(stack: Stack, finished: tuple[dict[str, str], int]) -> None:
    headers, calendar_id = finished
    api = stack.api
    pdf = await api.get(f"/api/calendars/{calendar_id}/pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    # The default title is the theme's name in the calendar's language; the year is printed once, under it.
    assert (await api.get(f"/api/calendars/{calendar_id}", headers=headers)).json()["title"] == "Сімейний"
    assert pdf.headers["content-disposition"].endswith(f"filename*=UTF-8''{quote('Сімейний 2027.pdf')}")
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) == 13
    assert "Січень" in _text(pdf.content)
    assert PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().split() == ["Сімейний", "2027"]

    cover = await api.get(f"/api/calendars/{calendar_id}/pages/0", headers=headers)
    assert cover.headers["content-type"] == "image/jpeg"  # httpx accepts */*: no sign of WebP support
    assert max(Image.open(io.BytesIO(cover.content)).size) <= 1600
    assert (await api.get(f"/api/calendars/{calendar_id}/pages/13", headers=headers)).status_code == 404

    before = (await api.get(f"/api/calendars/{calendar_id}", headers=headers)).json()
    assert (before["status"], before["version"]) == ("ready", 1)
    async with stack.worker():
        edited = await edit_calendar(api, headers, calendar_id, {
            "title": "Our year", "locale": "en",
            "personal_dates": [{"date": "2027-03-08", "label": "Mom's birthday"}], "swap_months": [1, 2]})
        assert edited.status_code == 202, edited.text
        after = (await api.get(f"/api/calendars/{calendar_id}", headers=headers)).json()
        assert (after["status"], after["version"]) == ("ready", 2)
        assert after["title"] == "Our year" and after["locale"] == "en"
        assert after["months"][0]["variant_id"] == before["months"][1]["variant_id"]
        assert after["months"][1]["variant_id"] == before["months"][0]["variant_id"]
        text = _text((await api.get(f"/api/calendars/{calendar_id}/pdf", headers=headers)).content)
        assert "January" in text and "Mom's birthday" in text and "Our year" in text

        # The week start shown is the one printed: English prints Sunday first, and says so; a form that sends back
        # what it was shown (as the page's does) keeps it.
        assert after["options"]["week_start"] == "sunday" and text.index("Sun") < text.index("Mon")
        echoed = await edit_calendar(api, headers, calendar_id, {
            "title": "Our year, again", "week_start": after["options"]["week_start"]})
        assert echoed.status_code == 202 and echoed.json()["options"]["week_start"] == "sunday"
        text = _text((await api.get(f"/api/calendars/{calendar_id}/pdf", headers=headers)).content)
        assert text.index("Sun") < text.index("Mon")

        # An emptied title goes back to the theme's name, in the calendar's language.
        emptied = await edit_calendar(api, headers, calendar_id, {"title": " "})
        assert emptied.status_code == 202 and emptied.json()["title"] == "Family"
        assert (await edit_calendar(api, headers, calendar_id, {"locale": "uk"})).json()["title"] == "Сімейний"


async def test_an_edit_is_stored_at_once_and_rendered_by_the_worker(
        stack: Stack, finished: tuple[dict[str, str], int]) -> None:
    headers, calendar_id = finished
    api = stack.api
    first = await api.get(f"/api/calendars/{calendar_id}", headers=headers)
    old_pdf = (await api.get(f"/api/calendars/{calendar_id}/pdf", headers=headers)).content
    # No worker runs: the request stores the edit and answers without rendering anything itself.
    edited = await api.patch(f"/api/calendars/{calendar_id}", headers={**headers, "If-Match": first.headers["etag"]},
                             json={"title": "Ще не намальований"})
    assert edited.status_code == 202, edited.text
    assert (edited.json()["status"], edited.json()["version"], edited.headers["etag"]) == ("rendering", 2, '"2"')
    assert edited.json()["pdf_url"] == first.json()["pdf_url"]  # the previous render is still the one served
    pending = (await api.get(f"/api/calendars/{calendar_id}", headers=headers)).json()
    assert (pending["status"], pending["title"]) == ("rendering", "Ще не намальований")
    assert (await api.get(f"/api/calendars/{calendar_id}/pdf", headers=headers)).content == old_pdf

    # The edit was on version 1: a second edit on version 1 lost the race and changes nothing.
    stale = await api.patch(f"/api/calendars/{calendar_id}", headers={**headers, "If-Match": '"1"'},
                            json={"title": "Перезапис"})
    assert stale.status_code == 409 and stale.json()["code"] == "calendar_edit_conflict"
    assert stale.json()["params"] == {"current_version": 2, "sent_version": 1}
    missing = await api.patch(f"/api/calendars/{calendar_id}", headers=headers, json={"title": "Без версії"})
    assert missing.status_code == 428 and missing.json()["code"] == "calendar_version_required"
    for bad in ('"abc"', "*"):
        refused = await api.patch(f"/api/calendars/{calendar_id}", headers={**headers, "If-Match": bad}, json={})
        assert refused.status_code == 428, bad
    # Two edits in the body's `version` field while the first is not yet rendered: both are rendered, in order.
    body_edit = await api.patch(f"/api/calendars/{calendar_id}", headers=headers,
                                json={"version": 2, "title": "Наш рік"})
    assert body_edit.status_code == 202 and body_edit.json()["version"] == 3
    assert (await api.get(f"/api/calendars/{calendar_id}", headers=headers)).json()["title"] == "Наш рік"

    async with stack.worker():
        done = await wait_for_render(api, headers, calendar_id)
    assert (done["status"], done["version"], done["render_error"]) == ("ready", 3, None)
    assert done["pdf_url"] != first.json()["pdf_url"]
    assert PdfReader(io.BytesIO((await api.get(done["pdf_url"], headers=headers)).content)).pages[0] \
        .extract_text().split() == ["Наш", "рік", "2027"]


async def test_of_two_concurrent_edits_on_one_version_the_second_is_refused(
        stack: Stack, finished: tuple[dict[str, str], int]) -> None:
    headers, calendar_id = finished
    at = {**headers, "If-Match": '"1"'}
    answers = await asyncio.gather(*(stack.api.patch(f"/api/calendars/{calendar_id}", headers=at, json={"title": title})
                                     for title in ("Перший", "Другий")))
    assert sorted(a.status_code for a in answers) == [202, 409], [a.text for a in answers]
    winner = next(a for a in answers if a.status_code == 202).json()["title"]
    stored = (await stack.api.get(f"/api/calendars/{calendar_id}", headers=headers)).json()
    assert (stored["title"], stored["version"]) == (winner, 2)


async def test_the_title_chosen_before_creating_is_printed(stack: Stack) -> None:
    async with stack.worker():
        headers, started = await start_generation(stack.api, preview=True, theme="family", title="Бабусин рік",
                                                  locale="en")
        job_id = started["job_id"]
        status = (await wait_for_status(stack.api, headers, job_id, "ready_for_selection"))[-1]
        await stack.api.post(f"/api/calendars/generate/{job_id}/select", headers=headers,
                             json={"selections": pick_twelve(status["variants"])})
        calendar_id = (await wait_for_status(stack.api, headers, job_id, "completed"))[-1]["generated_calendar_id"]
    calendar = (await stack.api.get(f"/api/calendars/{calendar_id}", headers=headers)).json()
    assert (calendar["title"], calendar["locale"]) == ("Бабусин рік", "en")
    pdf = (await stack.api.get(f"/api/calendars/{calendar_id}/pdf", headers=headers)).content
    assert PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split() == ["Бабусин", "рік", "2027"]


async def test_page_previews_are_stored_as_jpeg_and_served_as_webp_where_accepted(
        stack: Stack, finished: tuple[dict[str, str], int]) -> None:
    headers, calendar_id = finished
    calendar = (await stack.api.get(f"/api/calendars/{calendar_id}", headers=headers)).json()
    assert len(calendar["preview_urls"]) == len(calendar["page_urls"]) == 13
    stored = await stack.deps.storage.get(urlsplit(calendar["preview_urls"][1]).path.removeprefix("/media/"))
    assert stored.content_type == "image/jpeg" and max(Image.open(io.BytesIO(stored.data)).size) <= 1600

    # The signed link (no bearer token) and the API's own page route negotiate alike.
    for url, auth in ((calendar["preview_urls"][1], {}), (calendar["page_urls"][1], headers)):
        webp = await stack.api.get(url, headers={**auth, "Accept": "image/avif,image/webp,*/*;q=0.8"})
        jpeg = await stack.api.get(url, headers={**auth, "Accept": "*/*"})
        assert (webp.headers["content-type"], jpeg.headers["content-type"]) == ("image/webp", "image/jpeg")
        assert webp.headers["vary"] == "Accept" and "immutable" in webp.headers["cache-control"]
        assert len(webp.content) < len(jpeg.content)
        unchanged = await stack.api.get(url, headers={**auth, "Accept": "image/webp",
                                                      "If-None-Match": webp.headers["etag"]})
        assert unchanged.status_code == 304

    # "My calendars" shows the rendered cover small; a re-render replaces it and drops the old one.
    thumbnail = await stack.api.get(calendar["cover_thumbnail_url"])
    assert thumbnail.status_code == 200 and max(Image.open(io.BytesIO(thumbnail.content)).size) <= 400
    old_key = urlsplit(calendar["cover_thumbnail_url"]).path.removeprefix("/media/")
    async with stack.worker():
        assert (await edit_calendar(stack.api, headers, calendar_id, {"title": "Новий"})).status_code == 202
    edited = (await stack.api.get(f"/api/calendars/{calendar_id}", headers=headers)).json()
    assert edited["cover_thumbnail_url"] != calendar["cover_thumbnail_url"]
    assert (await stack.api.get(edited["cover_thumbnail_url"])).status_code == 200
    assert not await stack.deps.storage.exists(old_key)


BAD_EDITS = [
    ({"personal_dates": [{"date": "2027-02-29", "label": "x"}]}, "date"),
    ({"locale": "de"}, "locale"),
    ({"swap_months": [0, 13]}, "between 1 and 12"),
    ({"swap_months": [3, 3]}, "two different months"),
    ({"page_size": "B5"}, "page_size"),
]


async def test_bad_edits_are_refused_by_name(stack: Stack, finished: tuple[dict[str, str], int],
                                            subtests: pytest.Subtests) -> None:
    """Each bad edit on one calendar (a generation costs seconds of CPU), each reported on its own: refused, and
    the calendar still at version 1 after it."""
    headers, calendar_id = finished
    for body, words in BAD_EDITS:
        with subtests.test(words=words):
            response = await stack.api.patch(f"/api/calendars/{calendar_id}", headers=headers,
                                             json={**body, "version": 1})
            assert response.status_code == 422
            assert words in response.text
            stored = (await stack.api.get(f"/api/calendars/{calendar_id}", headers=headers)).json()
            assert (stored["version"], stored["status"]) == (1, "ready")


async def test_another_users_calendar_is_404(stack: Stack, finished: tuple[dict[str, str], int]) -> None:
    _, calendar_id = finished
    intruder = await register(stack.api, "intruder@example.com")
    for method, path in [("GET", f"/api/calendars/{calendar_id}"), ("GET", f"/api/calendars/{calendar_id}/pdf"),
                         ("GET", f"/api/calendars/{calendar_id}/pages/1"), ("PATCH", f"/api/calendars/{calendar_id}")]:
        response = await stack.api.request(method, path, headers=intruder, json={} if method == "PATCH" else None)
        assert response.status_code == 404, (method, path)
    assert (await stack.api.get("/api/calendars", headers=intruder)).json() == []
