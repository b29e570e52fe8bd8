"""What a generation costs and whether it may start: quotes, the reservation at the start and the limits around it.

Everything here runs in the request's unit of work, so the job row, its reservation and the answer commit together
or not at all (services/ledger.py holds the customer's account row locked until then).
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.problems import (
    DAILY_SPEND_LIMIT,
    INSUFFICIENT_CREDIT,
    PHOTOS_REPEATED,
    PHOTOS_REQUIRED,
    PHOTOS_UNKNOWN,
    PROVIDER_BUDGET_REACHED,
    QUOTE_EXPIRED,
    QUOTE_MISMATCH,
    TEMPLATE_UNKNOWN,
    TOO_MANY_GENERATIONS,
    TOO_MANY_PHOTOS,
    ApiProblem,
)
from api.schemas import QuoteRequest
from db.models import FileKind, Job, Quote, Template, UploadedFile, utcnow
from ops.metrics import RefusalReason, count_refusal
from services import ledger
from services.eta import quote_seconds
from services.ledger import uah
from services.pricing import generation_price, provider_cost_usd, provider_spend_today
from settings import Settings


async def validate_request(body: QuoteRequest, user_id: int, session: AsyncSession, settings: Settings) -> Template:
    template = await session.get(Template, body.template_id)
    if template is None or not template.is_active:
        raise ApiProblem(TEMPLATE_UNKNOWN, f"template {body.template_id} does not exist")
    if not body.photo_ids:
        raise ApiProblem(PHOTOS_REQUIRED, "choose at least one photo")
    most, got = settings.max_photos_per_generation, len(body.photo_ids)
    if got > most:
        raise ApiProblem(TOO_MANY_PHOTOS, f"at most {most} photos, got {got}", params={"max": most, "got": got})
    duplicates = sorted({p for p in body.photo_ids if body.photo_ids.count(p) > 1})
    if duplicates:
        raise ApiProblem(PHOTOS_REPEATED, f"photos {duplicates} are listed more than once")
    owned = set((await session.exec(select(UploadedFile.id).where(
        col(UploadedFile.id).in_(body.photo_ids), UploadedFile.user_id == user_id,
        UploadedFile.kind == FileKind.photo))).all())
    missing = [p for p in body.photo_ids if p not in owned]
    if missing:
        raise ApiProblem(PHOTOS_UNKNOWN, f"photos {missing} not found",
                         params={"photo_ids": ", ".join(map(str, missing))})
    return template


def variant_count(settings: Settings, preview: bool) -> int:
    return settings.preview_variant_count if preview else settings.variant_count


def price_kopiyky(template: Template, settings: Settings, preview: bool) -> int:
    return ledger.KOPIYKY_PER_UAH * generation_price(template.price_uah, variant_count(settings, preview),
                                                     settings.variant_count)


async def make_quote(session: AsyncSession, user_id: int, template: Template, photo_ids: list[int], preview: bool,
                     settings: Settings) -> tuple[Quote, bool, int]:
    """The quote (stored, valid `quote_ttl`), whether a model must be trained, and the estimated seconds (the one
    estimator the start and every status use too, services/eta.py)."""
    count = variant_count(settings, preview)
    eta_seconds, must_train = await quote_seconds(session, settings.provider, user_id=user_id, photo_ids=photo_ids,
                                                  variant_count=count, parallel=settings.max_parallel,
                                                  preview=preview)
    now = utcnow()
    quote = Quote(user_id=user_id, template_id=template.id, photo_ids=photo_ids, preview=preview,
                  price_kopiyky=price_kopiyky(template, settings, preview),
                  estimated_cost_usd=provider_cost_usd(settings.provider, must_train=must_train, variant_count=count),
                  created_at=now, expires_at=now + settings.quote_ttl)
    session.add(quote)
    await session.flush()
    return quote, must_train, eta_seconds


async def quoted_price(session: AsyncSession, user_id: int, quote_id: int | None, template: Template,
                       photo_ids: list[int], preview: bool, settings: Settings) -> int:
    """The price this start reserves: its quote's, while the quote is valid, else today's."""
    if quote_id is None:
        return price_kopiyky(template, settings, preview)
    quote = await session.get(Quote, quote_id)
    if quote is None or quote.user_id != user_id:
        raise ApiProblem(QUOTE_MISMATCH, f"quote {quote_id} is not one of yours", params={"quote_id": quote_id})
    if (quote.template_id, sorted(quote.photo_ids), quote.preview) != (template.id, sorted(photo_ids), preview):
        raise ApiProblem(QUOTE_MISMATCH, f"quote {quote_id} is for another theme, photo set or preview choice",
                         params={"quote_id": quote_id})
    if quote.expires_at.replace(tzinfo=utcnow().tzinfo) <= utcnow():
        raise ApiProblem(QUOTE_EXPIRED, f"quote {quote_id} expired at {quote.expires_at:%H:%M} UTC",
                         params={"quote_id": quote_id})
    return quote.price_kopiyky


async def admit(session: AsyncSession, user_id: int, price: int, settings: Settings) -> None:
    """Refuse a start the limits don't allow: the provider's daily budget (503), the customer's generations at once
    and daily spend (429), the balance (402). Locks the customer's account until the request's commit."""
    await ledger.lock_account(session, user_id)
    budget = settings.provider_daily_budget_usd
    if await provider_spend_today(session) >= budget:
        count_refusal(RefusalReason.provider_budget)
        raise ApiProblem(PROVIDER_BUDGET_REACHED, "today's provider budget is spent: new generations start again "
                                                  "after midnight UTC", headers={"Retry-After": str(_until_midnight())})
    running, most = await ledger.producing(session, user_id), settings.max_concurrent_generations
    if running >= most:
        count_refusal(RefusalReason.concurrency)
        raise ApiProblem(TOO_MANY_GENERATIONS, f"{running} of your generations are running; at most {most} at once",
                         params={"limit": most, "running": running})
    spent, limit = await ledger.spent_today(session, user_id), settings.daily_spend_limit_uah * 100
    if spent + price > limit:
        count_refusal(RefusalReason.daily_spend)
        raise ApiProblem(DAILY_SPEND_LIMIT, f"{uah(spent)} ₴ spent today and this costs {uah(price)} ₴: the daily "
                                            f"limit is {uah(limit)} ₴", params={"limit_uah": uah(limit),
                                                                                "spent_uah": uah(spent)})
    available = await ledger.balance(session, user_id)
    if available < price:
        count_refusal(RefusalReason.insufficient_credit)
        shortfall = price - available
        raise ApiProblem(INSUFFICIENT_CREDIT, f"the price is {uah(price)} ₴ and the balance {uah(available)} ₴: "
                                              f"{uah(shortfall)} ₴ short",
                         params={"shortfall_uah": uah(shortfall), "price_uah": uah(price),
                                 "balance_uah": uah(available)})


async def reserve(session: AsyncSession, job: Job) -> None:
    """The job's price, held (after `admit` in the same transaction, so the balance checked is the one debited)."""
    try:
        await ledger.reserve(session, job, job.price_kopiyky)
    except ledger.InsufficientCredit as err:  # only if admit was skipped: the answer is the same
        raise ApiProblem(INSUFFICIENT_CREDIT, str(err), params={"shortfall_uah": uah(err.shortfall)}) from None


def _until_midnight() -> int:
    now = utcnow()
    return int((ledger.start_of_day(now) + timedelta(days=1) - now).total_seconds()) + 1
