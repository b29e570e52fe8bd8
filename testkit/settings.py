"""Settings for a run on a temporary SQLite file and folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from settings import DEFAULT_PASSWORD_HASH_MEMORY_KIB, DEFAULT_PASSWORD_HASH_TIME_COST, Settings

# Suites register and log in many times from one address; tests of the limits set their own low rates.
GENEROUS_RATE_LIMITS = {f"rate_limit_{action}": "10000/minute"
                        for action in ("login", "register", "upload", "generate")}
# Argon2 at its least cost (microseconds, not ~0.4 s of a core per hash on a 2-core runner): suites sign up and log
# in hundreds of times, and what they check of hashing (hashed, verified, off the event loop, the same work for an
# unknown e-mail) does not depend on the cost. Production refuses these values (settings.py).
CHEAP_PASSWORD_HASHING = {"password_hash_time_cost": 1, "password_hash_memory_kib": 32}
# What the benches that measure sign-ups and logins put back: they must cost what production's do.
PRODUCTION_PASSWORD_HASHING = {"password_hash_time_cost": DEFAULT_PASSWORD_HASH_TIME_COST,
                               "password_hash_memory_kib": DEFAULT_PASSWORD_HASH_MEMORY_KIB}


def as_environment(values: dict[str, Any]) -> dict[str, str]:
    """Settings fields as the CALENDARY_* variables another process reads them from."""
    return {f"CALENDARY_{name.upper()}": str(value) for name, value in values.items()}


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'calendary.db'}",
        "storage_dir": tmp_path / "storage",
        "outbox_dir": tmp_path / "outbox",  # e-mails as .eml files, never into the checkout
        "temporal_address": "127.0.0.1:1",  # runs that need Temporal pass their own client
        "jwt_secret": "test-secret-test-secret-test-secret",
        "select_wait_seconds": 0.0,
        **GENEROUS_RATE_LIMITS,
        **CHEAP_PASSWORD_HASHING,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)
