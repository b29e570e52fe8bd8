"""The compose file must stay a valid deployment description (no Docker engine runs here to check it)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel
from temporalio.api.enums.v1 import IndexedValueType

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


_TYPES = {"KEYWORD": "Keyword", "INT": "Int", "TEXT": "Text", "BOOL": "Bool", "DOUBLE": "Double",
          "DATETIME": "Datetime", "KEYWORD_LIST": "KeywordList"}
ONE_SHOT = {"temporal-schema", "temporal-setup", "minio-setup", "migrate"}


def _script(service: str) -> str:
    return " ".join(_compose()["services"][service]["command"])


def test_compose_registers_the_workflow_search_attributes_idempotently() -> None:
    script = _script("temporal-setup")
    for key in search_attributes.ALL:
        kind = _TYPES[IndexedValueType.Name(key.indexed_value_type).removeprefix("INDEXED_VALUE_TYPE_")]
        assert f"{key.name}:{kind}" in script, key.name
    assert "search-attribute list" in script and "--retention 14d" in script
    for service in ONE_SHOT:  # a failed step fails the job: no `|| true`, the shell stops at the first error
        definition = _compose()["services"][service]
        shell = definition.get("entrypoint") or definition["command"][:2]
        assert "|| true" not in _script(service) and shell == ["sh", "-euc"], service


def test_temporal_runs_the_server_image_with_its_schema_set_up_by_the_admin_tools() -> None:
    services = _compose()["services"]
    assert services["temporal"]["image"].startswith("temporalio/server:")
    assert not any("auto-setup" in service.get("image", "") for service in services.values())
    assert "tctl" not in (ROOT / "docker-compose.temporal.yml").read_text()
    assert services["temporal-schema"]["image"].startswith("temporalio/admin-tools:")
    script = _script("temporal-schema")
    for database in ("temporal", "temporal_visibility"):
        assert f"--db {database} setup-schema" in script and f"--db {database} update-schema" in script
    assert services["temporal"]["depends_on"]["temporal-schema"]["condition"] == "service_completed_successfully"


def test_images_are_pinned_and_every_service_is_checked_and_restarted() -> None:
    services = _compose()["services"]
    for name, service in services.items():
        if "build" not in service:
            image = service["image"]
            assert ":" in image and not image.endswith(":latest"), f"{name}: pin {image}"
        if name in ONE_SHOT:
            assert service["restart"] == "no", name
        else:
            assert "healthcheck" in service and service["restart"] == "unless-stopped", name
    images = {services[name]["image"] for name in ("migrate", "api", "worker")}
    assert len(images) == 1  # one image for the migration, the API and the workers


def test_the_app_waits_for_one_migration_and_never_migrates_itself() -> None:
    services = _compose()["services"]
    for name in ("api", "worker"):
        needs = services[name]["depends_on"]
        for job in ("migrate", "temporal-setup", "minio-setup"):
            assert needs[job]["condition"] == "service_completed_successfully", (name, job)
    assert "manage.py migrate" in _script("migrate")
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "migrate" not in dockerfile.split("CMD", 1)[1]


def test_secrets_come_from_the_env_file_and_the_app_gets_a_least_privilege_minio_user() -> None:
    compose = _compose()
    text = (ROOT / "docker-compose.temporal.yml").read_text()
    example = (ROOT / "deploy" / "production.env.example").read_text()
    required = set(re.findall(r"\$\{([A-Z_]+):\?", text))
    assert {"CALENDARY_JWT_SECRET", "APP_DB_PASSWORD", "TEMPORAL_DB_PASSWORD", "MINIO_ROOT_PASSWORD",
            "CALENDARY_MINIO_SECRET_KEY"} <= required
    assert all(re.search(rf"^{name}=", example, re.MULTILINE) for name in required), required
    for service in compose["services"].values():  # no password written into the file itself
        for key, value in (service.get("environment") or {}).items():
            if "PASSWORD" in key or "SECRET" in key or key.endswith("_PWD"):
                assert str(value).startswith("${"), key
    api = compose["services"]["api"]["environment"]
    assert "MINIO_ROOT" not in api["CALENDARY_MINIO_ACCESS_KEY"] + api["CALENDARY_MINIO_SECRET_KEY"]
    assert "CALENDARY_REPLICATE_API_TOKEN" not in api  # only the workers call Replicate
    assert compose["services"]["worker"]["environment"]["CALENDARY_REPLICATE_API_TOKEN"]
    setup = _script("minio-setup")
    assert "mc admin policy create" in setup and "s3:*" not in setup and "s3:GetObject" in setup
    assert "deploy/production.env" in (ROOT / ".gitignore").read_text()


def test_the_image_runs_unprivileged_and_leaves_secrets_and_state_out() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users and not users[-1].startswith(("root", "0"))
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", "var/", ".git/"} <= set(ignored)


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
