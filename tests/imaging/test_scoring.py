"""The score's parts on real pictures, the customer's reference faces, and the choice of the recommended 12."""

from __future__ import annotations

import numpy as np

from imaging.assets import sample_photo
from imaging.recommend import Candidate, Season, near_duplicates, recommend
from imaging.scoring import StoredFace, measure_variant, photo_faces, reference_set, total
from testkit import degrade
from tests.imaging.conftest import encode, landscape


def _face(vector: list[float], size: int = 100) -> StoredFace:
    return StoredFace(box=(0, 0, size, size), descriptor=vector + [0.0] * (128 - len(vector)))


def test_reference_faces_are_each_photos_main_face_and_a_companion_seen_twice() -> None:
    me, partner, stranger, passer_by = [0.0], [1.0], [0.0, 1.0], [0.0, 0.0, 1.0]
    photos = [[_face(me), _face(partner, size=90)],
              [_face(me), _face(partner, size=80), _face(passer_by, size=30)],
              [_face(me), _face(stranger, size=95)],  # a large face, but in this photo only
              [_face(passer_by, size=30)],  # someone small... who is this photo's main face
              []]
    references = reference_set(photos)
    assert [tuple(r[:3]) for r in references] == [(0, 0, 0), (0, 0, 0), (0, 0, 0), (0, 0, 1), (1, 0, 0),
                                                  (1, 0, 0)]


def test_a_variant_of_the_customer_outscores_its_faceless_blurred_and_dark_copies() -> None:
    photo = sample_photo()
    references = [face.descriptor for face in photo_faces(photo)][:1]
    crop = (0.0, 0.0, 512.0, 512.0)
    intact = measure_variant(photo, references, crop, likeness_threshold=0.62)
    assert intact.faces >= 1 and intact.face_distance is not None and intact.face_distance < 0.1
    assert intact.components.likeness == 1 and intact.components.face == 1 and intact.components.framing == 1
    for spoilt in (degrade.face_cropped_out(photo), degrade.blurred(photo, sigma=6), degrade.darkened(photo)):
        worse = measure_variant(spoilt, references, crop, likeness_threshold=0.62)
        assert total(worse.components) < total(intact.components) - 10
    faceless = measure_variant(encode(landscape()), references, (0.0, 0.0, 900.0, 600.0), likeness_threshold=0.62)
    assert faceless.faces == 0 and faceless.components.likeness == 0 and faceless.components.framing == 0


def test_a_face_outside_the_printed_part_loses_its_framing() -> None:
    photo = sample_photo()
    references = [face.descriptor for face in photo_faces(photo)][:1]
    below_the_face = (0.0, 300.0, 512.0, 512.0)  # a wide page crop of the lower half: the face is cut off
    measures = measure_variant(photo, references, below_the_face, likeness_threshold=0.62)
    assert measures.components.framing < 0.2


def _candidate(number: int, score: float, *, photo: int = 1, image_hash: str | None = None,
               warmth: float = 0.0, brightness: float = 0.5, flagged: bool = False) -> Candidate:
    # distinct hashes: 16 hex digits, far apart in Hamming distance for distinct numbers
    bits = np.random.default_rng(number).integers(0, 2, 64)
    return Candidate(variant_id=number, source_photo_id=photo, score=score, warmth=warmth, brightness=brightness,
                     image_hash=image_hash or f"{int(''.join(map(str, bits)), 2):016x}", flagged=flagged)


def test_the_recommended_twelve_have_twelve_months_and_skip_repeats_flags_and_weak_ones() -> None:
    candidates = [_candidate(n, 90 - n, photo=n % 3, warmth=(n % 5 - 2) / 10, brightness=(n % 7) / 7)
                  for n in range(1, 19)]
    candidates.append(_candidate(19, 99, image_hash=candidates[0].image_hash))  # a repeat of variant 1, better
    candidates.append(_candidate(20, 98, flagged=True))
    candidates.append(_candidate(21, 5))  # ruined
    assert near_duplicates(candidates) == {1}
    picks = recommend(candidates)
    chosen = {p.variant_id for p in picks}
    assert sorted(p.month for p in picks) == list(range(1, 13))
    assert 19 in chosen and 1 not in chosen and 20 not in chosen and 21 not in chosen
    assert chosen == {19, *range(2, 13)}
    # the months follow the palettes: the cool half in winter and spring, the dimmer of each half in its darker season
    tone = {c.variant_id: c for c in candidates}
    season = {s: [tone[p.variant_id] for p in picks if p.season == s] for s in Season}
    assert all(len(group) == 3 for group in season.values())
    cool, warm = season[Season.winter] + season[Season.spring], season[Season.summer] + season[Season.autumn]
    assert max(c.warmth for c in cool) <= min(c.warmth for c in warm)
    assert max(c.brightness for c in season[Season.winter]) <= min(c.brightness for c in season[Season.spring])
    assert max(c.brightness for c in season[Season.autumn]) <= min(c.brightness for c in season[Season.summer])
