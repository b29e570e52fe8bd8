"""What a generation costs the customer, quoted before it starts (the seed: "Clear pricing: 24 variants for X ₴")."""

from __future__ import annotations

import math
from dataclasses import dataclass

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


# Rough figures for the quote (an operator's planning numbers, not measurements): the provider's cost and time of one
# training and one synthesis. The offline `local` provider costs nothing.
@dataclass(frozen=True)
class ProviderEstimate:
    training_usd: float
    variant_usd: float
    training_seconds: int
    variant_seconds: int


ESTIMATES = {
    "local": ProviderEstimate(training_usd=0.0, variant_usd=0.0, training_seconds=5, variant_seconds=3),
    "replicate": ProviderEstimate(training_usd=2.5, variant_usd=0.03, training_seconds=20 * 60, variant_seconds=30),
}


@dataclass(frozen=True)
class Estimate:
    cost_usd: float
    eta_seconds: int


def estimate(provider: str, *, must_train: bool, variant_count: int, max_parallel: int) -> Estimate:
    figures = ESTIMATES[provider]
    rounds = math.ceil(variant_count / max_parallel)
    return Estimate(
        cost_usd=round((figures.training_usd if must_train else 0.0) + variant_count * figures.variant_usd, 4),
        eta_seconds=(figures.training_seconds if must_train else 0) + rounds * figures.variant_seconds)


async def provider_spend_today(session: AsyncSession) -> float:
    """Provider cost (USD) of the generations started since midnight UTC, across every customer."""
    total = (await session.exec(select(func.coalesce(func.sum(Job.cost_usd), 0.0)).where(
        col(Job.created_at) >= start_of_day()))).one()
    return float(total)
