"""The template's photoFrameStyle: how a photo sits in the space the page layout gives it.

Every frame keeps all its marks inside the given area, so layouts can treat a frame as an opaque box.
"""

from __future__ import annotations

import math

from render.colours import WHITE, mix
from render.geometry import Point, Rect
from render.images import SourcePhoto
from render.scene import Box, Oval, Picture, Polygon, Scene
from render.theme import ThemeStyle


def add_framed_photo(
    scene: Scene, area: Rect, photo: SourcePhoto, style: ThemeStyle, *, slant_right: bool = False
) -> None:
    """Draw `photo` in `area` the way the theme's frame style asks.

    `slant_right` turns the angled frame's cut edge from the bottom to the right, for side-by-side layouts.
    """
    u = scene.page.unit
    palette = style.palette
    short_side = min(area.w, area.h)
    frame = style.frame

    if frame == "square-thin":
        scene.add(Picture(area, Box(area), photo), Box(area, stroke=palette.ink, stroke_width=0.75 * u))
    elif frame == "rounded-warm":
        border, radius = 5 * u, 0.05 * short_side
        inner = area.inset(border)
        scene.add(
            Box(area, fill=mix(palette.decoration, palette.accent, 0.35), radius=radius),
            Picture(inner, Box(inner, radius=radius - border), photo),
        )
    elif frame == "rounded-soft":
        drop, radius = 4 * u, 0.09 * short_side
        card = Rect(area.x, area.y, area.w - drop, area.h - drop)
        scene.add(
            Box(card.moved(drop, drop), fill=palette.shadow, radius=radius),
            Picture(card, Box(card, radius=radius), photo),
        )
    elif frame == "rounded-playful":
        drop, border, radius = 8 * u, 3.5 * u, 0.1 * short_side
        card = Rect(area.x, area.y, area.w - drop, area.h - drop)
        inner = card.inset(border)
        scene.add(
            Box(card.moved(drop, drop), fill=palette.decoration, radius=radius),
            Box(card, fill=palette.accent, radius=radius),
            Picture(inner, Box(inner, radius=radius - border), photo),
        )
    elif frame == "oval-gold":
        scene.add(
            Oval(area.inset(1 * u), stroke=palette.accent, stroke_width=1.6 * u),
            Oval(area.inset(5 * u), stroke=palette.accent, stroke_width=0.6 * u),
        )
        inner = area.inset(8 * u)
        scene.add(Picture(inner, Oval(inner), photo))
    elif frame == "angled-bold":
        _add_angled(scene, area, photo, style, slant_right)
    elif frame == "polaroid":
        drop = 4 * u
        card = Rect(area.x, area.y, area.w - drop, area.h - drop)
        margin = 0.045 * min(card.w, card.h)
        inner = Rect(card.x + margin, card.y + margin, card.w - 2 * margin, card.h - 4.2 * margin)
        scene.add(
            Box(card.moved(drop, drop), fill=palette.shadow),
            Box(card, fill=WHITE, stroke=palette.grid_line, stroke_width=0.5 * u),
            Picture(inner, Box(inner), photo),
        )
    elif frame == "deckled":
        drop = 3 * u
        card = Rect(area.x, area.y, area.w - drop, area.h - drop)
        paper = mix(palette.page, WHITE, 0.7)
        inner = card.inset(0.05 * min(card.w, card.h))
        scene.add(
            Polygon(deckled_outline(card.moved(drop, drop), 3.5 * u, 2.2 * u, seed=1), fill=palette.shadow),
            Polygon(deckled_outline(card, 3.5 * u, 2.2 * u, seed=2), fill=paper),
            Picture(inner, Polygon(deckled_outline(inner, 2.5 * u, 1.0 * u, seed=3)), photo),
        )
    else:  # "none": the photo alone, the minimalist look
        scene.add(Picture(area, Box(area), photo))


def _add_angled(scene: Scene, area: Rect, photo: SourcePhoto, style: ThemeStyle, slant_right: bool) -> None:
    """A photo with one edge cut at an angle, underlined by two bold stripes: the sports look."""
    u = scene.page.unit
    stripe, gap = 7 * u, 3 * u
    depth = stripe * 2 + gap  # room the stripes need beyond the cut
    x, y, right, bottom = area.x, area.y, area.right, area.bottom
    if slant_right:
        slant = 0.12 * area.w
        cut = ((right - depth, y), (right - depth - slant, bottom))

        def shifted(offset: float) -> tuple[Point, Point]:
            return (cut[0][0] + offset, cut[0][1]), (cut[1][0] + offset, cut[1][1])

        photo_outline = ((x, y), cut[0], cut[1], (x, bottom))
    else:
        slant = 0.12 * area.h
        cut = ((right, bottom - depth - slant), (x, bottom - depth))

        def shifted(offset: float) -> tuple[Point, Point]:
            return (cut[0][0], cut[0][1] + offset), (cut[1][0], cut[1][1] + offset)

        photo_outline = ((x, y), (right, y), cut[0], cut[1])

    for start, width, colour in ((0.0, stripe, style.palette.accent),
                                 (stripe + gap, stripe, style.palette.decoration)):
        a0, a1 = shifted(start)
        b0, b1 = shifted(start + width)
        scene.add(Polygon((a0, a1, b1, b0), fill=colour))
    scene.add(Picture(area, Polygon(photo_outline), photo))


def deckled_outline(rect: Rect, step: float, depth: float, seed: int) -> tuple[Point, ...]:
    """A torn-paper edge: points along the rectangle, each pushed inwards by a repeatable pseudo-random amount.

    Repeatable so the same calendar renders byte-identically (Temporal may retry the activity).
    """
    def jitter(index: int) -> float:
        return (math.sin(index * 12.9898 + seed * 78.233) * 43758.5453) % 1.0 * depth

    points: list[Point] = []
    counter = 0
    edges = (
        ((rect.x, rect.y), (rect.right, rect.y), (0.0, 1.0)),
        ((rect.right, rect.y), (rect.right, rect.bottom), (-1.0, 0.0)),
        ((rect.right, rect.bottom), (rect.x, rect.bottom), (0.0, -1.0)),
        ((rect.x, rect.bottom), (rect.x, rect.y), (1.0, 0.0)),
    )
    for (x0, y0), (x1, y1), (inward_x, inward_y) in edges:
        count = max(2, int(math.hypot(x1 - x0, y1 - y0) / step))
        for i in range(count):
            t = i / count
            push = jitter(counter)
            counter += 1
            points.append((x0 + (x1 - x0) * t + inward_x * push, y0 + (y1 - y0) * t + inward_y * push))
    return tuple(points)


def heart_outline(centre_x: float, centre_y: float, size: float) -> tuple[Point, ...]:
    """The classic parametric heart, `size` points wide."""
    scale = size / 32
    points = []
    for i in range(48):
        t = 2 * math.pi * i / 48
        hx = 16 * math.sin(t) ** 3
        hy = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
        points.append((centre_x + hx * scale, centre_y - (hy + 2.5) * scale))
    return tuple(points)
