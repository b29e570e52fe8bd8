"""Making text fit a width: shrinking, wrapping, and cutting with an ellipsis as the last resort."""

from __future__ import annotations

from render.fonts import text_width

ELLIPSIS = "…"


def fitting_size(text: str, width: float, max_size: float, min_size: float, bold: bool = False) -> float:
    """The largest size ≤ max_size at which `text` fits `width`, but not below min_size."""
    natural = text_width(text, max_size, bold)
    if natural <= width or natural == 0:
        return max_size
    return max(min_size, max_size * width / natural)


def ellipsize(text: str, size: float, width: float, bold: bool = False) -> str:
    if text_width(text, size, bold) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # longest prefix that still fits together with the ellipsis
        middle = (low + high + 1) // 2
        if text_width(text[:middle].rstrip() + ELLIPSIS, size, bold) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS if low else ""


def wrap(text: str, size: float, width: float, max_lines: int, bold: bool = False) -> list[str]:
    """Greedy word wrap; the last allowed line takes all the rest and ends in an ellipsis if it overflows."""
    words = text.split()
    if max_lines <= 0 or not words:
        return []
    lines: list[str] = []
    line_start = 0
    current = ""
    for index, word in enumerate(words):
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, size, bold) > width:
            if len(lines) == max_lines - 1:
                break
            lines.append(current)
            line_start, current = index, word
        else:
            current = candidate
    lines.append(" ".join(words[line_start:]))
    return [ellipsize(line, size, width, bold) for line in lines]
