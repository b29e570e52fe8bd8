"""The recommended 12: the best variants without near-duplicates, spread over the customer's photos, each with a
suggested month that suits its palette (docs/scoring.md). Pure: the `recommend_variants` activity feeds it rows."""

from __future__ import annotations

import math
from collections import Counter
from enum import StrEnum

from pydantic import BaseModel

from imaging.scoring import NEAR_DUPLICATE_BITS, hash_distance

# Score points a candidate loses in the choice of the 12 (not in its own score): repeating one already chosen,
# coming from a photo that already has its even share of the picks, and being flagged by the likeness guard.
DUPLICATE_PENALTY = 15.0
OVER_SHARE_PENALTY = 10.0
FLAGGED_PENALTY = 50.0


class Season(StrEnum):
    winter = "winter"  # cool and dim
    spring = "spring"  # cool and bright
    summer = "summer"  # warm and bright
    autumn = "autumn"  # warm and dim


SEASON_MONTHS = {Season.winter: (12, 1, 2), Season.spring: (3, 4, 5), Season.summer: (6, 7, 8),
                 Season.autumn: (9, 10, 11)}


class Candidate(BaseModel):
    variant_id: int
    source_photo_id: int
    score: float
    image_hash: str
    warmth: float
    brightness: float
    flagged: bool = False  # the likeness guard's verdict stood (no replacement left): chosen last


class Pick(BaseModel):
    variant_id: int
    month: int
    season: Season


def near_duplicates(candidates: list[Candidate]) -> set[int]:
    """Variants that nearly repeat a better-scored one (perceptual hash): the weaker of each pair."""
    kept: list[Candidate] = []
    repeats: set[int] = set()
    for candidate in sorted(candidates, key=lambda c: (-c.score, c.variant_id)):
        if any(hash_distance(candidate.image_hash, k.image_hash) <= NEAR_DUPLICATE_BITS for k in kept):
            repeats.add(candidate.variant_id)
        else:
            kept.append(candidate)
    return repeats


def recommend(candidates: list[Candidate], count: int = 12) -> list[Pick]:
    """Up to `count` picks with distinct months, chosen one at a time by merit: the score, less a penalty for
    repeating a variant already chosen (near-duplicate), for a photo that already has its even share of the picks,
    and for a flagged variant. So a near-duplicate is still chosen over a much worse image, never over a similar one.
    """
    photos = len({c.source_photo_id for c in candidates}) or 1
    share = math.ceil(count / photos)
    chosen: list[Candidate] = []
    remaining = list(candidates)
    while remaining and len(chosen) < count:
        per_photo = Counter(c.source_photo_id for c in chosen)
        best = max(remaining, key=lambda c: (_merit(c, chosen, per_photo[c.source_photo_id] >= share),
                                             -c.variant_id))
        chosen.append(best)
        remaining.remove(best)
    return _months(chosen)


def _merit(candidate: Candidate, chosen: list[Candidate], over_share: bool) -> float:
    penalty = FLAGGED_PENALTY if candidate.flagged else 0.0
    if any(hash_distance(candidate.image_hash, c.image_hash) <= NEAR_DUPLICATE_BITS for c in chosen):
        penalty += DUPLICATE_PENALTY
    if over_share:
        penalty += OVER_SHARE_PENALTY
    return candidate.score - penalty


def _months(chosen: list[Candidate]) -> list[Pick]:
    """Cool half → winter (dimmer) and spring (brighter); warm half → autumn (dimmer) and summer (brighter)."""
    by_warmth = sorted(chosen, key=lambda c: (c.warmth, c.variant_id))
    cool, warm = _halves(by_warmth)
    picks: list[Pick] = []
    for half, (dim, bright) in ((cool, (Season.winter, Season.spring)), (warm, (Season.autumn, Season.summer))):
        darker, brighter = _halves(sorted(half, key=lambda c: (c.brightness, c.variant_id)))
        for group, season in ((darker, dim), (brighter, bright)):
            for candidate, month in zip(group, SEASON_MONTHS[season], strict=False):
                picks.append(Pick(variant_id=candidate.variant_id, month=month, season=season))
    return sorted(picks, key=lambda p: p.month)


def _halves(items: list[Candidate]) -> tuple[list[Candidate], list[Candidate]]:
    middle = (len(items) + 1) // 2
    return items[:middle], items[middle:]
