"""ReplicateConfig from the CALENDARY_REPLICATE_* settings; a worker without a token refuses to start."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from activities.deps import ActivityDeps
from imaging.providers.replicate import ReplicateConfig, ReplicateNotConfigured, ReplicateProvider
from settings import Settings
from tests.conftest import make_settings


def test_every_config_field_has_a_setting_with_the_same_default(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, replicate_api_token="r8_x", replicate_destination_owner="acme")

    config = ReplicateConfig.from_settings(settings)

    assert config == ReplicateConfig(api_token="r8_x", destination_owner="acme")
    names = {f.name for f in fields(ReplicateConfig)} - {"api_token"}
    assert names <= {name.removeprefix("replicate_") for name in Settings.model_fields}


def test_settings_reach_the_config(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, replicate_api_token="r8_x", replicate_destination_owner="acme",
                             replicate_webhook_url="https://calendary.example/api/webhooks/replicate",
                             replicate_training_steps=500, replicate_usd_per_predict_second=0.002,
                             replicate_poll_interval_seconds=0.25)

    config = ReplicateConfig.from_settings(settings)

    assert (config.webhook_url, config.training_steps, config.usd_per_predict_second, config.poll_interval_seconds) \
        == ("https://calendary.example/api/webhooks/replicate", 500, 0.002, 0.25)


def test_the_token_comes_from_either_variable_the_prefixed_one_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLICATE_API_TOKEN", "r8_plain")
    assert Settings(_env_file=None).replicate_api_token.get_secret_value() == "r8_plain"  # type: ignore[union-attr]
    monkeypatch.setenv("CALENDARY_REPLICATE_API_TOKEN", "r8_prefixed")
    assert Settings(_env_file=None).replicate_api_token.get_secret_value() == "r8_prefixed"  # type: ignore[union-attr]
    assert "r8_prefixed" not in repr(Settings(_env_file=None))


@pytest.mark.parametrize(("overrides", "message"), [
    ({"replicate_destination_owner": "acme"}, "REPLICATE_API_TOKEN"),
    ({"replicate_destination_owner": "acme", "replicate_api_token": "  "}, "REPLICATE_API_TOKEN"),
    ({"replicate_api_token": "r8_x"}, "CALENDARY_REPLICATE_DESTINATION_OWNER"),
])
async def test_worker_dependencies_fail_fast_when_replicate_is_not_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, overrides: dict, message: str
) -> None:
    monkeypatch.delenv("REPLICATE_API_TOKEN", raising=False)
    monkeypatch.delenv("CALENDARY_REPLICATE_API_TOKEN", raising=False)
    settings = make_settings(tmp_path, provider="replicate", **overrides)

    with pytest.raises(ReplicateNotConfigured, match=message):
        await ActivityDeps.from_settings(settings)

    assert not (tmp_path / "storage").exists()  # nothing was started


async def test_the_worker_closes_the_provider_it_built(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, provider="replicate", replicate_api_token="r8_x",
                             replicate_destination_owner="acme")
    deps = await ActivityDeps.from_settings(settings)
    assert isinstance(deps.provider, ReplicateProvider) and deps.owns_provider

    await deps.close()

    assert deps.provider._downloads.is_closed  # noqa: SLF001
