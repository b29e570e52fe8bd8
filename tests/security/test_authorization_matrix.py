"""Every operation, taken from the OpenAPI document (so a new route is covered the day it is added), called by
another customer with the owner's ids, answers 404 `not_found` — exactly as for an id that does not exist — and
changes nothing; lists never show another customer's rows."""

from __future__ import annotations

import re

import pytest

from api.main import create_app
from tests.security.conftest import World

# Path parameters naming a customer's own rows, and the ones that are not anybody's (shared themes, a page number,
# the landing page's sample calendar language).
OWNED = {"photo_id", "job_id", "variant_id", "calendar_id"}
NOT_OWNED = {"template_id", "page", "locale"}


def _operations() -> list[tuple[str, str]]:
    paths = create_app().openapi()["paths"]
    return [(method.upper(), path) for path, operations in sorted(paths.items()) for method in sorted(operations)]


def _path_parameters(path: str) -> set[str]:
    return set(re.findall(r"\{([^}]+)\}", path))


OWNED_ROUTES = [op for op in _operations() if _path_parameters(op[1]) & OWNED]
LIST_ROUTES = ["/api/photos", "/api/calendars/generate", "/api/calendars"]


def test_every_path_parameter_is_classified() -> None:
    # A new kind of id must be added to OWNED (and to the world fixture) or NOT_OWNED deliberately.
    found = set().union(*(_path_parameters(path) for _, path in _operations()))
    assert found <= OWNED | NOT_OWNED, found - OWNED - NOT_OWNED
    assert len(OWNED_ROUTES) >= 15


async def _owner_can_still_read_everything(world: World) -> None:
    for path in (f"/api/photos/{world.ids['photo_id']}", f"/api/calendars/generate/{world.ids['job_id']}/status",
                 f"/api/calendars/{world.ids['calendar_id']}"):
        assert (await world.api.get(path, headers=world.owner)).status_code == 200, path
    variants = (await world.api.get(f"/api/calendars/generate/{world.ids['job_id']}/variants",
                                    headers=world.owner)).json()
    assert [v["id"] for v in variants] == [world.ids["variant_id"]]
    calendar = (await world.api.get(f"/api/calendars/{world.ids['calendar_id']}", headers=world.owner)).json()
    assert calendar["title"] == "" and calendar["year"] == 2027


@pytest.mark.parametrize(("method", "path"), OWNED_ROUTES, ids=lambda v: v)
async def test_another_customers_ids_are_not_found(world: World, method: str, path: str) -> None:
    concrete = re.sub(r"\{([^}]+)\}", lambda m: str(world.ids.get(m.group(1), 1)), path)
    # A body that would be valid for the owner, so nothing but ownership can refuse it.
    body = {"title": "taken over", "stars": 1, "selections": [], "custom_prompt": "x"}
    response = await world.api.request(method, concrete, json=body, headers=world.intruder)
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "not_found"
    assert response.headers["content-type"] == "application/problem+json"
    await _owner_can_still_read_everything(world)


@pytest.mark.parametrize("path", LIST_ROUTES)
async def test_lists_show_only_the_callers_rows(world: World, path: str) -> None:
    assert (await world.api.get(path, headers=world.owner)).json() != []
    assert (await world.api.get(path, headers=world.intruder)).json() == []


async def test_another_customers_photos_cannot_be_generated_from(world: World) -> None:
    response = await world.api.post("/api/calendars/generate", headers=world.intruder,
                                    json={"template_id": 1, "photo_ids": [world.ids["photo_id"]]})
    assert response.status_code == 422 and response.json()["code"] == "photos_unknown"
    assert (await world.api.get("/api/calendars/generate", headers=world.intruder)).json() == []
