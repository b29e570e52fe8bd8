"""What one `GET /metrics` costs the API: the seed's figures are derived from the database at every scrape
(ops/figures.py), so the cost grows with the rows. Prints seconds per scrape and the size of the exposition for a
database of N generations (a quarter completed with 12 chosen variants, the rest spread over the other outcomes).

Prometheus scrapes every 15 s by default: a scrape should stay well under a second. SQLite, one process.

    .venv/bin/python bench/metrics_scrape.py [--jobs 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

import manage
from db.models import CalendarRating, GeneratedCalendarVariant, Job, UploadedFile, User, UserCalendar, utcnow
from db.seed import seed_templates
from db.session import make_engine, make_session_factory, session_scope
from ops.figures import collect_figures
from ops.metrics import exposition
from testkit.settings import make_settings

OUTCOMES = ("completed", "expired", "failed", "cancelled", "ready_for_selection", "generating")


async def _insert(session: AsyncSession, model: type[SQLModel], rows: Sequence[Mapping[str, object]]) -> None:
    for start in range(0, len(rows), 1000):  # multi-row INSERTs under SQLite's bound-variable limit
        await session.exec(insert(model).values(rows[start:start + 1000]))


async def populate(database_url: str, jobs: int) -> None:
    engine = make_engine(database_url)
    now = utcnow()
    async with session_scope(make_session_factory(engine)) as session:
        templates = [t.id for t in await seed_templates(session)]
        user = User(email="bench@example.com", password_hash="x")
        session.add(user)
        await session.flush()
        photo = UploadedFile(user_id=user.id, kind="photo", storage_key="bench/photo.jpg", content_type="image/jpeg",
                             size=1, width=1024, height=768, sha256="0" * 64)
        session.add(photo)
        await session.flush()
        rows = []
        for n in range(jobs):
            started = now - timedelta(minutes=n % 50_000)
            status = OUTCOMES[n % len(OUTCOMES)]
            ready = started + timedelta(seconds=300 + n % 1500) if status not in ("failed", "generating") else None
            rows.append({"user_id": user.id, "template_id": templates[n % len(templates)], "status": status,
                         "photo_ids": [photo.id], "variant_count": 24, "year": 2027, "cost_usd": 1.25,
                         "created_at": started, "updated_at": started, "ready_at": ready, "locale": "uk",
                         "progress": 100, "preview": False})
        await _insert(session, Job, rows)
        completed = [(j.id, j.template_id, j.ready_at)
                     for j in (await session.exec(select(Job).where(Job.status == "completed"))).all()]
        variants, calendars = [], []
        for job_id, template_id, ready in completed:
            chosen_at = (ready or now) + timedelta(minutes=30)
            variants += [{"user_id": user.id, "job_id": job_id, "template_id": template_id,
                          "source_photo_id": photo.id, "variant_number": v, "status": "ready", "is_selected": True,
                          "selected_at": chosen_at, "attempt": 0, "prompt": "", "seed": 0, "cost_usd": 0.05,
                          "created_at": ready} for v in range(1, 13)]
            calendars.append({"user_id": user.id, "job_id": job_id, "template_id": template_id, "year": 2027,
                              "title": "", "locale": "uk", "render_revision": 0, "pdf_key": f"bench/{job_id}.pdf",
                              "created_at": now, "updated_at": now})
        await _insert(session, GeneratedCalendarVariant, variants)
        await _insert(session, UserCalendar, calendars)
        calendar_ids = (await session.exec(select(UserCalendar.id))).all()
        await _insert(session, CalendarRating, [
            {"user_id": user.id, "calendar_id": c, "stars": 1 + c % 5, "created_at": now, "updated_at": now}
            for c in calendar_ids])
    await engine.dispose()


async def scrape(database_url: str) -> tuple[float, int]:
    engine = make_engine(database_url)
    started = time.perf_counter()
    async with make_session_factory(engine)() as session:
        text = exposition(await collect_figures(session, now=utcnow()))
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed, len(text)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = make_settings(Path(folder))
        await asyncio.to_thread(manage.migrate, settings)
        started = time.perf_counter()
        await populate(settings.database_url, options.jobs)
        print(f"database: {options.jobs} generations written in {time.perf_counter() - started:.1f} s")
        runs = [await scrape(settings.database_url) for _ in range(options.repeat)]
    seconds = [s for s, _ in runs]
    print(f"/metrics figures over {options.jobs} generations: median {statistics.median(seconds):.3f} s, "
          f"max {max(seconds):.3f} s per scrape ({options.repeat} scrapes), {runs[-1][1] / 1024:.1f} KiB exposition")


if __name__ == "__main__":
    asyncio.run(main())
