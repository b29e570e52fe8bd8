"""The customer's prompt: refused words are found as whole words, in any case, in English and Ukrainian."""

from __future__ import annotations

import pytest

from contracts.prompts import refused_words
from contracts.variations import compose_prompt


@pytest.mark.parametrize(("prompt", "words"), [
    ("on a snowy mountain at sunrise", []),
    ("in Sussex, killer whales in the bay", []),  # "sex" and "kill" only as whole words
    ("NSFW, naked and nude, naked again", ["nsfw", "naked", "nude"]),
    ("портрет з кров на обличчі", ["кров"]),
])
def test_refused_words_are_whole_words(prompt: str, words: list[str]) -> None:
    assert refused_words(prompt) == words


def test_the_customers_words_follow_the_themes_prompt() -> None:
    assert compose_prompt("TOK", "vintage retro photography", "golden hour backlight", "at the seaside") == \
        "TOK, vintage retro photography, at the seaside, golden hour backlight, professional calendar photo"
