"""What a generation costs the customer, quoted before it starts (the seed: "Clear pricing: 24 variants for X ₴")."""

from __future__ import annotations

import math

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Job
from services.ledger import start_of_day

ROUND_TO_UAH = 10


def generation_price(template_price: int, variant_count: int, full_variant_count: int) -> int:
    """The template's price is for a full generation; a preview costs its share, rounded up to 10 ₴."""
    if variant_count >= full_variant_count:
        return template_price  # exactly the price the page shows ("24 unique variants for 849 ₴")
    share = template_price * variant_count / full_variant_count
    return math.ceil(share / ROUND_TO_UAH) * ROUND_TO_UAH


# Rough figures for the quote (an operator's planning numbers, kept internal): the provider's cost of one training
# and one synthesis. The offline `local` provider costs nothing. How long they take is measured (services/eta.py).
TRAINING_USD = {"local": 0.0, "replicate": 2.5}
VARIANT_USD = {"local": 0.0, "replicate": 0.03}


def provider_cost_usd(provider: str, *, must_train: bool, variant_count: int) -> float:
    return round((TRAINING_USD[provider] if must_train else 0.0) + variant_count * VARIANT_USD[provider], 4)


async def provider_spend_today(session: AsyncSession) -> float:
    """Provider cost (USD) of the generations started since midnight UTC, across every customer."""
    total = (await session.exec(select(func.coalesce(func.sum(Job.cost_usd), 0.0)).where(
        col(Job.created_at) >= start_of_day()))).one()
    return float(total)
