from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import col, select

from api.deps import CurrentUserDep, IdPath, SessionDep, SettingsDep, StorageDep
from api.media import media_url, optional_media_url
from api.openapi import raises
from api.problems import NOT_FOUND, ApiProblem
from api.schemas import TemplateOut
from db.models import Template
from services.pricing import generation_price
from settings import Settings
from storage import Storage

router = APIRouter(prefix="/api/templates", tags=["templates"])


async def template_out(template: Template, storage: Storage, settings: Settings) -> TemplateOut:
    data = template.template_data
    preview = await media_url(storage, settings, template.preview_key) if template.preview_key else ""
    preview_webp = await optional_media_url(storage, settings, template.preview_webp_key)
    return TemplateOut(id=template.id, name=template.name, theme=template.theme, description=template.description,
                       category=template.category, price=template.price_uah,
                       preview_price=generation_price(template.price_uah, settings.preview_variant_count,
                                                      settings.variant_count),
                       color_scheme=data["colorScheme"], preview_url=preview, preview_webp_url=preview_webp)


@router.get("", summary="List the themes")
async def list_templates(_: CurrentUserDep, session: SessionDep, storage: StorageDep,
                         settings: SettingsDep) -> list[TemplateOut]:
    templates = (await session.exec(select(Template).where(Template.is_active == True)  # noqa: E712
                                    .order_by(col(Template.sort_order), col(Template.id)))).all()
    return [await template_out(t, storage, settings) for t in templates]


@router.get("/{template_id}", summary="Read one theme")
@raises(NOT_FOUND)
async def get_template(template_id: IdPath, _: CurrentUserDep, session: SessionDep, storage: StorageDep,
                       settings: SettingsDep) -> TemplateOut:
    template = await session.get(Template, template_id)
    if template is None or not template.is_active:
        raise ApiProblem(NOT_FOUND, f"template {template_id} not found", params={"resource": "template",
                                                                                "id": template_id})
    return await template_out(template, storage, settings)
