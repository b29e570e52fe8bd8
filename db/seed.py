"""The ten themes of the seed (§2 and "prompt examples"), seeded idempotently: a re-run updates, never duplicates."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Template
from db.template_data import TemplateData


@dataclass(frozen=True)
class Theme:
    theme: str
    name: str
    description: str
    category: str
    price_uah: int
    base_prompt: str
    negative_prompt: str
    style_strength: float
    steps: int
    colour_scheme: tuple[str, ...]
    layout: dict = field(default_factory=dict)


# Base prompts, negative prompts and style strengths are the seed's own words ("Приклади промптів для кожної теми").
THEMES: tuple[Theme, ...] = (
    Theme("family", "Сімейний", "Warm, cozy family moments in soft pastel colours.", "personal", 799,
          "family portrait, warm cozy home atmosphere, soft pastel colors, loving moments, gentle lighting",
          "dark, gloomy, professional, corporate, cold, formal, harsh shadows", 0.7, 30,
          ("#FFE5E5", "#FFC4C4", "#FFD4D4"),
          {"type": "12-month-grid", "photoProcessing": "apply-family-style", "monthsPerPage": 1,
           "photoFrameStyle": "rounded-warm"}),
    Theme("corporate", "Корпоративний", "Clean, minimal business style for teams and offices.", "business", 899,
          "professional business portrait, clean minimalist aesthetic, sharp focus, modern office environment",
          "casual, playful, childish, bright colors, cartoonish, messy", 0.6, 25,
          ("#1E3A8A", "#374151", "#F3F4F6"),
          {"type": "business-calendar", "photoProcessing": "professional-portrait", "includeNotes": True,
           "photoFrameStyle": "square-thin"}),
    Theme("wedding", "Весільний", "Romantic, elegant light with white and gold accents.", "personal", 999,
          "romantic wedding photography, elegant soft lighting, white and gold accents, dreamy atmosphere, "
          "love and joy",
          "dark, harsh lighting, casual, everyday, simple", 0.8, 35,
          ("#FFFFFF", "#FFD700", "#FFC0CB"),
          {"type": "romantic-grid", "photoProcessing": "wedding-style", "decorativeElements": "roses-hearts",
           "photoFrameStyle": "oval-gold"}),
    Theme("sports", "Спортивний", "Dynamic action with bold colours and energy.", "hobby", 799,
          "dynamic sports photography, energetic action, bold colors, athletic performance, motion blur",
          "static, boring, dull, passive, slow", 0.75, 30,
          ("#DC2626", "#111827", "#FACC15"),
          {"type": "12-month-grid", "photoProcessing": "sports-style", "photoFrameStyle": "angled-bold"}),
    Theme("kids", "Дитячий", "Bright, cheerful and playful — made for children.", "personal", 799,
          "playful children photography, bright cheerful colors, fun and joy, cartoon-like elements, happy moments",
          "serious, formal, dark, adult, professional", 0.85, 30,
          ("#60A5FA", "#FBBF24", "#34D399"),
          {"type": "12-month-grid", "photoProcessing": "kids-style", "photoFrameStyle": "rounded-playful"}),
    Theme("minimalist", "Мінімалістичний", "Simple, calm compositions in muted tones.", "design", 699,
          "minimalist clean photography, simple elegant composition, monochrome or muted colors, zen aesthetic",
          "cluttered, busy, bright colors, decorative, complex", 0.5, 25,
          ("#F5F5F4", "#A8A29E", "#292524"),
          {"type": "12-month-grid", "photoProcessing": "minimal-style", "photoFrameStyle": "none"}),
    Theme("nature", "Природа", "Outdoor portraits in earthy, organic tones.", "hobby", 799,
          "natural outdoor photography, landscape integration, earthy tones, organic elements, "
          "environmental portrait",
          "urban, indoor, artificial, man-made, city", 0.7, 30,
          ("#3F6212", "#A3E635", "#FEF3C7"),
          {"type": "12-month-grid", "photoProcessing": "nature-style", "photoFrameStyle": "rounded-soft"}),
    Theme("travel", "Подорожі", "Wanderlust: exotic places and journey moments.", "hobby", 849,
          "travel adventure photography, exotic locations, wanderlust aesthetic, cultural elements, journey moments",
          "home, indoor, boring, local, everyday", 0.75, 30,
          ("#0EA5E9", "#F97316", "#FEF9C3"),
          {"type": "12-month-grid", "photoProcessing": "travel-style", "photoFrameStyle": "polaroid"}),
    Theme("vintage", "Вінтаж", "Film grain, sepia and nostalgic timeless style.", "design", 849,
          "vintage retro photography, film grain, sepia tones, nostalgic atmosphere, classic timeless style",
          "modern, digital, sharp, contemporary, futuristic", 0.8, 30,
          ("#78350F", "#D6B48C", "#FDF6E3"),
          {"type": "12-month-grid", "photoProcessing": "vintage-style", "photoFrameStyle": "deckled"}),
    Theme("professional", "Професійний", "Confident executive portraits of premium quality.", "business", 899,
          "professional executive portrait, confident business look, premium quality, leadership presence",
          "casual, informal, amateur, low quality, messy", 0.65, 30,
          ("#0F172A", "#64748B", "#E2E8F0"),
          {"type": "business-calendar", "photoProcessing": "professional-portrait", "includeNotes": True,
           "photoFrameStyle": "square-thin"}),
)


# A theme's name in the English calendar (its default title there); `Theme.name` is the Ukrainian one.
ENGLISH_NAMES: dict[str, str] = {
    "family": "Family", "corporate": "Corporate", "wedding": "Wedding", "sports": "Sports", "kids": "Kids",
    "minimalist": "Minimalist", "nature": "Nature", "travel": "Travel", "vintage": "Vintage",
    "professional": "Professional",
}

def template_data_for(theme: Theme) -> TemplateData:
    return TemplateData.model_validate(
        {
            "theme": theme.theme,
            "fluxPrompt": {
                "basePrompt": theme.base_prompt,
                "negativePrompt": theme.negative_prompt,
                "styleStrength": theme.style_strength,
                "steps": theme.steps,
            },
            "layout": theme.layout,
            "colorScheme": list(theme.colour_scheme),
        }
    )


async def seed_templates(session: AsyncSession) -> list[Template]:
    """Insert or update the ten themes (keyed by `theme`); returns them in order."""
    seeded: list[Template] = []
    for order, theme in enumerate(THEMES, start=1):
        data = template_data_for(theme)
        template = (await session.exec(select(Template).where(Template.theme == theme.theme))).first()
        if template is None:
            template = Template(theme=theme.theme, name="", category="", price_uah=0, template_data={})
        template.name = theme.name
        template.description = theme.description
        template.category = theme.category
        template.price_uah = theme.price_uah
        template.sort_order = order
        template.is_active = True
        template.template_data = data.to_json()
        session.add(template)
        seeded.append(template)
    await session.flush()
    return seeded
