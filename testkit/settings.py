"""Settings for a run on a temporary SQLite file and folder."""

from __future__ import annotations

from pathlib import Path

from settings import Settings


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'calendary.db'}",
        "storage_dir": tmp_path / "storage",
        "temporal_address": "127.0.0.1:1",  # runs that need Temporal pass their own client
        "jwt_secret": "test-secret-test-secret-test-secret",
        "select_wait_seconds": 0.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]
