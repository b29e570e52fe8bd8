"""An in-process S3 server (moto) that real S3 clients such as `minio` can talk to over HTTP.

Use the session-scoped `moto_s3_endpoint` fixture (import it into a conftest.py to make it
available), or `running_moto_s3()` directly outside pytest.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from moto.server import ThreadedMotoServer

MOTO_ACCESS_KEY = "testing"
MOTO_SECRET_KEY = "testing"
MOTO_REGION = "us-east-1"

# Dummy credentials: moto accepts anything, and this guarantees no SDK that reads the environment
# (boto3) can ever pick up real ones and talk to real AWS.
_FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": MOTO_ACCESS_KEY,
    "AWS_SECRET_ACCESS_KEY": MOTO_SECRET_KEY,
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_DEFAULT_REGION": MOTO_REGION,
}


@contextmanager
def _fake_aws_env() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in _FAKE_AWS_ENV}
    os.environ.update(_FAKE_AWS_ENV)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def running_moto_s3() -> Iterator[str]:
    """Start moto on a free local port; yields the endpoint as `host:port` (the minio format)."""
    # moto's server logs every request through werkzeug; keep test output readable.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with _fake_aws_env():
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()  # the real port the OS picked for port=0
            yield f"{host}:{port}"
        finally:
            server.stop()


@pytest.fixture(scope="session")
def moto_s3_endpoint() -> Iterator[str]:
    """`host:port` of a moto S3 server shared by the whole session (plain HTTP, any credentials).

    Tests should each use their own bucket so they stay independent.
    """
    with running_moto_s3() as endpoint:
        yield endpoint
