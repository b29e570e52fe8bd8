"""Object storage behind one interface: a local folder by default, MinIO/S3 in production."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage.base import ObjectNotFound, ObjectStream, Storage, StoredObject, validate_key

if TYPE_CHECKING:
    from settings import Settings

__all__ = ["ObjectNotFound", "ObjectStream", "Storage", "StoredObject", "make_storage", "validate_key"]


def make_storage(settings: Settings) -> Storage:
    if settings.storage_backend == "minio":
        from storage.s3 import S3Storage

        return S3Storage(
            endpoint=settings.minio_endpoint,
            access_key=settings.minio_access_key,
            secret_key=settings.minio_secret_key,
            bucket=settings.minio_bucket,
            secure=settings.minio_secure,
            region=settings.minio_region,
            public_endpoint=settings.minio_public_endpoint,
        )
    from storage.fs import FileSystemStorage

    return FileSystemStorage(settings.storage_dir)
