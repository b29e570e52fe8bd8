"""The Temporal connection as the SDK's env-config describes it: plain, TLS, mTLS, API key, or an SDK profile."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from temporalio.service import TLSConfig

from temporal_client import connect_config
from testkit.settings import make_settings


def test_the_default_is_a_plain_connection(tmp_path: Path) -> None:
    config = connect_config(make_settings(tmp_path, temporal_address="temporal:7233", temporal_namespace="prod"))
    assert config["target_host"] == "temporal:7233" and config["namespace"] == "prod"
    assert "tls" not in config and "api_key" not in config


def test_an_api_key_turns_tls_on(tmp_path: Path) -> None:
    config = connect_config(make_settings(tmp_path, temporal_address="ns.acct.tmprl.cloud:7233",
                                          temporal_api_key="key-123"))
    assert config["api_key"] == "key-123" and config["tls"] is True


def test_mtls_reads_the_certificate_files(tmp_path: Path) -> None:
    ca, cert, key = (tmp_path / name for name in ("ca.pem", "client.pem", "client.key"))
    for path in (ca, cert, key):
        path.write_bytes(f"-----BEGIN {path.name}-----".encode())
    config = connect_config(make_settings(tmp_path, temporal_tls=True, temporal_tls_server_name="temporal.internal",
                                          temporal_tls_ca_cert=ca, temporal_tls_client_cert=cert,
                                          temporal_tls_client_key=key))
    tls = config["tls"]
    assert isinstance(tls, TLSConfig) and tls.domain == "temporal.internal"
    assert (tls.server_root_ca_cert, tls.client_cert, tls.client_private_key) == (
        ca.read_bytes(), cert.read_bytes(), key.read_bytes())


@pytest.mark.parametrize("overrides", [
    {"temporal_tls": True, "temporal_tls_client_cert": "client.pem"},  # a certificate without its key
    {"temporal_tls_ca_cert": "ca.pem"},  # TLS files without TLS
])
def test_incomplete_tls_settings_are_refused(tmp_path: Path, overrides: dict) -> None:
    with pytest.raises(ValidationError, match="CALENDARY_TEMPORAL_TLS"):
        make_settings(tmp_path, **overrides)


def test_an_sdk_profile_is_used_instead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_file = tmp_path / "temporal.toml"
    config_file.write_text('[profile.cloud]\naddress = "acct.tmprl.cloud:7233"\nnamespace = "calendary.acct"\n'
                           'api_key = "from-the-profile"\n')
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", str(config_file))
    config = connect_config(make_settings(tmp_path, temporal_profile="cloud"))
    assert (config["target_host"], config["namespace"], config["api_key"]) == (
        "acct.tmprl.cloud:7233", "calendary.acct", "from-the-profile")
