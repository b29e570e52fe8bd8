"""Per-variant prompt variations and seeds: 24 variants of one theme differ in framing, light, mood and seed."""

import hashlib

VARIATIONS: tuple[str, ...] = (
    "close-up portrait, shallow depth of field",
    "medium shot, natural window light",
    "wide shot, environmental composition",
    "golden hour backlight",
    "soft overcast light, calm mood",
    "candid moment, genuine smile",
    "symmetrical centred composition",
    "rule of thirds, negative space",
    "low angle, heroic perspective",
    "high angle, gentle perspective",
    "warm evening glow",
    "crisp morning light",
)


def photo_set_hash(photo_sha256s: list[str]) -> str:
    """The same set of photos, in any order, hashes the same: it decides whether a trained model can be reused."""
    return hashlib.sha256("\n".join(sorted(set(photo_sha256s))).encode()).hexdigest()


def variation_for(variant_number: int) -> str:
    return VARIATIONS[(variant_number - 1) % len(VARIATIONS)]


def compose_prompt(trigger_word: str, base_prompt: str, variation: str, custom_prompt: str | None) -> str:
    parts = [trigger_word, custom_prompt or base_prompt, variation, "professional calendar photo"]
    return ", ".join(part.strip() for part in parts if part and part.strip())


def variant_seed(photo_set_hash: str, theme: str, variant_number: int, attempt: int) -> int:
    """Deterministic from what the variant is made of, so the same photos and theme give the same variants again
    (and the synthesis cache can answer them without paying the provider); a new attempt gets a new seed."""
    digest = hashlib.sha256(f"{photo_set_hash}:{theme}:{variant_number}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFF_FFFF
