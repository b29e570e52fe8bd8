"""The ten themes are seeded with the seed's exact prompts, once, however often the seeder runs."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import ValidationError
from sqlmodel import select

from db.migrate import upgrade
from db.models import Template
from db.seed import THEMES, seed_templates
from db.session import make_engine, make_session_factory, session_scope
from db.template_data import TemplateData

SEED_PROMPTS = {
    "family": ("family portrait, warm cozy home atmosphere, soft pastel colors, loving moments, gentle lighting",
               "dark, gloomy, professional, corporate, cold, formal, harsh shadows", 0.7),
    "wedding": (("romantic wedding photography, elegant soft lighting, white and gold accents, dreamy atmosphere, "
                 "love and joy"), "dark, harsh lighting, casual, everyday, simple", 0.8),
    "vintage": ("vintage retro photography, film grain, sepia tones, nostalgic atmosphere, classic timeless style",
                "modern, digital, sharp, contemporary, futuristic", 0.8),
    "minimalist": (("minimalist clean photography, simple elegant composition, monochrome or muted colors, "
                    "zen aesthetic"), "cluttered, busy, bright colors, decorative, complex", 0.5),
}


async def _seed_twice_and_read(url: str) -> list[Template]:
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    for _ in range(2):
        async with session_scope(sessions) as session:
            await seed_templates(session)
    async with session_scope(sessions) as session:
        templates = list((await session.exec(select(Template).order_by(Template.sort_order))).all())
    await engine.dispose()
    return templates


def _assert_seeded(templates: list[Template]) -> None:
    assert [t.theme for t in templates] == ["family", "corporate", "wedding", "sports", "kids", "minimalist",
                                            "nature", "travel", "vintage", "professional"]
    by_theme = {t.theme: TemplateData.model_validate(t.template_data) for t in templates}
    for theme, (base, negative, strength) in SEED_PROMPTS.items():
        prompt = by_theme[theme].flux_prompt
        assert (prompt.base_prompt, prompt.negative_prompt, prompt.style_strength) == (base, negative, strength)
    assert all(t.is_active for t in templates)


async def test_seeding_is_idempotent_on_sqlite(settings) -> None:  # noqa: ANN001
    _assert_seeded(await _seed_twice_and_read(settings.database_url))


@pytest.mark.postgres
async def test_seeding_is_idempotent_on_postgres(postgres_url: str) -> None:
    _assert_seeded(await _seed_twice_and_read(postgres_url))


@pytest.mark.parametrize(("broken", "problem"), [
    ({"styleStrength": 1.5}, "styleStrength"),
    ({"steps": 0}, "steps"),
    ({"basePrompt": ""}, "basePrompt"),
])
def test_a_bad_template_fails_loudly(broken: dict, problem: str) -> None:
    data = {"theme": "x", "fluxPrompt": {"basePrompt": "p", "negativePrompt": "n", "styleStrength": 0.5,
                                         "steps": 30}, "layout": {}, "colorScheme": ["#FFFFFF"]}
    data["fluxPrompt"].update(broken)
    with pytest.raises(ValidationError, match=problem):
        TemplateData.model_validate(data)


def test_colour_scheme_must_be_hex() -> None:
    with pytest.raises(ValidationError, match="#RRGGBB"):
        TemplateData.model_validate({"theme": "x", "fluxPrompt": {"basePrompt": "p", "styleStrength": 0.5,
                                                                  "steps": 3}, "colorScheme": ["red"]})


def test_every_theme_validates() -> None:
    from db.seed import template_data_for

    assert {template_data_for(t).theme for t in THEMES} == {t.theme for t in THEMES}
