"""Objects as plain files under one root folder: the default backend for development and tests.

Layout: the object `users/7/a.jpg` lives at `<root>/users/7/a.jpg`, and its content type in the
sidecar `<root>/users/7/.a.jpg.meta` (JSON). Valid keys never have a part starting with ".", so
sidecars and in-flight temp files (`.a.jpg.<random>.tmp`) can never collide with an object and are
never listed.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import suppress
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from storage.base import STREAM_CHUNK_BYTES, ObjectNotFound, ObjectStream, StoredObject, validate_key

_DEFAULT_CONTENT_TYPE = "application/octet-stream"


class FileSystemStorage:
    def __init__(self, root: Path | str) -> None:
        self._root = Path(root)

    @property
    def root(self) -> Path:
        return self._root

    async def start(self) -> None:
        await asyncio.to_thread(self._root.mkdir, parents=True, exist_ok=True)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        await asyncio.to_thread(self._put_sync, path, data, content_type)

    async def get(self, key: str) -> StoredObject:
        path = self._path(key)
        try:
            data, content_type = await asyncio.to_thread(self._get_sync, path)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(key) from None
        return StoredObject(key=key, data=data, content_type=content_type)

    async def open(self, key: str) -> ObjectStream:
        path = self._path(key)
        try:
            file = await asyncio.to_thread(path.open, "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(key) from None
        size = os.fstat(file.fileno()).st_size
        # The open file keeps its bytes even if a re-render deletes the object meanwhile (POSIX unlink semantics).
        return ObjectStream(key=key, size=size, content_type=await asyncio.to_thread(_read_content_type, path),
                            chunks=_file_chunks(file))

    async def exists(self, key: str) -> bool:
        path = self._path(key)
        return await asyncio.to_thread(path.is_file)

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await asyncio.to_thread(self._delete_sync, path)

    async def delete_prefix(self, prefix: str) -> int:
        folder = self._path(_normalize_prefix(prefix))
        return await asyncio.to_thread(self._delete_prefix_sync, folder)

    async def list_keys(self, prefix: str) -> list[str]:
        prefix = _normalize_prefix(prefix) if prefix else ""
        folder = self._path(prefix) if prefix else self._root_resolved()
        return await asyncio.to_thread(self._list_sync, folder)

    async def presigned_url(self, key: str, expires: timedelta, *, signed_at: datetime | None = None,
                            cache_control: str | None = None) -> str | None:
        validate_key(key)
        return None  # no direct URL for local files: the API streams the bytes

    # -- paths -----------------------------------------------------------------------------------

    def _root_resolved(self) -> Path:
        return self._root.resolve()

    def _path(self, key: str) -> Path:
        """The absolute path for `key`, refusing anything that resolves outside the root.

        `validate_key` already rejects `..` and absolute keys; resolving the final path also
        catches symlinks (inside the root) that point elsewhere.
        """
        validate_key(key)
        root = self._root_resolved()
        path = (root / key).resolve()
        if path == root or not path.is_relative_to(root):
            raise ValueError(f"storage key {key!r} resolves outside the storage root")
        return path

    # -- blocking helpers (run in a worker thread) -----------------------------------------------

    def _put_sync(self, path: Path, data: bytes, content_type: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = json.dumps({"content_type": content_type}).encode()
        # The sidecar goes first: a crash in between leaves at worst a stale sidecar, never an
        # object without its content type.
        _write_atomic(_sidecar(path), meta)
        _write_atomic(path, data)

    def _get_sync(self, path: Path) -> tuple[bytes, str]:
        data = path.read_bytes()
        return data, _read_content_type(path)

    def _delete_sync(self, path: Path) -> bool:
        if not path.is_file():  # missing, a folder, or a parent is a file: nothing to delete
            return False
        try:
            path.unlink()
        except FileNotFoundError:
            return False  # a concurrent delete got there first
        finally:
            _sidecar(path).unlink(missing_ok=True)
        return True

    def _delete_prefix_sync(self, folder: Path) -> int:
        if not folder.is_dir() or folder.is_symlink():
            return 0
        deleted = sum(self._delete_sync(folder / key) for key in _walk_keys(folder))
        _remove_empty_dirs(folder)
        _prune_empty_parents(folder.parent, stop=self._root_resolved())
        return deleted

    def _list_sync(self, folder: Path) -> list[str]:
        if not folder.is_dir():
            return []
        root = self._root_resolved()
        prefix = folder.relative_to(root).as_posix() if folder != root else ""
        return sorted(f"{prefix}/{key}" if prefix else key for key in _walk_keys(folder))


async def _file_chunks(file: BinaryIO) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(file.read, STREAM_CHUNK_BYTES):
            yield chunk
    finally:
        file.close()


def _normalize_prefix(prefix: str) -> str:
    """`users/7/` and `users/7` name the same folder; anything else must be a valid key."""
    return validate_key(prefix.removesuffix("/"))


def _sidecar(path: Path) -> Path:
    return path.with_name(f".{path.name}.meta")


def _read_content_type(path: Path) -> str:
    try:
        meta = json.loads(_sidecar(path).read_bytes())
        return str(meta["content_type"])
    except (OSError, ValueError, KeyError, TypeError):
        guessed, _ = mimetypes.guess_type(path.name)
        return guessed or _DEFAULT_CONTENT_TYPE


def _write_atomic(path: Path, data: bytes) -> None:
    """Write to a temp file in the same folder, then rename over `path`: readers see old or new."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _walk_keys(folder: Path) -> list[str]:
    """Object keys under `folder`, relative to it. Skips hidden files (sidecars, temp files),
    symlinks and any file whose name is not a valid key."""
    keys = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        base = Path(dirpath)
        for name in filenames:
            path = base / name
            if name.startswith(".") or path.is_symlink():
                continue
            key = path.relative_to(folder).as_posix()
            try:
                keys.append(validate_key(key))
            except ValueError:
                continue
    return keys


def _remove_empty_dirs(folder: Path) -> None:
    """Remove `folder` and every folder below it that is empty (bottom-up)."""
    for dirpath, _dirnames, _filenames in os.walk(folder, topdown=False, followlinks=False):
        with suppress(OSError):  # not empty: something other than our objects lives there
            os.rmdir(dirpath)


def _prune_empty_parents(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_relative_to(stop):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
