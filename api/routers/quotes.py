"""`POST /api/calendars/quote`: what a generation will cost and take, before the customer starts it."""

from __future__ import annotations

from fastapi import APIRouter

from api import billing
from api.deps import CurrentUserDep, SessionDep, SettingsDep
from api.openapi import raises
from api.problems import PHOTOS_REPEATED, PHOTOS_REQUIRED, PHOTOS_UNKNOWN, TEMPLATE_UNKNOWN, TOO_MANY_PHOTOS
from api.schemas import QuoteOut, QuoteRequest
from services import ledger

router = APIRouter(prefix="/api/calendars/quote", tags=["generations"])


@router.post("", summary="Quote a generation: its price, whether a model is trained, how long it takes")
@raises(TEMPLATE_UNKNOWN, PHOTOS_REQUIRED, TOO_MANY_PHOTOS, PHOTOS_REPEATED, PHOTOS_UNKNOWN)
async def quote_generation(body: QuoteRequest, user: CurrentUserDep, session: SessionDep,
                           settings: SettingsDep) -> QuoteOut:
    """The price holds until `valid_until` (15 minutes) for a start that sends this `quote_id`."""
    template = await billing.validate_request(body, user.id, session, settings)
    quote, must_train, eta = await billing.make_quote(session, user.id, template, body.photo_ids, body.preview,
                                                      settings)
    return QuoteOut(quote_id=quote.id, template_id=template.id, photo_ids=body.photo_ids, preview=body.preview,
                    variant_count=billing.variant_count(settings, body.preview),
                    price_uah=ledger.in_uah(quote.price_kopiyky), model="train" if must_train else "reuse",
                    eta_seconds=eta, balance_uah=ledger.in_uah(await ledger.balance(session, user.id)),
                    valid_until=quote.expires_at)
