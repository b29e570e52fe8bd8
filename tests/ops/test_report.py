"""The seed's figures from the database: `collect_figures` over known rows, the Prometheus families made from them,
and `manage.py report --since` printing them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from contracts.variations import variation_for
from db.models import CalendarRating, GeneratedCalendarVariant, Job, UploadedFile, User, UserCalendar, utcnow
from db.seed import seed_templates
from db.session import make_engine, make_session_factory, session_scope
from ops.figures import collect_figures
from ops.metrics import exposition
from ops.report import parse_since
from settings import PROJECT_ROOT, Settings

NOW = utcnow()


def _job(user: User, template_id: int, status: str, started: datetime, ready_after: float | None,
         cost: float = 0.0) -> Job:
    return Job(user_id=user.id, template_id=template_id, status=status, photo_ids=[], variant_count=24, year=2027,
               cost_usd=cost, created_at=started, updated_at=started,
               ready_at=started + timedelta(seconds=ready_after) if ready_after is not None else None)


async def _populate(settings: Settings) -> None:
    """Vintage: one completed in 10 min (2 months chosen from variants 3 and 7; its PDF downloaded 3 times), one
    expired, one failed, one 40 days old; nature: one stuck in generating for an hour."""
    engine = make_engine(settings.database_url)
    async with session_scope(make_session_factory(engine)) as session:
        themes = {t.theme: t.id for t in await seed_templates(session)}
        user = User(email="ops@example.com", password_hash="x")
        session.add(user)
        await session.flush()
        photo = UploadedFile(user_id=user.id, kind="photo", storage_key="users/1/photos/1.jpg", size=1, width=1024,
                             height=768, content_type="image/jpeg", sha256="0" * 64)
        session.add(photo)
        hour_ago = NOW - timedelta(hours=1)
        done = _job(user, themes["vintage"], "completed", hour_ago, 600, cost=1.5)
        jobs = [done, _job(user, themes["vintage"], "expired", hour_ago, 1500, cost=1.0),
                _job(user, themes["vintage"], "failed", hour_ago, None, cost=0.25),
                _job(user, themes["vintage"], "completed", NOW - timedelta(days=40), 300, cost=9.0),
                _job(user, themes["nature"], "generating", hour_ago, None)]
        session.add_all(jobs)
        await session.flush()
        chosen_at = done.created_at + timedelta(seconds=600 + 120)
        for number in (3, 7):
            session.add(GeneratedCalendarVariant(user_id=user.id, job_id=done.id, template_id=done.template_id,
                                                 source_photo_id=photo.id, variant_number=number, status="ready",
                                                 is_selected=True, selected_at=chosen_at))
        calendar = UserCalendar(user_id=user.id, job_id=done.id, template_id=done.template_id, year=2027,
                                pdf_key="users/1/calendars/1.pdf", pdf_downloads=3, pdf_first_downloaded_at=NOW)
        session.add(calendar)
        await session.flush()
        session.add(CalendarRating(user_id=user.id, calendar_id=calendar.id, stars=4))
    await engine.dispose()


async def test_figures_count_the_period_and_become_prometheus_families(database: Settings) -> None:
    await _populate(database)
    engine = make_engine(database.database_url)
    async with make_session_factory(engine)() as session:
        week = await collect_figures(session, since=NOW - timedelta(days=7), now=NOW)
        ever = await collect_figures(session, now=NOW)
    await engine.dispose()

    vintage = week.themes["vintage"]
    assert (vintage.started, vintage.reached_ready, vintage.calendars, vintage.pdfs) == (3, 2, 1, 1)
    assert (vintage.downloaded, vintage.pdf_downloads) == (1, 3)
    assert dict(vintage.outcomes) == {"completed": 1, "expired": 1, "failed": 1}
    assert vintage.seconds_to_ready == [600, 1500] and vintage.seconds_to_choose == [120]
    assert dict(vintage.chosen_variants) == {3: 1, 7: 1} and vintage.cost_usd == 2.75
    assert week.themes["nature"].stuck == 1
    assert ever.themes["vintage"].started == 4

    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(exposition(week).decode()) for s in family.samples}
    theme = (("theme", "vintage"),)
    assert samples[("calendary_variants_ready_seconds_bucket", (("le", "600.0"), *theme))] == 1
    assert samples[("calendary_variants_ready_seconds_bucket", (("le", "1200.0"), *theme))] == 1
    assert samples[("calendary_variants_ready_seconds_bucket", (("le", "+Inf"), *theme))] == 2
    assert samples[("calendary_generations_finished_total", (("outcome", "expired"), *theme))] == 1
    seventh = (*theme, ("variant", "7"), ("variation", variation_for(7)))
    assert samples[("calendary_variants_chosen_total", seventh)] == 1
    assert samples[("calendary_provider_cost_usd_total", theme)] == 2.75
    assert samples[("calendary_ratings", (("stars", "4"), *theme))] == 1
    assert samples[("calendary_calendars_downloaded_total", theme)] == 1
    assert samples[("calendary_pdf_downloads_total", theme)] == 3


async def test_report_prints_the_period_figures(database: Settings) -> None:
    await _populate(database)
    env = {**os.environ, "CALENDARY_DATABASE_URL": database.database_url}
    done = await asyncio.to_thread(subprocess.run, [sys.executable, "manage.py", "report", "--since", "7d"],
                                   cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "generations started          4" in out  # 3 vintage + 1 nature this week
    assert "completed 1, expired 1, failed 1" in out and "success rate 66.7 %" in out
    assert "drop-off (expired / ready)   50.0 %" in out
    assert "within the 20 min SLA: 50.0 %" in out
    assert "#3 (1), #7 (1)" in out and "$2.75" in out
    assert "stuck generations now        1" in out
    assert "customer satisfaction        4.00 of 5 stars over 1 ratings" in out
    assert "→ PDFs 1 (100.0 %) → downloaded 1 (100.0 %; 3 downloads)" in out


def test_report_rejects_a_period_it_cannot_read() -> None:
    done = subprocess.run([sys.executable, "manage.py", "report", "--since", "7x"], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "'7x' is not a period" in done.stderr


@pytest.mark.parametrize(("text", "expected"), [("30m", timedelta(minutes=30)), ("7d", timedelta(days=7)),
                                                ("2w", timedelta(weeks=2))])
def test_periods(text: str, expected: timedelta) -> None:
    assert parse_since(text) == expected
