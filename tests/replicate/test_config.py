"""ReplicateSettings, nested in Settings, read from the documented CALENDARY_REPLICATE_* variables (and the client's
own REPLICATE_API_TOKEN); a worker without a token or destination owner refuses to start."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from activities.deps import ActivityDeps
from imaging.providers.replicate import ReplicateNotConfigured, ReplicateProvider, ReplicateSettings
from settings import Settings
from testkit.settings import make_settings

# One variable per field, each with a value unlike its default, and what the field must then hold.
EVERY_VARIABLE: dict[str, tuple[str, object]] = {
    "CALENDARY_REPLICATE_API_TOKEN": ("r8_from_env", "r8_from_env"),
    "CALENDARY_REPLICATE_WEBHOOK_SECRET": ("whsec_c2VjcmV0", "whsec_c2VjcmV0"),
    "CALENDARY_REPLICATE_WEBHOOK_TOLERANCE_SECONDS": ("60", 60.0),
    "CALENDARY_REPLICATE_WEBHOOK_URL": ("https://calendary.example/api/webhooks/replicate",
                                        "https://calendary.example/api/webhooks/replicate"),
    "CALENDARY_REPLICATE_BASE_URL": ("http://127.0.0.1:9", "http://127.0.0.1:9"),
    "CALENDARY_REPLICATE_DESTINATION_OWNER": ("acme", "acme"),
    "CALENDARY_REPLICATE_DESTINATION_PREFIX": ("acme-lora", "acme-lora"),
    "CALENDARY_REPLICATE_DESTINATION_VISIBILITY": ("public", "public"),
    "CALENDARY_REPLICATE_DESTINATION_HARDWARE": ("gpu-a40-large", "gpu-a40-large"),
    "CALENDARY_REPLICATE_TRAINER_MODEL": ("acme/trainer", "acme/trainer"),
    "CALENDARY_REPLICATE_TRAINER_VERSION": ("abc123", "abc123"),
    "CALENDARY_REPLICATE_TRAINING_STEPS": ("500", 500),
    "CALENDARY_REPLICATE_LORA_RANK": ("32", 32),
    "CALENDARY_REPLICATE_LEARNING_RATE": ("0.001", 0.001),
    "CALENDARY_REPLICATE_RESOLUTION": ("1024", "1024"),
    "CALENDARY_REPLICATE_AUTOCAPTION": ("false", False),
    "CALENDARY_REPLICATE_OUTPUT_FORMAT": ("webp", "webp"),
    "CALENDARY_REPLICATE_ASPECT_RATIO": ("3:4", "3:4"),
    "CALENDARY_REPLICATE_PREVIEW_MAX_STEPS": ("8", 8),
    "CALENDARY_REPLICATE_CANCEL_AFTER": ("", ""),
    "CALENDARY_REPLICATE_REQUEST_TIMEOUT_SECONDS": ("12.5", 12.5),
    "CALENDARY_REPLICATE_POLL_INTERVAL_SECONDS": ("0.25", 0.25),
    "CALENDARY_REPLICATE_TRAINING_POLL_INTERVAL_SECONDS": ("30", 30.0),
    "CALENDARY_REPLICATE_EXPECTED_PREDICTION_SECONDS": ("45", 45.0),
    "CALENDARY_REPLICATE_EXPECTED_TRAINING_SECONDS": ("1200", 1200.0),
    "CALENDARY_REPLICATE_POLL_BACKOFF_FACTOR": ("2", 2.0),
    "CALENDARY_REPLICATE_MAX_POLL_INTERVAL_SECONDS": ("60", 60.0),
    "CALENDARY_REPLICATE_STATUS_HINT_INTERVAL_SECONDS": ("0.1", 0.1),
    "CALENDARY_REPLICATE_STARTING_DEADLINE_SECONDS": ("90", 90.0),
    "CALENDARY_REPLICATE_PREDICTION_DEADLINE_SECONDS": ("600", 600.0),
    "CALENDARY_REPLICATE_TRAINING_DEADLINE_SECONDS": ("7200", 7200.0),
    "CALENDARY_REPLICATE_UPLOAD_TIMEOUT_SECONDS": ("240", 240.0),
    "CALENDARY_REPLICATE_DOWNLOAD_TIMEOUT_SECONDS": ("30", 30.0),
    "CALENDARY_REPLICATE_RECONCILE_MAX_PAGES": ("5", 5),
    "CALENDARY_REPLICATE_USD_PER_TRAINING_SECOND": ("0.002", 0.002),
    "CALENDARY_REPLICATE_USD_PER_PREDICT_SECOND": ("0.0014", 0.0014),
    "CALENDARY_REPLICATE_USD_PER_UPSCALE_SECOND": ("0.000975", 0.000975),
    "CALENDARY_REPLICATE_UPSCALER_MODEL": ("philz1337x/clarity-upscaler", "philz1337x/clarity-upscaler"),
    "CALENDARY_REPLICATE_UPSCALER_VERSION": ("abc123", "abc123"),
    "CALENDARY_REPLICATE_UPSCALER_FACE_ENHANCE": ("true", True),
    "CALENDARY_REPLICATE_USD_PER_IMAGE_BY_MODEL": ('{"black-forest-labs/flux-1.1-pro": 0.04}',
                                                   {"black-forest-labs/flux-1.1-pro": 0.04}),
}


@pytest.fixture(autouse=True)
def no_replicate_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what a test sets: nothing from the machine's environment."""
    for name in os.environ:
        if name.upper().startswith(("CALENDARY_REPLICATE", "REPLICATE_API_TOKEN", "CALENDARY_PROVIDER")):
            monkeypatch.delenv(name)


def _secret_or_value(value: object) -> object:
    return value.get_secret_value() if hasattr(value, "get_secret_value") else value


def test_the_table_names_every_field() -> None:
    assert {name.removeprefix("CALENDARY_REPLICATE_").lower() for name in EVERY_VARIABLE} \
        == set(ReplicateSettings.model_fields)


def test_every_field_is_read_from_its_documented_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, (text, _) in EVERY_VARIABLE.items():
        monkeypatch.setenv(name, text)

    replicate = Settings(_env_file=None).replicate

    read = {name: _secret_or_value(getattr(replicate, name.removeprefix("CALENDARY_REPLICATE_").lower()))
            for name in EVERY_VARIABLE}
    assert read == {name: expected for name, (_, expected) in EVERY_VARIABLE.items()}


def test_unset_variables_keep_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALENDARY_REPLICATE_DESTINATION_OWNER", "acme")

    assert Settings(_env_file=None).replicate == ReplicateSettings(destination_owner="acme")


def test_the_token_comes_from_either_variable_the_prefixed_one_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLICATE_API_TOKEN", "r8_plain")
    monkeypatch.setenv("CALENDARY_REPLICATE_DESTINATION_OWNER", "acme")  # merged with the plain token
    replicate = Settings(_env_file=None).replicate
    assert (replicate.worker_token(), replicate.destination_owner) == ("r8_plain", "acme")

    monkeypatch.setenv("CALENDARY_REPLICATE_API_TOKEN", "r8_prefixed")
    assert Settings(_env_file=None).replicate.worker_token() == "r8_prefixed"
    assert "r8_prefixed" not in repr(Settings(_env_file=None))


def test_a_dotenv_file_is_read_the_same_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("REPLICATE_API_TOKEN=r8_in_file\nCALENDARY_REPLICATE_POLL_INTERVAL_SECONDS=0.5\n")
    replicate = Settings(_env_file=dotenv).replicate
    assert (_secret_or_value(replicate.api_token), replicate.poll_interval_seconds) == ("r8_in_file", 0.5)

    monkeypatch.setenv("CALENDARY_REPLICATE_POLL_INTERVAL_SECONDS", "2")  # the environment beats the file
    assert Settings(_env_file=dotenv).replicate.poll_interval_seconds == 2.0


@pytest.mark.parametrize(("name", "text", "location"), [
    ("CALENDARY_REPLICATE_POLL_INTERVAL_SECONDS", "0", ("replicate", "poll_interval_seconds")),
    ("CALENDARY_REPLICATE_OUTPUT_FORMAT", "gif", ("replicate", "output_format")),
    ("CALENDARY_REPLICATE_DESTINATION_PREFIX", "Not Valid", ("replicate", "destination_prefix")),
    ("CALENDARY_REPLICATE_USD_PER_IMAGE_BY_MODEL", '{"a/b": "free"}', ("replicate", "usd_per_image_by_model", "a/b")),
    ("CALENDARY_REPLICATE_API_TOKNE", "r8_typo", ("replicate", "api_tokne")),  # a misspelt name is no default
])
def test_a_bad_replicate_variable_is_refused_by_name(monkeypatch: pytest.MonkeyPatch, name: str, text: str,
                                                    location: tuple[str, ...]) -> None:
    monkeypatch.setenv(name, text)

    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None)

    assert [error["loc"] for error in refused.value.errors()] == [location]


@pytest.mark.parametrize(("variables", "message"), [
    ({"CALENDARY_REPLICATE_DESTINATION_OWNER": "acme"}, "REPLICATE_API_TOKEN"),
    ({"CALENDARY_REPLICATE_DESTINATION_OWNER": "acme", "CALENDARY_REPLICATE_API_TOKEN": "  "}, "REPLICATE_API_TOKEN"),
    ({"REPLICATE_API_TOKEN": "r8_x"}, "CALENDARY_REPLICATE_DESTINATION_OWNER"),
])
async def test_worker_dependencies_fail_fast_when_replicate_is_not_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], message: str
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    settings = make_settings(tmp_path, provider="replicate")

    with pytest.raises(ReplicateNotConfigured, match=message):
        await ActivityDeps.from_settings(settings)

    assert not (tmp_path / "storage").exists()  # nothing was started


async def test_the_worker_hands_the_nested_settings_to_the_provider_and_closes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPLICATE_API_TOKEN", "r8_x")
    monkeypatch.setenv("CALENDARY_REPLICATE_DESTINATION_OWNER", "acme")
    monkeypatch.setenv("CALENDARY_REPLICATE_TRAINER_VERSION", "v2")
    settings = make_settings(tmp_path, provider="replicate")
    deps = await ActivityDeps.from_settings(settings)
    assert isinstance(deps.provider, ReplicateProvider) and deps.owns_provider
    assert deps.provider.base_model == "ostris/flux-dev-lora-trainer:v2"

    await deps.close()

    assert deps.provider._downloads.is_closed  # noqa: SLF001
