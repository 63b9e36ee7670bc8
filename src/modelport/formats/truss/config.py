"""A Truss's ``config.yaml``: read, checked, and expanded with Truss's defaults.

The model receives the expanded dict (every default filled in, as the Truss server hands it);
modelport reads the keys that shape loading and serving from :class:`TrussConfig`. Keys that need
a container build (``system_packages``, ``build_commands``, ``base_image``, ``docker_server``) are
refused with a clear error rather than ignored.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from modelport.errors import ConfigError

CONFIG_FILE = "config.yaml"

_CREDENTIAL = re.compile(
    r"(^|_)(KEY|APIKEY|TOKEN|SECRET|PASSWORD|PASSWD|PWD|CREDENTIAL|CREDENTIALS|AUTH)$"
)
"""Names of environment variables that look like credentials."""

DEFAULTS: dict[str, Any] = {
    "model_name": None,
    "model_framework": "custom",
    "model_type": "Model",
    "model_metadata": {},
    "description": None,
    "spec_version": "2.0",
    "python_version": "py39",
    "requirements": [],
    "requirements_file": None,
    "system_packages": [],
    "environment_variables": {},
    "secrets": {},
    "data_dir": "data",
    "bundled_packages_dir": "packages",
    "external_package_dirs": [],
    "model_module_dir": "model",
    "model_class_filename": "model.py",
    "model_class_name": "Model",
    "examples_filename": "examples.yaml",
    "input_type": "Any",
    "live_reload": False,
    "apply_library_patches": True,
    "build_commands": [],
    "base_image": None,
    "docker_server": None,
    "model_cache": [],
    "external_data": None,
    "resources": {"cpu": "1", "memory": "2Gi", "use_gpu": False, "accelerator": None},
    "runtime": {
        "predict_concurrency": 1,
        "streaming_read_timeout": 60,
        "enable_tracing_data": False,
    },
}

UNSUPPORTED: dict[str, str] = {
    "system_packages": "install the system packages on the serving machine (or its image)",
    "build_commands": "run the commands once on the serving machine, or move them into load()",
    "base_image": "serve in an image built from that base, and remove the key",
    "docker_server": "serve the custom server itself; modelport serves Truss models, not images",
}
"""Keys that need a container build, with what to do instead."""

_LISTS = ("requirements", "external_package_dirs")
_MAPPINGS = ("environment_variables", "secrets", "model_metadata", "resources", "runtime")
_STRINGS = (
    "data_dir",
    "bundled_packages_dir",
    "model_module_dir",
    "model_class_filename",
    "model_class_name",
    "examples_filename",
)


@dataclass(frozen=True)
class TrussConfig:
    """The keys modelport acts on, and the whole expanded dict the model is given."""

    root: Path
    expanded: dict[str, Any]
    declared: frozenset[str] = frozenset()
    """The keys config.yaml itself gives (the others hold defaults)."""
    pasted_secrets: tuple[str, ...] = ()
    """Secrets config.yaml gives a value for: blanked in ``expanded``, never packaged or used."""

    @property
    def model_name(self) -> str | None:
        name = self.expanded["model_name"]
        return str(name) if name else None

    @property
    def model_file(self) -> Path:
        expanded = self.expanded
        return self.root / str(expanded["model_module_dir"]) / str(expanded["model_class_filename"])

    @property
    def model_class_name(self) -> str:
        return str(self.expanded["model_class_name"])

    @property
    def data_dir(self) -> str:
        return str(self.expanded["data_dir"])

    @property
    def package_dirs(self) -> list[str]:
        """Folders put on the import path: the bundled packages and the external ones."""
        return [self.expanded["bundled_packages_dir"], *self.expanded["external_package_dirs"]]

    @property
    def secret_names(self) -> tuple[str, ...]:
        return tuple(str(name) for name in self.expanded["secrets"])

    @property
    def environment_variables(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in self.expanded["environment_variables"].items()}

    @property
    def credential_variables(self) -> list[str]:
        """The ``environment_variables`` with a value whose names say they hold a credential
        (``HF_TOKEN``, ``OPENAI_API_KEY``, ``DB_PASSWORD``...): their values are packaged."""
        return [
            name
            for name, value in self.environment_variables.items()
            if value and _CREDENTIAL.search(name.upper())
        ]

    @property
    def predict_concurrency(self) -> int:
        return int(self.expanded["runtime"]["predict_concurrency"])

    @property
    def requirements_file(self) -> str | None:
        value = self.expanded["requirements_file"]
        return str(value) if value else None

    @property
    def requirements(self) -> list[str]:
        return [str(line) for line in self.expanded["requirements"]]


def read_config(root: Path) -> TrussConfig:
    """``root/config.yaml``, checked and expanded (ConfigError naming the key on a problem)."""
    path = root / CONFIG_FILE
    if not path.is_file():
        raise ConfigError(
            f"{root} has no {CONFIG_FILE}",
            hint="a Truss is a folder with config.yaml and model/model.py",
            field=CONFIG_FILE,
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}", field=CONFIG_FILE) from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must hold a mapping of keys", field=CONFIG_FILE)
    blanked, pasted = blank_secret_values(raw)
    return TrussConfig(
        root=root, expanded=expand(blanked), declared=frozenset(raw), pasted_secrets=pasted
    )


def blank_secret_values(raw: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """``raw`` with every value under ``secrets:`` set to None, and the names that had one.

    Truss treats those values as placeholders; modelport reads a secret only from the serving
    machine (:mod:`modelport.secrets`), so a pasted value is dropped, not kept as a default.
    """
    secrets = raw.get("secrets")
    if not isinstance(secrets, dict):
        return raw, ()
    pasted = tuple(str(name) for name, value in secrets.items() if value is not None)
    return {**raw, "secrets": dict.fromkeys(secrets)}, pasted


def expand(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` with Truss's defaults filled in (nested ``resources`` and ``runtime`` too)."""
    _check_unsupported(raw)
    expanded = copy.deepcopy(DEFAULTS)
    for key, value in raw.items():
        if key in ("resources", "runtime") and isinstance(value, dict):
            expanded[key].update(value)
        elif value is not None or key not in _LISTS + _MAPPINGS:
            expanded[key] = value
    _check_types(expanded)
    return expanded


def _check_unsupported(raw: dict[str, Any]) -> None:
    used = [key for key in UNSUPPORTED if raw.get(key)]
    if used:
        key = used[0]
        raise ConfigError(
            f"config.yaml key {key!r} needs a container build, which modelport does not do",
            hint=f"{UNSUPPORTED[key]}"
            + (f" (also unsupported here: {', '.join(used[1:])})" if used[1:] else ""),
            field=key,
        )


def _check_types(config: dict[str, Any]) -> None:
    for key in _LISTS:
        if not isinstance(config[key], list):
            raise _wrong(key, "a list")
    for key in _MAPPINGS:
        if not isinstance(config[key], dict):
            raise _wrong(key, "a mapping")
    for key in _STRINGS:
        if not isinstance(config[key], str) or not config[key]:
            raise _wrong(key, "a non-empty string")
    concurrency = config["runtime"].get("predict_concurrency")
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise _wrong("runtime.predict_concurrency", "a whole number of at least 1")


def _wrong(key: str, expected: str) -> ConfigError:
    return ConfigError(
        f"config.yaml key {key!r} must be {expected}",
        hint="fix config.yaml (see Truss's config reference)",
        field=key,
    )
