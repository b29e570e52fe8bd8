"""The customer's own words in a prompt (`custom_prompt` at start and on regenerate): how long, and what the
service won't make. The list is documented in docs/scoring.md; the API refuses such a prompt with 422
`custom_prompt_refused`, naming the words.

The words are appended to the theme's prompt, never in place of it. Flux (the Replicate model) takes no negative
prompt: there the theme's negative prompt is not sent, and this list is the only guard before the provider's own
safety checker.
"""

from __future__ import annotations

import re

MAX_CUSTOM_PROMPT = 300

# Content the service won't make: nudity and sexual content, violence and gore, hate symbols, drugs, real people's
# identities (impersonation), minors in any of these. Matched as whole words, in English and Ukrainian.
REFUSED_WORDS: tuple[str, ...] = (
    "nude", "naked", "nsfw", "topless", "lingerie", "sexy", "erotic", "porn", "sex",
    "blood", "gore", "corpse", "dead body", "gun", "weapon", "kill", "murder", "suicide", "torture",
    "nazi", "swastika", "drugs", "cocaine", "heroin",
    "celebrity", "deepfake",
    "оголений", "оголена", "гола", "голий", "еротика", "порно", "кров", "зброя", "вбивство", "наркотики",
)
_PATTERN = re.compile(r"\b(" + "|".join(re.escape(word) for word in REFUSED_WORDS) + r")\b", re.IGNORECASE)


def refused_words(prompt: str) -> list[str]:
    """The refused words a prompt contains (lower case, each once, in order of appearance)."""
    return list(dict.fromkeys(match.lower() for match in _PATTERN.findall(prompt)))
