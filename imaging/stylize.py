"""The offline "local" provider's stylizer: classic image processing instead of a diffusion model.

Each theme is a `Look`: an OpenCV filter (run at reduced resolution, where it is affordable) followed by a tone
curve, white balance, saturation, a gradient map toward the template's colour scheme, glow, vignette, sepia and
film grain. The seed picks the crop, the zoom and small grading shifts, so the 24 variants of one photo differ
while the same inputs always give the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from imaging.checks import FaceBox, find_faces, resize_long_side
from imaging.photos import decode_oriented
from imaging.variations import Framing, framed_window, framing_for, keystone, lights_for, relight

DEFAULT_LONG_SIDE = 1024
PREVIEW_LONG_SIDE = 512
# cv2.stylization costs ~0.6 s at 1024 px but ~0.15 s at 512 px; the filters' look survives the upscale, and
# the photo's own fine detail is added back on top (see Look.detail_keep).
FILTER_LONG_SIDE = 512
GLOW_LONG_SIDE = 256
# Faces are looked for at this size only to keep them inside the crop; a rough box is enough.
FACE_SEARCH_LONG_SIDE = 400
MAX_ZOOM = 1.3
# Pages are square-ish: a photo's aspect ratio is kept, but clamped to between 4:5 and 5:4.
MIN_ASPECT, MAX_ASPECT = 4 / 5, 5 / 4
JPEG_QUALITY = 90
PREVIEW_JPEG_QUALITY = 85

# Rec. 601 luma weights, for RGB in that order.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
_SEPIA = np.array(
    [[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]], dtype=np.float32
)


@dataclass(frozen=True)
class Look:
    filter: str = "none"  # a key of _FILTERS
    detail_keep: float = 1.0  # share of full-resolution detail added back over the low-resolution filter
    contrast: float = 0.0  # S-curve strength, -1..1 (negative flattens)
    lift: float = 0.0  # midtone brightening (negative darkens)
    fade: float = 0.0  # raised blacks, a matte film look
    warmth: float = 0.0  # positive warms (amber), negative cools (blue)
    saturation: float = 1.0
    sepia: float = 0.0
    tint: float = 0.0  # how far colours move toward the colour scheme's gradient map
    glow: float = 0.0  # soft bloom of the highlights
    glow_color: str = "#FFFFFF"
    vignette: float = 0.0  # positive darkens the corners, negative brightens them (dreamy white edge)
    grain: float = 0.0  # film grain, standard deviation on a 0..1 scale
    default_scheme: tuple[str, ...] = ()  # used when the template gives no colour scheme


LOOKS: dict[str, Look] = {
    "family": Look(
        filter="smooth", detail_keep=0.35, contrast=-0.2, lift=0.1, fade=0.06, warmth=0.25,
        saturation=0.8, tint=0.4, glow=0.15, vignette=0.12,
        default_scheme=("#FFE5E5", "#FFC4C4", "#FFD4D4"),
    ),
    "corporate": Look(
        filter="retouch", detail_keep=0.9, contrast=0.25, lift=0.12, warmth=-0.6, saturation=0.7,
        tint=0.35, default_scheme=("#1E3A8A", "#374151", "#F3F4F6"),
    ),
    "wedding": Look(
        filter="smooth", detail_keep=0.3, contrast=-0.1, lift=0.15, warmth=0.8, saturation=0.9,
        tint=0.3, glow=0.45, glow_color="#FFC864", vignette=-0.4, default_scheme=("#FFFFFF", "#FFD700", "#FFC0CB"),
    ),
    "sports": Look(
        filter="detail", detail_keep=1.0, contrast=0.7, lift=-0.05, warmth=0.05, saturation=1.5,
        tint=0.2, vignette=0.5, default_scheme=("#111827", "#DC2626", "#FACC15"),
    ),
    "kids": Look(
        filter="cartoon", detail_keep=0.15, contrast=0.25, lift=0.15, warmth=0.1, saturation=1.7,
        tint=0.25, glow=0.1, default_scheme=("#60A5FA", "#F472B6", "#FDE047"),
    ),
    "minimalist": Look(
        filter="smooth", detail_keep=0.5, contrast=-0.3, lift=0.08, fade=0.12, warmth=-0.05,
        saturation=0.1, tint=0.15, default_scheme=("#292524", "#A8A29E", "#F5F5F4"),
    ),
    "nature": Look(
        filter="detail", detail_keep=0.7, contrast=0.2, warmth=0.1, saturation=1.1, tint=0.45,
        vignette=0.25, default_scheme=("#14532D", "#65A30D", "#D6C7A1"),
    ),
    "travel": Look(
        filter="detail", detail_keep=0.8, contrast=0.35, lift=0.03, warmth=0.35, saturation=1.3,
        tint=0.35, vignette=0.3, default_scheme=("#0F766E", "#F59E0B", "#FDE68A"),
    ),
    "vintage": Look(
        filter="smooth", detail_keep=0.6, contrast=0.15, fade=0.15, warmth=0.2, saturation=0.6,
        sepia=0.8, tint=0.2, vignette=0.55, grain=0.06, default_scheme=("#704214", "#C8A165", "#F4E4C1"),
    ),
    "professional": Look(
        filter="retouch", detail_keep=0.9, contrast=0.5, lift=-0.1, warmth=-0.3, saturation=0.55,
        tint=0.25, vignette=0.6, default_scheme=("#111827", "#4B5563", "#E5E7EB"),
    ),
}
NEUTRAL_LOOK = Look(contrast=0.1, saturation=1.05, vignette=0.15)


def look_for(theme: str) -> Look:
    return LOOKS.get(theme.strip().lower(), NEUTRAL_LOOK)


def stylize(
    photo: bytes,
    *,
    theme: str,
    seed: int,
    color_scheme: Sequence[str],
    style_strength: float,
    size: int = DEFAULT_LONG_SIDE,
    preview: bool = False,
    prompt: str = "",
) -> bytes:
    """Stylize a photo into a JPEG page image whose long side is `size` px (at most 512 px for a preview).

    The prompt's framing and light words (imaging.variations) choose the crop around the face and a grade on top
    of the theme's look; without them, the seed alone picks the crop.

    Raises PhotoRejected if the photo cannot be decoded and ValueError for a malformed colour.
    """
    look = look_for(theme)
    scheme = parse_color_scheme(color_scheme or look.default_scheme)
    long_side = min(size, PREVIEW_LONG_SIDE) if preview else size
    strength = min(max(float(style_strength), 0.0), 1.0)
    rng = np.random.default_rng(seed)  # drawn in a fixed order: crop, then grading, then grain

    source = decode_oriented(photo, "RGB", draft_side=math.ceil(long_side * MAX_ZOOM))
    original, face = _seeded_crop(source, rng, long_side, framing_for(prompt))
    styled = _apply_look(original, look, scheme, rng)
    page = relight(cv2.addWeighted(styled, strength, original, 1.0 - strength, 0.0), lights_for(prompt), face)
    quality = PREVIEW_JPEG_QUALITY if preview else JPEG_QUALITY
    bgr = cv2.cvtColor(page, cv2.COLOR_RGB2BGR)
    ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("OpenCV failed to encode the stylized page")
    return encoded.tobytes()


def parse_color_scheme(colors: Sequence[str]) -> np.ndarray:
    """Hex colours ("#FFE5E5" or "#FEE") -> float32 RGB rows in 0..1."""
    rows = []
    for color in colors:
        digits = color.strip().removeprefix("#")
        if len(digits) == 3:
            digits = "".join(2 * digit for digit in digits)
        try:
            if len(digits) != 6:
                raise ValueError
            rows.append([int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)])
        except ValueError:
            raise ValueError(f"invalid colour {color!r} in the colour scheme; expected #RRGGBB") from None
    return np.array(rows, dtype=np.float32).reshape(-1, 3)


def _seeded_crop(source: np.ndarray, rng: np.random.Generator, long_side: int,
                 framing: Framing | None = None) -> tuple[np.ndarray, FaceBox | None]:
    """The crop `framing` asks for — else a seed-chosen zoom and position that keeps the main face in frame —
    resized to `long_side` px, and where the main face is in it."""
    height, width = source.shape[:2]
    aspect = min(max(width / height, MIN_ASPECT), MAX_ASPECT)
    faces = find_faces(cv2.cvtColor(source, cv2.COLOR_RGB2GRAY), detection_long_side=FACE_SEARCH_LONG_SIDE)
    out_size = (long_side, round(long_side / aspect)) if aspect >= 1 else (round(long_side * aspect), long_side)
    if framing is not None:
        left, top, window_w, window_h = framed_window(framing, faces[0] if faces else None, (width, height), aspect)
        window = source[top : top + window_h, left : left + window_w]
        interpolation = cv2.INTER_AREA if out_size[0] < window_w else cv2.INTER_CUBIC
        crop = keystone(cv2.resize(window, out_size, interpolation=interpolation), framing.keystone)
        return crop, _face_in(faces, left, top, out_size[0] / window_w)
    # The largest window of that aspect inside the photo, shrunk by the zoom.
    window_w, window_h = (height * aspect, height) if width / height >= aspect else (width, width / aspect)
    zoom = rng.uniform(1.0, MAX_ZOOM)
    window_w, window_h = max(1, round(window_w / zoom)), max(1, round(window_h / zoom))

    keep_x: tuple[float, float] = (0, width)  # no face: any position will do
    keep_y: tuple[float, float] = (0, height)
    if faces:
        keep_x, keep_y = _head_and_shoulders(faces[0])
    left = _seeded_offset(rng, keep_x, window_w, width)
    top = _seeded_offset(rng, keep_y, window_h, height)
    window = source[top : top + window_h, left : left + window_w]

    shrinking = out_size[0] < window_w
    crop = cv2.resize(window, out_size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC)
    return crop, _face_in(faces, left, top, out_size[0] / window_w)


def _face_in(faces: list[FaceBox], left: int, top: int, scale: float) -> FaceBox | None:
    """The main face in the crop's own pixels (for the light that centres on it)."""
    if not faces:
        return None
    x, y, w, h = faces[0]
    return round((x - left) * scale), round((y - top) * scale), round(w * scale), round(h * scale)


def _head_and_shoulders(face: FaceBox) -> tuple[tuple[float, float], tuple[float, float]]:
    """The region around a face box that a crop must not cut: hair above, chin and neck below."""
    x, y, w, h = face
    return (x - 0.3 * w, x + 1.3 * w), (y - 0.7 * h, y + 1.4 * h)


def _seeded_offset(rng: np.random.Generator, keep: tuple[float, float], window: int, total: int) -> int:
    """A start for a `window`-long span of `total` that covers `keep` whenever it fits."""
    keep = (max(0.0, keep[0]), min(float(total), keep[1]))  # the margins may reach past the photo's edge
    lowest = max(0.0, keep[1] - window)
    highest = min(keep[0], total - window)
    if lowest > highest:  # the region is wider than the window: centre on it
        lowest = highest = min(max((keep[0] + keep[1] - window) / 2, 0), total - window)
    return round(rng.uniform(lowest, highest))


def _apply_look(original: np.ndarray, look: Look, scheme: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    # Seeded grading shifts, small enough that every variant still reads as the same theme.
    warmth = look.warmth + rng.uniform(-0.1, 0.1)
    saturation = look.saturation * rng.uniform(0.9, 1.1)
    tint = look.tint * rng.uniform(0.75, 1.25)
    vignette = look.vignette * rng.uniform(0.8, 1.2)
    # Usually the scheme runs dark to light (shadows get its darkest colour); now and then it is shuffled.
    scheme_order = rng.permutation(len(scheme)) if rng.random() < 0.3 else np.argsort(scheme @ _LUMA)

    filtered = _filtered(original, look)
    toned = cv2.LUT(filtered, _tone_curve(look.contrast, look.lift, look.fade))
    image = toned.astype(np.float32) / 255.0
    image = _white_balance(image, warmth)
    image = _saturate(image, saturation)
    if look.sepia:
        image = _mix(image, np.clip(image @ _SEPIA.T, 0, 1), look.sepia)
    if tint and len(scheme):
        image = _gradient_map_tint(image, scheme[scheme_order], tint)
    if look.glow:
        image = _glow(image, look.glow, parse_color_scheme([look.glow_color])[0])
    if vignette:
        image = _vignette(image, vignette)
    if look.grain:
        image = _grain(image, look.grain, rng)
    return (np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)


def _filtered(original: np.ndarray, look: Look) -> np.ndarray:
    """Run the look's filter at FILTER_LONG_SIDE and add back `detail_keep` of the full-resolution detail."""
    apply_filter = _FILTERS[look.filter]
    if apply_filter is None:
        return original
    small = resize_long_side(original, FILTER_LONG_SIDE, only_shrink=True)
    if small.shape == original.shape:
        return apply_filter(original)
    height, width = original.shape[:2]
    upscaled_filtered = cv2.resize(apply_filter(small), (width, height), interpolation=cv2.INTER_CUBIC)
    if not look.detail_keep:
        return upscaled_filtered
    upscaled_small = cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
    detail = original.astype(np.int16) - upscaled_small
    return np.clip(upscaled_filtered + np.float32(look.detail_keep) * detail, 0, 255).astype(np.uint8)


def _in_bgr(opencv_filter: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    # OpenCV's photo filters assume BGR channel order (detailEnhance, for one, works in Lab internally).
    def run(rgb: np.ndarray) -> np.ndarray:
        return cv2.cvtColor(opencv_filter(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)), cv2.COLOR_BGR2RGB)

    return run


_FILTERS: dict[str, Callable[[np.ndarray], np.ndarray] | None] = {
    "none": None,
    # Flat, painted colour areas with inked edges: the closest classic filter to "cartoon-like".
    "cartoon": _in_bgr(lambda bgr: cv2.stylization(bgr, sigma_s=60, sigma_r=0.45)),
    # Smooths skin and backgrounds but keeps edges: soft, flattering.
    "smooth": _in_bgr(
        lambda bgr: cv2.edgePreservingFilter(bgr, flags=cv2.RECURS_FILTER, sigma_s=50, sigma_r=0.35)
    ),
    # Local contrast boost: crisp, punchy texture.
    "detail": _in_bgr(lambda bgr: cv2.detailEnhance(bgr, sigma_s=10, sigma_r=0.15)),
    # A light bilateral retouch: clean skin, sharp edges, nothing painterly.
    "retouch": lambda rgb: cv2.bilateralFilter(rgb, d=9, sigmaColor=40, sigmaSpace=40),
}


def _tone_curve(contrast: float, lift: float, fade: float) -> np.ndarray:
    """A 256-entry lookup table: S-curve, then midtone gamma, then raised blacks."""
    x = np.linspace(0.0, 1.0, 256, dtype=np.float32)
    # y = x - k·sin(2πx)/2π keeps 0 and 1 fixed and stays monotonic for |k| <= 1; slope at mid-grey is 1 + k.
    y = x - contrast * np.sin(2 * np.pi * x) / (2 * np.pi)
    y = np.clip(y, 0, 1) ** (1.0 / (1.0 + lift))
    y = fade + (1.0 - fade) * y
    return (np.clip(y, 0, 1) * 255 + 0.5).astype(np.uint8)


def _luma(image: np.ndarray) -> np.ndarray:
    return image @ _LUMA


def _mix(a: np.ndarray, b: np.ndarray, amount: float) -> np.ndarray:
    return a + (b - a) * np.float32(amount)


def _white_balance(image: np.ndarray, warmth: float) -> np.ndarray:
    gains = np.array([1 + 0.15 * warmth, 1 + 0.03 * warmth, 1 - 0.15 * warmth], dtype=np.float32)
    return image * gains


def _saturate(image: np.ndarray, amount: float) -> np.ndarray:
    gray = _luma(image)[..., None]
    return gray + (image - gray) * np.float32(amount)


def _gradient_map_tint(image: np.ndarray, stops: np.ndarray, amount: float) -> np.ndarray:
    """Move each pixel's colour toward the scheme colour for its brightness, keeping the brightness.

    The scheme's colours are spread from shadows to highlights (a gradient map); only their hue and
    saturation are taken ("color" blend), so a pale pastel scheme tints without washing the photo out.
    """
    positions = np.linspace(0, 1, len(stops)) if len(stops) > 1 else np.zeros(1)
    levels = np.linspace(0, 1, 256)
    palette = np.stack([np.interp(levels, positions, stops[:, c]) for c in range(3)], axis=1).astype(np.float32)
    palette_chroma = palette - _luma(palette)[:, None]

    luma = _luma(image)
    index = np.clip(luma * 255, 0, 255).astype(np.uint8)
    recoloured = luma[..., None] + palette_chroma[index]
    return _mix(image, recoloured, amount)


def _glow(image: np.ndarray, amount: float, color: np.ndarray) -> np.ndarray:
    """Screen-blend a heavily blurred, coloured copy of the highlights: the haze of a backlit photo."""
    height, width = image.shape[:2]
    small = resize_long_side(image, GLOW_LONG_SIDE, only_shrink=False)
    highlights = np.clip((small - 0.5) * 2, 0, 1)
    blurred = cv2.GaussianBlur(highlights, (0, 0), sigmaX=GLOW_LONG_SIDE / 32)
    bloom = cv2.resize(blurred, (width, height), interpolation=cv2.INTER_LINEAR) * (color * np.float32(amount))
    return 1 - (1 - image) * (1 - bloom)


def _vignette(image: np.ndarray, amount: float) -> np.ndarray:
    height, width = image.shape[:2]
    ys = np.linspace(-1, 1, height, dtype=np.float32)[:, None]
    xs = np.linspace(-1, 1, width, dtype=np.float32)[None, :]
    falloff = (np.clip((xs**2 + ys**2) / 2, 0, 1) ** 1.5)[..., None]  # 0 at the centre, 1 in the corners
    if amount > 0:
        return image * (1 - np.float32(amount) * falloff)
    return image + (1 - image) * (np.float32(-amount) * falloff)


def _grain(image: np.ndarray, amount: float, rng: np.random.Generator) -> np.ndarray:
    # Drawn at half resolution and upscaled: film grain is clumpier than one-pixel noise, and it is 4x cheaper.
    height, width = image.shape[:2]
    noise = rng.standard_normal(((height + 1) // 2, (width + 1) // 2), dtype=np.float32) * np.float32(amount)
    grain = cv2.resize(noise, (width, height), interpolation=cv2.INTER_LINEAR)
    return image + grain[..., None]
