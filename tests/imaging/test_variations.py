"""The offline provider honours each variant's variation: framing around the face (close-up, medium, wide, centred,
thirds, low and high angle) and light (golden hour, overcast, window, evening, morning), so the variants of one
photo look clearly different — measured as the pairwise difference between them."""

from __future__ import annotations

import io
import itertools

import numpy as np
from PIL import Image

from contracts.variations import VARIATIONS, compose_prompt, variant_seed
from imaging.checks import find_faces
from imaging.providers.local import LocalProvider
from tests.imaging.conftest import decode, encode, landscape
from tests.imaging.test_local_provider import synthesis_request

BASE_PROMPT = "natural outdoor photography, earthy tones"
THUMB = 64


def _thumb(image: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(image)).convert("RGB").resize((THUMB, THUMB)), dtype=np.float32)


async def _variants(photo: bytes, *, with_variations: bool) -> list[bytes]:
    """One variant per variation, as the workflow asks for them (its prompts and seeds), on the offline provider."""
    images = []
    for number, variation in enumerate(VARIATIONS, start=1):
        prompt = compose_prompt("TOK", BASE_PROMPT, variation if with_variations else "", None)
        request = synthesis_request(photo, theme="nature", prompt=prompt, seed=variant_seed("set", "nature", number, 0),
                                    color_scheme=["#3F6212", "#A3E635", "#FEF3C7"], style_strength=0.7)
        images.append((await LocalProvider().generate(request)).image)
    return images


def _least_pairwise_difference(images: list[bytes]) -> float:
    """The smallest mean absolute difference (0..255 per channel) between any two of the images."""
    thumbs = [_thumb(image) for image in images]
    return min(float(np.abs(a - b).mean()) for a, b in itertools.combinations(thumbs, 2))


async def test_the_variants_of_one_photo_differ_as_their_variations_ask(portrait: bytes) -> None:
    varied = _least_pairwise_difference(await _variants(portrait, with_variations=True))
    seed_only = _least_pairwise_difference(await _variants(portrait, with_variations=False))
    # No two variants are near-copies, and the difference comes from the variations, not the seeds alone.
    assert varied >= 20, varied
    assert varied > 2 * seed_only, (varied, seed_only)


async def test_framing_follows_the_face(portrait: bytes) -> None:
    images = dict(zip(VARIATIONS, await _variants(portrait, with_variations=True), strict=True))

    def face_share(variation: str) -> float:
        page = decode(images[next(v for v in VARIATIONS if v.startswith(variation))])
        faces = find_faces(np.asarray(Image.fromarray(page).convert("L")))
        assert faces, variation  # the face stays in every framing
        return faces[0][3] / page.shape[0]

    close, medium, wide = face_share("close-up"), face_share("medium shot"), face_share("wide shot")
    assert close > 1.2 * medium and medium > 1.2 * wide, (close, medium, wide)
    assert close >= 0.3


async def test_a_photo_without_a_face_is_framed_too_and_the_same_request_gives_the_same_bytes() -> None:
    photo = encode(landscape())
    close = synthesis_request(photo, prompt=compose_prompt("", BASE_PROMPT, VARIATIONS[0], None))
    wide = synthesis_request(photo, prompt=compose_prompt("", BASE_PROMPT, VARIATIONS[2], None))
    first, again = (await LocalProvider().generate(close)).image, (await LocalProvider().generate(close)).image
    assert first == again
    assert float(np.abs(_thumb(first) - _thumb((await LocalProvider().generate(wide)).image)).mean()) > 10
