"""POST /api/calendars/{id}/rating: the owner rates a finished calendar once, and may change it; nobody else can."""

from __future__ import annotations

import httpx

from db.models import UserCalendar
from db.seed import seed_templates
from testkit.api import register


async def _calendar_of(api: httpx.AsyncClient, headers: dict[str, str]) -> int:
    me = (await api.get("/api/me", headers=headers)).json()
    async with api.app.state.sessions() as session:  # type: ignore[attr-defined]
        template = (await seed_templates(session))[0]
        calendar = UserCalendar(user_id=me["id"], template_id=template.id, year=2027)
        session.add(calendar)
        await session.commit()
        return calendar.id


async def test_the_owner_rates_once_and_may_change_it(app_client: httpx.AsyncClient) -> None:
    headers = await register(app_client)
    calendar = await _calendar_of(app_client, headers)
    url = f"/api/calendars/{calendar}/rating"
    assert (await app_client.get(url, headers=headers)).status_code == 404

    first = await app_client.post(url, headers=headers, json={"stars": 5, "comment": "Чудово!"})
    assert first.status_code == 200 and first.json()["stars"] == 5 and first.json()["comment"] == "Чудово!"
    changed = await app_client.post(url, headers=headers, json={"stars": 3})
    assert changed.json()["stars"] == 3 and changed.json()["comment"] is None
    assert (await app_client.get(url, headers=headers)).json()["stars"] == 3


async def test_ratings_are_checked_and_private(app_client: httpx.AsyncClient) -> None:
    headers = await register(app_client)
    calendar = await _calendar_of(app_client, headers)
    url = f"/api/calendars/{calendar}/rating"
    for body, problem in [({"stars": 0}, "stars"), ({"stars": 6}, "stars"), ({"stars": "5"}, "stars"),
                          ({}, "stars"), ({"stars": 4, "comment": "x" * 2001}, "comment"),
                          ({"stars": 4, "mood": "good"}, "mood")]:
        answer = await app_client.post(url, headers=headers, json=body)
        assert answer.status_code == 422 and problem in answer.text, (body, answer.text)
    stranger = await register(app_client, "stranger@example.com")
    assert (await app_client.post(url, headers=stranger, json={"stars": 1})).status_code == 404
    assert (await app_client.get(url, headers=stranger)).status_code == 404
    assert (await app_client.post(url, json={"stars": 1})).status_code == 401
    assert (await app_client.post("/api/calendars/999999/rating", headers=headers, json={"stars": 1})).status_code \
        == 404
