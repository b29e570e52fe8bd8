"""The compose file must stay a valid deployment description (no Docker engine runs here to check it)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel

from contracts import search_attributes
from settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def _environment_variables() -> Iterator[str]:
    """The variable of every setting; a nested model's fields are CALENDARY_{FIELD}_{SUBFIELD}."""
    for name, field in Settings.model_fields.items():
        nested = field.annotation if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel) \
            else None
        if nested is None:
            yield f"CALENDARY_{name.upper()}"
        else:
            yield from (f"CALENDARY_{name}_{sub}".upper() for sub in nested.model_fields)


def test_nested_settings_are_listed_field_by_field() -> None:
    assert {"CALENDARY_DATABASE_URL", "CALENDARY_REPLICATE_API_TOKEN", "CALENDARY_REPLICATE_WEBHOOK_SECRET"} \
        <= set(_environment_variables())
    assert "CALENDARY_REPLICATE" not in set(_environment_variables())


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.temporal.yml").read_text())


def test_every_service_is_runnable_and_depends_on_real_services() -> None:
    services = _compose()["services"]
    assert {"temporal", "temporal-ui", "app-db", "minio", "api", "worker"} <= set(services)
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"


def test_app_environment_names_real_settings() -> None:
    environment = _compose()["services"]["api"]["environment"]
    unknown = set(environment) - set(_environment_variables())
    assert not unknown, f"compose sets variables no setting reads: {unknown}"


def test_compose_registers_the_workflow_search_attributes() -> None:
    command = " ".join(_compose()["services"]["temporal-search-attributes"]["command"])
    for key in search_attributes.ALL:
        assert f"--name {key.name}" in command


def test_readme_opens_with_the_two_commands() -> None:
    opening = (ROOT / "README.md").read_text()[:1500]
    assert "make run" in opening and "make test" in opening


def test_every_setting_is_documented() -> None:
    documented = (ROOT / "README.md").read_text() + (ROOT / "docs" / "replicate.md").read_text()
    missing = [name for name in _environment_variables()
               if f"`{name}`" not in documented and not _listed_as_group(name, documented)]
    assert not missing, f"settings missing from README.md / docs/replicate.md: {missing}"


def _listed_as_group(variable: str, documented: str) -> bool:
    """README lists families compactly, e.g. `CALENDARY_MINIO_ENDPOINT` / `_ACCESS_KEY`."""
    prefix, _, rest = variable.removeprefix("CALENDARY_").partition("_")
    return f"CALENDARY_{prefix}_" in documented and f"`_{rest}`" in documented


def media_cache_config() -> str:
    """nginx's configuration as the container gets it (compose turns `$$` into `$`)."""
    compose = _compose()
    [mount] = compose["services"]["media-cache"]["configs"]
    assert mount["target"] == "/etc/nginx/conf.d/default.conf"
    return compose["configs"][mount["source"]]["content"].replace("$$", "$")


def test_a_caching_proxy_with_its_cache_on_a_volume_fronts_minio() -> None:
    compose = _compose()
    proxy = compose["services"]["media-cache"]
    assert proxy["image"].startswith("nginx:") and not proxy["image"].endswith(":latest")
    assert proxy["depends_on"]["minio"]["condition"] == "service_healthy" and "healthcheck" in proxy
    [volume] = proxy["volumes"]
    name, _, cache_dir = volume.partition(":")
    assert name in compose["volumes"]
    config = media_cache_config()
    assert f"proxy_cache_path {cache_dir} " in config
    assert compose["services"]["api"]["depends_on"]["media-cache"]["condition"] == "service_healthy"


def test_the_proxy_forwards_to_the_host_links_are_signed_for_and_caches_by_the_signed_url() -> None:
    environment = _compose()["services"]["api"]["environment"]
    config = media_cache_config()
    # proxy_pass's default Host header is the upstream's host:port: the endpoint MinIO's links were signed for.
    assert f"proxy_pass http://{environment['CALENDARY_MINIO_ENDPOINT']};" in config
    assert "proxy_set_header Host" not in config and "CALENDARY_MINIO_PUBLIC_ENDPOINT" not in environment
    assert "proxy_cache_key $request_uri;" in config  # the whole signed URL: no hit without a valid link
    assert "limit_except GET HEAD" in config
    # An answer is kept no longer than half a link's lifetime (the window in which the same link is handed out).
    ttl = Settings(_env_file=None, presigned_url_ttl=environment["CALENDARY_PRESIGNED_URL_TTL"]).presigned_url_ttl
    [kept] = re.findall(r"proxy_cache_valid 200 (\d+)s;", config)
    assert int(kept) <= ttl.total_seconds() / 2


def test_image_links_point_at_the_proxy() -> None:
    compose = _compose()
    base = compose["services"]["api"]["environment"]["CALENDARY_MEDIA_BASE_URL"]
    default = re.fullmatch(r"\$\{CALENDARY_MEDIA_BASE_URL:-(.+)\}", base)
    assert default is not None
    port = urlsplit(default.group(1)).port
    [published] = compose["services"]["media-cache"]["ports"]
    assert published.endswith(f":{port}:8090") and "listen 8090;" in media_cache_config()


def test_healthchecks_use_the_readiness_routes_and_monitoring_is_provisioned() -> None:
    services = _compose()["services"]
    assert "/readyz" in " ".join(services["api"]["healthcheck"]["test"])
    worker = services["worker"]
    assert "/healthz" in " ".join(worker["healthcheck"]["test"])
    assert worker["environment"]["CALENDARY_WORKER_METRICS_ADDRESS"].endswith(":9464")
    assert worker["depends_on"]["api"]["condition"] == "service_healthy"
    mounted = [volume.split(":")[0] for name in ("prometheus", "grafana") for volume in services[name]["volumes"]]
    for source in mounted:
        if source.startswith("./"):
            assert (ROOT / source).exists(), f"compose mounts missing {source}"
    assert {"./deploy/prometheus/prometheus.yml", "./deploy/prometheus/alerts.yml",
            "./deploy/grafana/provisioning", "./deploy/grafana/dashboards"} <= set(mounted)
    scrape = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in scrape["scrape_configs"]}
    assert jobs["calendary-api"]["static_configs"][0]["targets"] == ["api:8000"]
    assert jobs["calendary-worker"]["dns_sd_configs"][0]["port"] == 9464
