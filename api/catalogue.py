"""The active templates, kept in memory for a while: every page load and every theme picker lists them, and they
change only when an operator seeds or edits them (`CALENDARY_TEMPLATE_CACHE_TTL`: how soon such a change shows)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Template


class TemplateCatalogue:
    """One per API process. The rows are read with `expire_on_commit=False` sessions, so they stay readable
    (detached) after their request; nothing writes through them."""

    def __init__(self, ttl_seconds: float) -> None:
        self._ttl = ttl_seconds
        self._rows: Sequence[Template] = ()
        self._read_at: float | None = None

    async def active(self, session: AsyncSession) -> Sequence[Template]:
        """The active templates in display order, from the database at most once per TTL."""
        now = time.monotonic()
        if self._read_at is None or now - self._read_at >= self._ttl:
            self._rows = (await session.exec(select(Template).where(col(Template.is_active).is_(True))
                                             .order_by(col(Template.sort_order), col(Template.id)))).all()
            self._read_at = now
        return self._rows

    async def active_one(self, session: AsyncSession, template_id: int) -> Template | None:
        """One active template: from the cached list, or the database for one the list doesn't have (yet)."""
        cached = next((t for t in await self.active(session) if t.id == template_id), None)
        if cached is not None:
            return cached
        template = await session.get(Template, template_id)
        return template if template is not None and template.is_active else None

    def forget(self) -> None:
        """The next read goes to the database (an operator, or a test, changed the templates)."""
        self._read_at = None
