"""The recommended 12: the best variants without near-duplicates, spread over the customer's photos, each with a
suggested month that suits its palette (docs/scoring.md). Pure: the `recommend_variants` activity feeds it rows."""

from __future__ import annotations

import math
from collections import Counter
from enum import StrEnum

from pydantic import BaseModel

from imaging.scoring import NEAR_DUPLICATE_BITS, hash_distance


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
    """Up to `count` picks with distinct months. Order of preference: not flagged, not a near-duplicate, at most
    an even share per source photo, then by score; each rule is relaxed only when too few variants pass it."""
    repeats = near_duplicates(candidates)
    ranked = sorted(candidates, key=lambda c: (c.flagged, -c.score, c.variant_id))
    photos = len({c.source_photo_id for c in candidates}) or 1
    share = math.ceil(count / photos)
    chosen: list[Candidate] = []
    for allow_repeats, cap in ((False, share), (False, count), (True, count)):
        per_photo = Counter(c.source_photo_id for c in chosen)
        for candidate in ranked:
            if len(chosen) == count:
                break
            if candidate in chosen or (candidate.variant_id in repeats and not allow_repeats):
                continue
            if per_photo[candidate.source_photo_id] >= cap:
                continue
            chosen.append(candidate)
            per_photo[candidate.source_photo_id] += 1
    return _months(chosen)


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
