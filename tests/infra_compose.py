"""Read infra/compose.yaml the way Compose does, without a Docker engine.

Why: CI has no Docker, so the deployment file is checked statically. Compose substitutes
`${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}` and `$$` in values
(after YAML anchors and merge keys are resolved); this module does the same with the variables of
infra/.env.example, so the checks see what `docker compose config` would see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
INFRA = ROOT / "infra"
COMPOSE_FILE = INFRA / "compose.yaml"
ENV_EXAMPLE = INFRA / ".env.example"

# `$$` (an escaped dollar) or a braced/unbraced reference with an optional modifier.
_REFERENCE = re.compile(
    r"\$\$|\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?])?(?P<arg>[^}]*)\}"
    r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)


class InterpolationError(ValueError):
    """A `${VAR:?…}` / `${VAR?…}` variable is missing, as Compose would refuse it."""


@dataclass(frozen=True)
class Reference:
    name: str
    required: bool  # `:?` or `?`: Compose refuses to start without it


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; `#` comments and blank lines ignored; values taken literally."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise ValueError(f"{path.name}: not KEY=VALUE: {line!r}")
        values[key.strip()] = value.strip()
    return values


def references(text: str) -> list[Reference]:
    """Every variable a compose text names (escaped `$$` excluded)."""
    found = []
    for match in _REFERENCE.finditer(text):
        name = match.group("braced") or match.group("bare")
        if name:
            found.append(Reference(name, "?" in (match.group("op") or "")))
    return found


def interpolate_text(text: str, env: dict[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("braced") or match.group("bare")
        op, arg = match.group("op") or "", match.group("arg") or ""
        value = env.get(name)
        missing = value is None or (op.startswith(":") and value == "")
        if op.endswith("?") and missing:
            raise InterpolationError(f"{name}: {arg or 'required'}")
        if op.endswith("-") and missing:
            return arg
        return value or ""

    return _REFERENCE.sub(substitute, text)


def interpolate(node: Any, env: dict[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate_text(node, env)
    if isinstance(node, dict):
        return {key: interpolate(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(item, env) for item in node]
    return node


def filled_env() -> dict[str, str]:
    """.env.example with the required secrets set to dummies, as an operator fills them in.

    Optional values stay empty, so an empty optional setting must be one Compose and jikimi accept.
    """
    env = read_env_file(ENV_EXAMPLE)
    required = {ref.name for ref in references(COMPOSE_FILE.read_text(encoding="utf-8"))
                if ref.required}
    for name in required:
        env[name] = env.get(name) or f"test{name.lower().replace('_', '')}"
    return env


def load_compose(env: dict[str, str] | None = None) -> dict[str, Any]:
    raw = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    loaded: dict[str, Any] = interpolate(raw, filled_env() if env is None else env)
    return loaded


def environment_of(service: dict[str, Any]) -> dict[str, str]:
    """A service's `environment`, list or mapping form, as strings."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def container_ports(service: dict[str, Any]) -> set[int]:
    """Ports the service listens on inside the network: `expose` and the target of `ports`."""
    ports = {int(str(port).split("/")[0]) for port in service.get("expose", [])}
    for entry in service.get("ports", []):
        target = entry["target"] if isinstance(entry, dict) else str(entry).rsplit(":", 1)[-1]
        ports.add(int(str(target).split("/")[0]))
    return ports
