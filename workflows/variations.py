"""Per-variant prompt variations: 24 variants of one theme differ in framing, light and mood, not only in seed."""

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


def variation_for(variant_number: int) -> str:
    return VARIATIONS[(variant_number - 1) % len(VARIATIONS)]


def compose_prompt(trigger_word: str, base_prompt: str, variation: str, custom_prompt: str | None) -> str:
    parts = [trigger_word, custom_prompt or base_prompt, variation, "professional calendar photo"]
    return ", ".join(part.strip() for part in parts if part and part.strip())
