"""Objects in one MinIO/S3 bucket, through the official `minio` client.

The client is synchronous (urllib3 underneath, thread-safe), so every call runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from minio import Minio
from minio.deleteobjects import DeleteObject
from minio.error import S3Error

from storage.base import STREAM_CHUNK_BYTES, ObjectNotFound, ObjectStream, StoredObject, validate_key

T = TypeVar("T")

_NOT_FOUND_CODES = frozenset({"NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound"})
_BUCKET_TAKEN_CODES = frozenset({"BucketAlreadyOwnedByYou", "BucketAlreadyExists"})
_DEFAULT_CONTENT_TYPE = "application/octet-stream"


class S3Storage:
    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        secure: bool = False,
        region: str = "us-east-1",
        public_endpoint: str | None = None,
    ) -> None:
        self._bucket = bucket
        # Passing the region up front also spares the client a GetBucketLocation round trip
        # (and lets presigned URLs be signed without any network call).
        self._client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
        )
        # A signature covers the Host header MinIO will see: links are signed for the host browsers (or the caching
        # proxy in front, which then forwards that Host) reach MinIO at, not for the internal `minio:9000`.
        self._signer = self._client if not public_endpoint else Minio(
            public_endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
        )

    @property
    def bucket(self) -> str:
        return self._bucket

    async def start(self) -> None:
        await self._run(self._ensure_bucket)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        validate_key(key)
        await self._run(
            self._client.put_object,
            self._bucket,
            key,
            io.BytesIO(data),
            len(data),
            content_type=content_type,
        )

    async def get(self, key: str) -> StoredObject:
        validate_key(key)
        try:
            data, content_type = await self._run(self._get_sync, key)
        except S3Error as exc:
            if exc.code in _NOT_FOUND_CODES:
                raise ObjectNotFound(key) from None
            raise
        return StoredObject(key=key, data=data, content_type=content_type)

    async def open(self, key: str) -> ObjectStream:
        validate_key(key)
        try:
            response = await self._run(self._client.get_object, self._bucket, key)
        except S3Error as exc:
            if exc.code in _NOT_FOUND_CODES:
                raise ObjectNotFound(key) from None
            raise
        return ObjectStream(key=key, size=int(response.headers.get("Content-Length") or 0),
                            content_type=response.headers.get("Content-Type") or _DEFAULT_CONTENT_TYPE,
                            chunks=_response_chunks(response))

    async def exists(self, key: str) -> bool:
        validate_key(key)
        try:
            await self._run(self._client.stat_object, self._bucket, key)
        except S3Error as exc:
            if exc.code in _NOT_FOUND_CODES:
                return False
            raise
        return True

    async def delete(self, key: str) -> None:
        validate_key(key)
        await self._run(self._client.remove_object, self._bucket, key)  # S3 deletes are idempotent

    async def delete_prefix(self, prefix: str) -> int:
        prefix = _normalize_prefix(prefix)
        return await self._run(self._delete_prefix_sync, f"{prefix}/")

    async def list_keys(self, prefix: str) -> list[str]:
        prefix = _normalize_prefix(prefix) if prefix else ""
        return await self._run(self._list_sync, f"{prefix}/" if prefix else None)

    async def presigned_url(self, key: str, expires: timedelta, *, signed_at: datetime | None = None,
                            cache_control: str | None = None) -> str | None:
        validate_key(key)
        # Signing is pure computation (the region is known), so no worker thread is needed. A fixed request date
        # makes the signature, and so the whole URL, the same for every caller that passes the same `signed_at`.
        return self._signer.presigned_get_object(
            self._bucket, key, expires=expires, request_date=signed_at,
            response_headers={"response-cache-control": cache_control} if cache_control else None,
        )

    # -- blocking helpers (run in a worker thread) -----------------------------------------------

    @staticmethod
    async def _run(func: Callable[..., T], *args: object, **kwargs: object) -> T:
        return await asyncio.to_thread(func, *args, **kwargs)

    def _ensure_bucket(self) -> None:
        if self._client.bucket_exists(self._bucket):
            return
        try:
            self._client.make_bucket(self._bucket)
        except S3Error as exc:
            # Another process (an API replica, a worker) created it between our check and our
            # create. Only accept that if the bucket is now really usable by us.
            if exc.code not in _BUCKET_TAKEN_CODES or not self._client.bucket_exists(self._bucket):
                raise

    def _get_sync(self, key: str) -> tuple[bytes, str]:
        response = self._client.get_object(self._bucket, key)
        try:
            data = response.read()
            content_type = response.headers.get("Content-Type") or _DEFAULT_CONTENT_TYPE
        finally:
            response.close()
            response.release_conn()
        return data, content_type

    def _list_sync(self, prefix: str | None) -> list[str]:
        objects = self._client.list_objects(self._bucket, prefix=prefix, recursive=True)
        return sorted(obj.object_name for obj in objects if not obj.is_dir and obj.object_name)

    def _delete_prefix_sync(self, prefix: str) -> int:
        keys = self._list_sync(prefix)
        if not keys:
            return 0
        # remove_objects is lazy: nothing is deleted until its error iterator is consumed.
        errors = list(self._client.remove_objects(self._bucket, (DeleteObject(k) for k in keys)))
        if errors:
            details = ", ".join(f"{err.name}: {err.code} {err.message}" for err in errors[:5])
            raise OSError(f"failed to delete {len(errors)} of {len(keys)} objects ({details})")
        return len(keys)


async def _response_chunks(response: Any) -> AsyncIterator[bytes]:
    """The body of a `get_object` answer (urllib3), read a chunk at a time; its connection goes back to the pool."""
    try:
        while chunk := await asyncio.to_thread(response.read, STREAM_CHUNK_BYTES):
            yield chunk
    finally:
        response.close()
        response.release_conn()


def _normalize_prefix(prefix: str) -> str:
    """`users/7/` and `users/7` name the same folder; anything else must be a valid key."""
    return validate_key(prefix.removesuffix("/"))
