"""What a generation costs the customer, quoted before it starts (the seed: "Clear pricing: 24 variants for X ₴")."""

from __future__ import annotations

import math

ROUND_TO_UAH = 10


def generation_price(template_price: int, variant_count: int, full_variant_count: int) -> int:
    """The template's price is for a full generation; a preview costs its share, rounded up to 10 ₴."""
    if variant_count >= full_variant_count:
        return template_price  # the price the theme is listed at, not rounded
    share = template_price * variant_count / full_variant_count
    return math.ceil(share / ROUND_TO_UAH) * ROUND_TO_UAH
