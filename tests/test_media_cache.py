"""The compose file's media-cache, run for real: its nginx configuration in front of an S3 server (moto), with the
links the API signs through CALENDARY_MEDIA_BASE_URL. Needs an `nginx` binary (skipped without one; Docker does
not run here)."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api.media import media_url
from storage.s3 import S3Storage
from testkit.settings import make_settings
from tests.fakes.s3 import MOTO_ACCESS_KEY, MOTO_SECRET_KEY
from tests.test_deployment_files import media_cache_config

pytestmark = pytest.mark.s3

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def media_cache(tmp_path: Path, moto_s3_endpoint: str) -> AsyncIterator[str]:
    """The proxy on a free port, forwarding to moto instead of minio:9000; yields its base URL."""
    if not Path(NGINX).exists():
        pytest.skip("no nginx binary (apt-get install nginx-light) to run the compose file's media-cache with")
    port = _free_port()
    config = (media_cache_config().replace("http://minio:9000", f"http://{moto_s3_endpoint}")
              .replace("listen 8090;", f"listen 127.0.0.1:{port};")
              .replace("/var/cache/nginx/media", str(tmp_path / "cache")))
    tmp_path.chmod(0o777)  # nginx's workers drop to an unprivileged user when started as root
    (tmp_path / "logs").mkdir()
    main = tmp_path / "nginx.conf"
    main.write_text(f"daemon off; pid {tmp_path}/nginx.pid; error_log {tmp_path}/logs/error.log;\n"
                    + ("user root;\n" if os.geteuid() == 0 else "")
                    + f"events {{}}\nhttp {{\naccess_log off; client_body_temp_path {tmp_path}/body; "
                    f"proxy_temp_path {tmp_path}/proxy;\n{config}\n}}\n")
    options = ["-p", str(tmp_path), "-c", str(main)]
    checked = await asyncio.create_subprocess_exec(NGINX, "-t", *options, stderr=asyncio.subprocess.PIPE)
    _, complaints = await checked.communicate()
    assert checked.returncode == 0, complaints.decode()
    server = await asyncio.create_subprocess_exec(NGINX, *options)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client, asyncio.timeout(10):
            while True:
                try:
                    if (await client.get(f"{base}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
        yield base
    finally:
        server.terminate()
        await asyncio.wait_for(server.wait(), timeout=10)


async def test_the_proxy_serves_a_second_load_of_a_link_from_its_cache(
        media_cache: str, moto_s3_endpoint: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, storage_backend="minio", minio_endpoint=moto_s3_endpoint,
                             minio_access_key=MOTO_ACCESS_KEY, minio_secret_key=MOTO_SECRET_KEY,
                             minio_bucket="media-cache", media_base_url=media_cache)
    storage = S3Storage(moto_s3_endpoint, MOTO_ACCESS_KEY, MOTO_SECRET_KEY, "media-cache")
    await storage.start()
    await storage.put("users/1/photos/a.thumb.jpg", b"\xff\xd8\xff not really a JPEG", "image/jpeg")
    url = await media_url(storage, settings, "users/1/photos/a.thumb.jpg")
    assert url.startswith(f"{media_cache}/media-cache/users/1/photos/a.thumb.jpg?")

    async with httpx.AsyncClient() as client:
        first, second = await client.get(url), await client.get(url)
        unchanged = await client.get(url, headers={"If-None-Match": second.headers["etag"]})
        written = await client.put(url, content=b"overwritten")

    assert (first.status_code, first.headers["x-cache-status"]) == (200, "MISS")
    assert (second.status_code, second.headers["x-cache-status"]) == (200, "HIT")
    assert second.content == first.content == b"\xff\xd8\xff not really a JPEG"
    assert second.headers["cache-control"] == "private, max-age=900, immutable"
    assert (unchanged.status_code, unchanged.headers["x-cache-status"]) == (304, "HIT")
    assert written.status_code == 403  # reads only
    assert (await storage.get("users/1/photos/a.thumb.jpg")).data == first.content
