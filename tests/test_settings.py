"""Settings read from real environment variables mean what README.md says they mean."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from settings import Settings

# Every timedelta setting, found by type so that a new one cannot miss these tests.
DURATIONS = sorted(name for name, field in Settings.model_fields.items() if field.annotation is timedelta)


def test_the_known_durations_are_all_found() -> None:
    assert {"selection_timeout", "presigned_url_ttl", "jwt_ttl", "provider_heartbeat_timeout"} <= set(DURATIONS)


@pytest.mark.parametrize("name", DURATIONS)
@pytest.mark.parametrize(("text", "expected"), [
    ("20", timedelta(seconds=20)),
    ("1.5", timedelta(seconds=1.5)),
    (" 90 ", timedelta(seconds=90)),
    ("PT20S", timedelta(seconds=20)),
    ("PT1M30S", timedelta(seconds=90)),
    ("P4D", timedelta(days=4)),  # days: the longest form every duration takes (presigned_url_ttl stops at 4)
])
def test_a_duration_is_plain_seconds_or_iso_8601(monkeypatch: pytest.MonkeyPatch, name: str, text: str,
                                                 expected: timedelta) -> None:
    monkeypatch.setenv(f"CALENDARY_{name.upper()}", text)

    assert getattr(Settings(_env_file=None), name) == expected


@pytest.mark.parametrize("name", DURATIONS)
@pytest.mark.parametrize(("text", "complaint"), [
    ("0", "must be a positive duration"),
    ("PT0S", "must be a positive duration"),
    ("-5", "must be a positive duration"),
    ("ten", "is not a duration: use plain seconds (e.g. 20 or 1.5) or an ISO-8601 duration"),
    ("20s", "is not a duration"),
    ("inf", "is not a duration"),
    ("nan", "is not a duration"),
    ("", "is not a duration"),
])
def test_a_duration_that_is_not_one_is_refused_by_name(monkeypatch: pytest.MonkeyPatch, name: str, text: str,
                                                      complaint: str) -> None:
    monkeypatch.setenv(f"CALENDARY_{name.upper()}", text)

    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None)

    (error,) = refused.value.errors()
    assert error["loc"] == (name,) and complaint in error["msg"]


def test_image_links_live_at_most_four_days(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALENDARY_PRESIGNED_URL_TTL", "P5D")

    with pytest.raises(ValidationError, match="must be at most 4 days"):
        Settings(_env_file=None)


@pytest.mark.parametrize("url", ["cdn.example.com", "ftp://cdn.example.com", "https://cdn.example.com/?x=1",
                                 "https://"])
def test_the_media_base_url_must_be_an_http_origin(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("CALENDARY_MEDIA_BASE_URL", url)

    with pytest.raises(ValidationError, match="is not a base URL"):
        Settings(_env_file=None)


def test_the_media_base_url_loses_its_trailing_slash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALENDARY_MEDIA_BASE_URL", "https://cdn.example.com/images/")

    assert Settings(_env_file=None).media_base_url == "https://cdn.example.com/images"


@pytest.mark.parametrize("endpoint", ["http://images.example.com", "images.example.com/path", "host:port"])
def test_the_public_minio_endpoint_is_a_host_and_port(monkeypatch: pytest.MonkeyPatch, endpoint: str) -> None:
    monkeypatch.setenv("CALENDARY_MINIO_PUBLIC_ENDPOINT", endpoint)

    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None)

    assert refused.value.errors()[0]["loc"] == ("minio_public_endpoint",)


def test_durations_default_to_the_documented_values(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in DURATIONS:
        monkeypatch.delenv(f"CALENDARY_{name.upper()}", raising=False)
    settings = Settings(_env_file=None)

    assert (settings.selection_timeout, settings.presigned_url_ttl, settings.jwt_ttl,
            settings.provider_heartbeat_timeout) == (timedelta(days=7), timedelta(minutes=15), timedelta(days=7),
                                                     timedelta(minutes=1))


STRONG = {"CALENDARY_JWT_SECRET": "t" * 40, "CALENDARY_MEDIA_SIGNING_KEY": "m" * 40}


@pytest.mark.parametrize(("variables", "problem"), [
    ({}, "CALENDARY_JWT_SECRET is the development value"),
    ({"CALENDARY_JWT_SECRET": "t" * 40}, "CALENDARY_MEDIA_SIGNING_KEY is the development value"),
    ({**STRONG, "CALENDARY_JWT_SECRET": "short-but-not-default"}, "CALENDARY_JWT_SECRET is 21 bytes"),
    ({**STRONG, "CALENDARY_MEDIA_SIGNING_KEY": "t" * 40}, "must differ from CALENDARY_JWT_SECRET"),
    ({**STRONG, "CALENDARY_PASSWORD_HASH_TIME_COST": "2"}, "cheap hashing is for test suites, never production"),
    ({**STRONG, "CALENDARY_PASSWORD_HASH_MEMORY_KIB": "32"}, "cheap hashing is for test suites, never production"),
])
def test_production_refuses_weak_or_shared_secrets(monkeypatch: pytest.MonkeyPatch, variables: dict[str, str],
                                                   problem: str) -> None:
    monkeypatch.setenv("CALENDARY_ENV", "production")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ValidationError, match=problem):
        Settings(_env_file=None)


def test_production_starts_with_strong_secrets_and_development_with_the_defaults(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).env == "development"  # the embedded default needs no secret at all
    monkeypatch.setenv("CALENDARY_ENV", "production")
    for name, value in STRONG.items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)
    assert settings.jwt_secret.get_secret_value() == "t" * 40 and "t" * 40 not in repr(settings)
    assert (settings.password_hash_time_cost, settings.password_hash_memory_kib) == (3, 64 * 1024)


def test_a_new_account_gets_credit_outside_production_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CALENDARY_SIGNUP_CREDIT_UAH", raising=False)
    assert Settings(_env_file=None).signup_credit_kopiyky == 3000 * 100  # `make run` works with no payment step
    monkeypatch.setenv("CALENDARY_ENV", "production")
    for name, value in STRONG.items():
        monkeypatch.setenv(name, value)
    assert Settings(_env_file=None).signup_credit_kopiyky == 0
    monkeypatch.setenv("CALENDARY_SIGNUP_CREDIT_UAH", "50")  # an operator's promotion, on purpose
    assert Settings(_env_file=None).signup_credit_kopiyky == 50 * 100
