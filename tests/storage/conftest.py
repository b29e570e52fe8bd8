"""Fixtures that run the same storage tests against every backend."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from storage.base import Storage
from storage.fs import FileSystemStorage
from storage.s3 import S3Storage
from tests.fakes.s3 import MOTO_ACCESS_KEY, MOTO_REGION, MOTO_SECRET_KEY

StorageFactory = Callable[[], Storage]


@pytest.fixture
def fs_storage_root(tmp_path: Path) -> Path:
    return tmp_path / "storage"


@pytest.fixture
def make_fs_storage(fs_storage_root: Path) -> Callable[[], FileSystemStorage]:
    return lambda: FileSystemStorage(fs_storage_root)


@pytest.fixture
def s3_bucket() -> str:
    """A fresh bucket name per test, so tests sharing the moto server stay independent."""
    return f"test-{uuid.uuid4().hex[:16]}"


@pytest.fixture
def make_s3_storage(
    moto_s3_endpoint: str,
    s3_bucket: str,
) -> Callable[..., S3Storage]:
    def make(region: str = MOTO_REGION) -> S3Storage:
        return S3Storage(
            endpoint=moto_s3_endpoint,
            access_key=MOTO_ACCESS_KEY,
            secret_key=MOTO_SECRET_KEY,
            bucket=s3_bucket,
            secure=False,
            region=region,
        )

    return make


@pytest.fixture(params=["fs", pytest.param("s3", marks=pytest.mark.s3)])
def make_storage(request: pytest.FixtureRequest) -> StorageFactory:
    """Builds (unstarted) storages of one backend; every call shares the same folder or bucket."""
    return request.getfixturevalue(f"make_{request.param}_storage")


@pytest.fixture
async def storage(make_storage: StorageFactory) -> Storage:
    backend = make_storage()
    await backend.start()
    return backend
