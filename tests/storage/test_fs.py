"""What only the filesystem backend has to get right: confinement to its root and atomic writes."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

import storage.fs
from storage.base import ObjectNotFound
from storage.fs import FileSystemStorage


@pytest.fixture
async def fs(fs_storage_root: Path) -> FileSystemStorage:
    backend = FileSystemStorage(fs_storage_root)
    await backend.start()
    return backend


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_bytes(b"top secret")
    return folder


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


async def test_start_creates_the_root(tmp_path: Path) -> None:
    root = tmp_path / "deep" / "root"

    await FileSystemStorage(root).start()

    assert root.is_dir()


async def test_objects_are_plain_files_under_the_root(fs: FileSystemStorage) -> None:
    await fs.put("users/7/a.jpg", b"jpeg bytes", "image/jpeg")

    assert (fs.root / "users" / "7" / "a.jpg").read_bytes() == b"jpeg bytes"


async def test_sidecars_are_never_listed_or_counted(fs: FileSystemStorage) -> None:
    await fs.put("users/7/a.jpg", b"x", "image/jpeg")
    await fs.put("users/7/b.meta", b"a real object named like a sidecar", "text/plain")

    assert (fs.root / "users" / "7" / ".a.jpg.meta").is_file()
    assert await fs.list_keys("users") == ["users/7/a.jpg", "users/7/b.meta"]
    assert (await fs.get("users/7/b.meta")).content_type == "text/plain"
    assert await fs.delete_prefix("users") == 2


async def test_content_type_falls_back_to_the_extension_without_sidecar(
    fs: FileSystemStorage,
) -> None:
    (fs.root / "legacy").mkdir()
    (fs.root / "legacy" / "photo.png").write_bytes(b"png")
    (fs.root / "legacy" / "blob").write_bytes(b"?")

    assert (await fs.get("legacy/photo.png")).content_type == "image/png"
    assert (await fs.get("legacy/blob")).content_type == "application/octet-stream"


async def test_delete_removes_the_sidecar(fs: FileSystemStorage) -> None:
    await fs.put("a/b.txt", b"x", "text/plain")

    await fs.delete("a/b.txt")

    assert files_under(fs.root) == []


async def test_delete_prefix_removes_emptied_folders_only(fs: FileSystemStorage) -> None:
    await fs.put("users/7/photos/1.jpg", b"x", "image/jpeg")
    await fs.put("users/7/photos/deep/2.jpg", b"x", "image/jpeg")
    await fs.put("users/8/a.jpg", b"x", "image/jpeg")

    assert await fs.delete_prefix("users/7/photos") == 2

    assert not (fs.root / "users" / "7").exists()  # emptied parents are pruned too
    assert (fs.root / "users" / "8" / "a.jpg").is_file()
    assert fs.root.is_dir()


async def test_delete_and_get_on_a_folder_are_not_objects(fs: FileSystemStorage) -> None:
    await fs.put("a/b/c.txt", b"x", "text/plain")

    await fs.delete("a/b")  # a folder, not an object: no-op
    with pytest.raises(ObjectNotFound):
        await fs.get("a/b")
    with pytest.raises(ObjectNotFound):
        await fs.get("a/b/c.txt/d")  # a "parent" that is a file

    assert await fs.exists("a/b/c.txt")


async def test_presigned_url_is_none(fs: FileSystemStorage) -> None:
    await fs.put("a.txt", b"x", "text/plain")

    assert await fs.presigned_url("a.txt", timedelta(minutes=5)) is None


# -- confinement -----------------------------------------------------------------------------------


async def test_symlinked_folder_cannot_lead_outside_the_root(
    fs: FileSystemStorage, outside: Path
) -> None:
    (fs.root / "evil").symlink_to(outside, target_is_directory=True)

    with pytest.raises(ValueError, match="outside the storage root"):
        await fs.get("evil/secret.txt")
    with pytest.raises(ValueError, match="outside the storage root"):
        await fs.exists("evil/secret.txt")
    with pytest.raises(ValueError, match="outside the storage root"):
        await fs.put("evil/planted.txt", b"pwned", "text/plain")
    with pytest.raises(ValueError, match="outside the storage root"):
        await fs.delete("evil/secret.txt")
    with pytest.raises(ValueError, match="outside the storage root"):
        await fs.delete_prefix("evil")
    with pytest.raises(ValueError, match="outside the storage root"):
        await fs.list_keys("evil")

    assert files_under(outside) == ["secret.txt"]
    assert (outside / "secret.txt").read_bytes() == b"top secret"


async def test_symlinked_file_cannot_be_read_or_overwritten(
    fs: FileSystemStorage, outside: Path
) -> None:
    (fs.root / "link.txt").symlink_to(outside / "secret.txt")

    with pytest.raises(ValueError, match="outside the storage root"):
        await fs.get("link.txt")
    with pytest.raises(ValueError, match="outside the storage root"):
        await fs.put("link.txt", b"pwned", "text/plain")

    assert await fs.list_keys("") == []  # symlinks are never listed as objects
    assert (outside / "secret.txt").read_bytes() == b"top secret"


async def test_symlinks_inside_the_root_are_left_alone_by_delete_prefix(
    fs: FileSystemStorage, outside: Path
) -> None:
    await fs.put("jobs/1/out.pdf", b"x", "application/pdf")
    (fs.root / "jobs" / "1" / "escape").symlink_to(outside, target_is_directory=True)

    assert await fs.delete_prefix("jobs/1") == 1

    assert files_under(outside) == ["secret.txt"]


@pytest.mark.parametrize(
    "key", ["../outside/secret.txt", "a/../../outside/secret.txt", "/etc/passwd"]
)
async def test_root_check_holds_even_if_key_validation_is_bypassed(
    fs: FileSystemStorage, outside: Path, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    """Defence in depth: the resolved-path check alone keeps crafted keys inside the root."""
    monkeypatch.setattr(storage.fs, "validate_key", lambda k: k)

    with pytest.raises(ValueError, match="outside the storage root"):
        await fs.get(key)
    with pytest.raises(ValueError, match="outside the storage root"):
        await fs.put(key, b"pwned", "text/plain")

    assert (outside / "secret.txt").read_bytes() == b"top secret"


# -- atomic writes ---------------------------------------------------------------------------------


async def test_failed_write_keeps_the_old_object_and_leaves_no_temp_files(
    fs: FileSystemStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    await fs.put("a/b.txt", b"old", "text/plain")
    real_replace = os.replace

    def crash_on_data_file(src: str, dst: str) -> None:
        if Path(dst).name == "b.txt":
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(storage.fs.os, "replace", crash_on_data_file)

    with pytest.raises(OSError, match="disk full"):
        await fs.put("a/b.txt", b"new half-written", "text/plain")

    assert (await fs.get("a/b.txt")).data == b"old"
    assert sorted(p.name for p in (fs.root / "a").iterdir()) == [".b.txt.meta", "b.txt"]


async def test_successful_writes_leave_no_temp_files(fs: FileSystemStorage) -> None:
    for i in range(3):
        await fs.put("a/b.txt", f"v{i}".encode(), "text/plain")

    assert sorted(p.name for p in (fs.root / "a").iterdir()) == [".b.txt.meta", "b.txt"]
