"""Connecting to Temporal with the pydantic data converter — the one way the API, worker and tools connect.

The connection is described through the SDK's environment configuration (`temporalio.envconfig`): either a profile
the SDK loads itself (`CALENDARY_TEMPORAL_PROFILE`: its TOML config file and `TEMPORAL_*` variables, as the
`temporal` CLI reads them), or one built from the `CALENDARY_TEMPORAL_*` settings — address, namespace, and for a
secured cluster or Temporal Cloud TLS (server CA, SNI name), mTLS (client certificate and key) and an API key.
"""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.envconfig import ClientConfigProfile, ClientConfigTLS, ClientConnectConfig
from temporalio.runtime import Runtime

from settings import Settings


def connect_config(settings: Settings) -> ClientConnectConfig:
    if settings.temporal_profile:
        return ClientConfigProfile.load(settings.temporal_profile).to_client_connect_config()
    tls = None
    if settings.temporal_tls:
        tls = ClientConfigTLS(disabled=False, server_name=settings.temporal_tls_server_name,
                              server_root_ca_cert=settings.temporal_tls_ca_cert,
                              client_cert=settings.temporal_tls_client_cert,
                              client_private_key=settings.temporal_tls_client_key)
    api_key = settings.temporal_api_key.get_secret_value() if settings.temporal_api_key else None
    return ClientConfigProfile(address=settings.temporal_address, namespace=settings.temporal_namespace,
                               api_key=api_key, tls=tls).to_client_connect_config()


async def connect(settings: Settings, runtime: Runtime | None = None) -> Client:
    """`runtime`: the worker's, which exports the SDK's metrics (ops.worker_endpoint); else the default one."""
    return await Client.connect(**connect_config(settings), data_converter=pydantic_data_converter, runtime=runtime)
