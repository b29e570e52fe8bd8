"""What the offline stylizer understands of a variant's prompt: its framing (close-up, medium or wide shot,
centred, rule of thirds, low or high angle) and its light and mood (golden hour, overcast, window light, evening
glow, crisp morning, shallow depth of field). A diffusion model reads these words; the local provider turns them
into a crop around the face the photo checks find (imaging.checks) and a grade, so that the variants of one photo
look clearly different, as the prompts ask."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from imaging.checks import FaceBox


@dataclass(frozen=True)
class Framing:
    face_heights: float | None  # the window's height in face heights; None: the whole photo (a wide shot)
    face_x: float = 0.5  # where the face's centre sits across the window, 0..1
    face_y: float = 0.4  # and down it
    keystone: float = 0.0  # > 0: seen from below (the top narrows), < 0: from above
    zoom_without_face: float = 1.0  # how far in, when no face is found


@dataclass(frozen=True)
class Light:
    warmth: float = 0.0  # > 0 amber, < 0 blue
    exposure: float = 0.0  # added brightness, -1..1
    contrast: float = 0.0  # > 0 crisper, < 0 softer
    saturation: float = 1.0
    glow: float = 0.0  # a coloured haze from the top (backlight, low sun)
    glow_color: tuple[float, float, float] = (1.0, 1.0, 1.0)
    side_light: float = 0.0  # light falling from the left, darker to the right (a window)
    vignette: float = 0.0
    background_blur: float = 0.0  # 0..1: the photo softens away from the face (shallow depth of field)


# Matched in this order against the prompt (lower case); the first framing and every light that match apply.
FRAMINGS: tuple[tuple[str, Framing], ...] = (
    ("close-up", Framing(face_heights=2.6, face_y=0.45, zoom_without_face=2.0)),
    ("medium shot", Framing(face_heights=3.8, face_y=0.36, zoom_without_face=1.4)),
    ("wide shot", Framing(face_heights=None)),
    ("symmetrical", Framing(face_heights=3.3, face_x=0.5, face_y=0.42, zoom_without_face=1.25)),
    ("rule of thirds", Framing(face_heights=3.6, face_x=1 / 3, face_y=1 / 3, zoom_without_face=1.25)),
    ("low angle", Framing(face_heights=4.2, face_y=0.3, keystone=0.18, zoom_without_face=1.2)),
    ("high angle", Framing(face_heights=3.2, face_y=0.58, keystone=-0.18, zoom_without_face=1.2)),
)
LIGHTS: tuple[tuple[str, Light], ...] = (
    ("golden hour", Light(warmth=0.8, exposure=0.04, contrast=-0.1, glow=0.55, glow_color=(1.0, 0.68, 0.3))),
    ("overcast", Light(warmth=-0.3, exposure=0.06, contrast=-0.3, saturation=0.65)),
    ("window light", Light(side_light=0.45, contrast=0.1)),
    ("evening glow", Light(warmth=0.55, exposure=-0.16, saturation=1.15, glow=0.3, glow_color=(1.0, 0.42, 0.3),
                           vignette=0.4)),
    ("morning light", Light(warmth=-0.4, exposure=0.08, contrast=0.3, saturation=1.1)),
    ("shallow depth of field", Light(background_blur=1.0)),
    ("genuine smile", Light(exposure=0.05, warmth=0.15, saturation=1.1)),
)


def framing_for(prompt: str) -> Framing | None:
    text = prompt.lower()
    return next((framing for words, framing in FRAMINGS if words in text), None)


def lights_for(prompt: str) -> list[Light]:
    text = prompt.lower()
    return [light for words, light in LIGHTS if words in text]


def framed_window(framing: Framing, face: FaceBox | None, size: tuple[int, int],
                  aspect: float) -> tuple[int, int, int, int]:
    """(left, top, width, height) of the crop: the window `framing` asks for around `face`, inside the photo."""
    width, height = size
    full_w, full_h = (height * aspect, height) if width / height >= aspect else (width, width / aspect)
    if face is None or framing.face_heights is None:
        zoom = framing.zoom_without_face if face is None else 1.0
        window_w, window_h = full_w / zoom, full_h / zoom
        centre_x, centre_y = width / 2, height / 2
        if face is not None:  # a wide shot keeps the face in, as near the middle as the photo allows
            centre_x, centre_y = face[0] + face[2] / 2, face[1] + face[3] / 2
        left, top = centre_x - window_w / 2, centre_y - window_h / 2
    else:
        window_h = min(full_h, face[3] * framing.face_heights)
        window_w = window_h * aspect
        if window_w > full_w:
            window_w, window_h = full_w, full_w / aspect
        left = face[0] + face[2] / 2 - framing.face_x * window_w
        top = face[1] + face[3] / 2 - framing.face_y * window_h
    window_w, window_h = max(1, round(window_w)), max(1, round(window_h))
    left = round(min(max(left, 0), width - window_w))
    top = round(min(max(top, 0), height - window_h))
    return left, top, window_w, window_h


def keystone(image: np.ndarray, amount: float) -> np.ndarray:
    """A camera below (amount > 0) or above the subject: vertical lines converge toward the top or bottom."""
    if not amount:
        return image
    height, width = image.shape[:2]
    inset = abs(amount) * width / 2
    src = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    narrowed = [[inset, 0], [width - inset, 0], [width, height], [0, height]] if amount > 0 else \
        [[0, 0], [width, 0], [width - inset, height], [inset, height]]
    matrix = cv2.getPerspectiveTransform(src, np.array(narrowed, dtype=np.float32))
    # Warped, then stretched back over the frame from the narrowed band: the frame stays filled.
    warped = cv2.warpPerspective(image, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)
    band = round(inset / 2)
    return cv2.resize(warped[:, band:width - band], (width, height), interpolation=cv2.INTER_CUBIC)


def relight(image: np.ndarray, lights: list[Light], face: FaceBox | None) -> np.ndarray:
    """Grade an RGB uint8 page for each light in turn."""
    if not lights:
        return image
    out = image.astype(np.float32) / 255.0
    height, width = out.shape[:2]
    ys = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    xs = np.linspace(0, 1, width, dtype=np.float32)[None, :, None]
    for light in lights:
        if light.background_blur:
            out = _blur_background(out, face, light.background_blur)
        out = out * np.array([1 + 0.18 * light.warmth, 1 + 0.04 * light.warmth, 1 - 0.2 * light.warmth],
                             dtype=np.float32)
        out = out + np.float32(light.exposure)
        out = 0.5 + (out - 0.5) * np.float32(1 + light.contrast)
        grey = (out @ np.array([0.299, 0.587, 0.114], dtype=np.float32))[..., None]
        out = grey + (out - grey) * np.float32(light.saturation)
        if light.glow:
            haze = np.clip(1 - ys * 1.6, 0, 1) * np.float32(light.glow) * np.array(light.glow_color, dtype=np.float32)
            out = 1 - (1 - np.clip(out, 0, 1)) * (1 - haze)
        if light.side_light:
            out = out * (1 + np.float32(light.side_light) * (0.5 - xs) * 1.4)
        if light.vignette:
            falloff = np.clip(((xs - 0.5) ** 2 + (ys - 0.5) ** 2) * 2, 0, 1) ** 1.5
            out = out * (1 - np.float32(light.vignette) * falloff)
    return (np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8)


def _blur_background(image: np.ndarray, face: FaceBox | None, amount: float) -> np.ndarray:
    height, width = image.shape[:2]
    centre = (face[0] + face[2] / 2, face[1] + face[3] * 0.8) if face else (width / 2, height * 0.45)
    radius = (face[3] * 1.6 if face else min(width, height) * 0.35)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    distance = np.sqrt(((xx - centre[0]) / (radius * 0.8)) ** 2 + ((yy - centre[1]) / radius) ** 2)
    mask = (np.clip(distance - 1, 0, 1) * np.float32(amount))[..., None]
    blurred = cv2.GaussianBlur(image, (0, 0), sigmaX=max(2.0, width / 120))
    return image + (blurred - image) * mask
