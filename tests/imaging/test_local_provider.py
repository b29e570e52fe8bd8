from __future__ import annotations

import io

import pytest
from PIL import Image

from imaging.providers import make_provider
from imaging.providers.base import ContentRejected, SynthesisRequest, TrainingRequest
from imaging.providers.local import LocalProvider
from imaging.stylize import stylize


def synthesis_request(photo: bytes, /, **overrides: object) -> SynthesisRequest:
    values: dict[str, object] = {
        "model_ref": "local:abc", "photo": photo, "theme": "wedding", "prompt": "romantic wedding photography",
        "negative_prompt": "dark", "style_strength": 0.8, "steps": 35, "seed": 11,
        "color_scheme": ["#FFFFFF", "#FFD700", "#FFC0CB"], "preview": True, "tag": "job-7-variant-3",
    }
    return SynthesisRequest(**{**values, **overrides})  # type: ignore[arg-type]


def test_make_provider_builds_the_local_provider() -> None:
    provider = make_provider("local")
    assert isinstance(provider, LocalProvider)
    assert provider.name == "local"


async def test_training_is_immediate_and_reports_its_ref(portrait: bytes) -> None:
    started: list[str] = []
    request = TrainingRequest(user_id=7, photo_set_hash="f00d", photos=[portrait])
    result = await LocalProvider().train(request, on_started=started.append)
    assert result.model_ref == "local:f00d"
    assert started == ["local:f00d"]
    assert result.cost_usd == 0
    assert (await LocalProvider().train(request)).model_ref == "local:f00d"  # the callback is optional


async def test_training_without_photos_is_rejected() -> None:
    with pytest.raises(ContentRejected):
        await LocalProvider().train(TrainingRequest(user_id=7, photo_set_hash="f00d", photos=[]))


async def test_generate_returns_the_stylized_page(portrait: bytes) -> None:
    started: list[str] = []
    request = synthesis_request(portrait)
    result = await LocalProvider().generate(request, on_started=started.append)

    assert (result.content_type, result.provider_ref, started) == ("image/jpeg", "local:job-7-variant-3",
                                                                  ["local:job-7-variant-3"])
    assert Image.open(io.BytesIO(result.image)).size == (512, 512)  # preview
    assert result.image == stylize(portrait, theme="wedding", seed=11, color_scheme=request.color_scheme,
                                   style_strength=0.8, size=1024, preview=True)


async def test_full_size_generation(portrait: bytes) -> None:
    result = await LocalProvider().generate(synthesis_request(portrait, preview=False, size=768))
    assert Image.open(io.BytesIO(result.image)).size == (768, 768)


@pytest.mark.parametrize(
    "overrides",
    [{"photo": b"not a photo at all"}, {"color_scheme": ["#GGGGGG"]}],
    ids=["undecodable photo", "malformed colour"],
)
async def test_bad_input_is_content_rejected(portrait: bytes, overrides: dict[str, object]) -> None:
    with pytest.raises(ContentRejected):
        await LocalProvider().generate(synthesis_request(portrait, **overrides))
