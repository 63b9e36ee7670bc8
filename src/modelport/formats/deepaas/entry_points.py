"""DEEPaaS entry points: the ``deepaas.v2.model`` group, read from a package's files (the same
entries its installed distribution carries), and loaded as the model object they name.

An entry point names a module (``pkg.api``: its functions are the model API) or a class
(``pkg.api:Model``: instantiated once, as the DEEPaaS documentation says) or any other
attribute (used as it is).
"""

from __future__ import annotations

import configparser
import importlib
import inspect
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelport.errors import ConfigError
from modelport.registry.refs import NAME_MAX

GROUP = "deepaas.v2.model"
FORMAT_NAME = "deepaas"
"""The convention's name (its format adapter's and its Servables' ``source_format``)."""


@dataclass(frozen=True)
class EntryPoint:
    """One model a DEEPaaS package offers: its name (the route segment) and what it names."""

    name: str
    value: str
    """``module`` or ``module:attribute``."""

    def load(self) -> Any:
        """The model object: the module, an instance of the named class, or the attribute."""
        module_name, _, attribute = self.value.partition(":")
        try:
            target: Any = importlib.import_module(module_name.strip())
            for part in filter(None, attribute.strip().split(".")):
                target = getattr(target, part)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(
                f"DEEPaaS entry point {self.name!r} = {self.value!r} cannot be loaded: {exc}",
                hint="check the [deepaas.v2.model] entry point and that the package imports",
                field=self.name,
            ) from exc
        if inspect.isclass(target):
            return target()
        return target


def model_name(entry_name: str) -> str:
    """The registry name of an entry point's model: lower case, other characters as ``-``."""
    name = re.sub(r"[^a-z0-9]+", "-", entry_name.lower()).strip("-")[:NAME_MAX].strip("-")
    if not name:
        raise ConfigError(
            f"DEEPaaS entry point {entry_name!r} gives no usable model name",
            hint="name the entry point with letters or digits, e.g. my-model = pkg.api",
            field=entry_name,
        )
    return name


def project_entry_points(root: Path) -> list[EntryPoint]:
    """The entry points a package folder declares in ``pyproject.toml`` or ``setup.cfg``."""
    declared: dict[str, str] = {}
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        data = tomllib.loads(pyproject.read_text())
        group = data.get("project", {}).get("entry-points", {}).get(GROUP, {})
        declared.update({str(k): str(v) for k, v in group.items()})
    setup_cfg = root / "setup.cfg"
    if setup_cfg.is_file():
        parser = configparser.ConfigParser()
        parser.read(setup_cfg)
        if parser.has_option("entry_points", GROUP):
            declared.update(_parse_lines(parser.get("entry_points", GROUP)))
        if parser.has_section("options.entry_points"):
            section = "options.entry_points"
            if parser.has_option(section, GROUP):
                declared.update(_parse_lines(parser.get(section, GROUP)))
    return [EntryPoint(name, declared[name]) for name in sorted(declared)]


def declares_entry_points(root: Path) -> bool:
    """Whether the folder's packaging files mention the DEEPaaS group (no code is run)."""
    for name in ("pyproject.toml", "setup.cfg", "setup.py"):
        path = root / name
        if path.is_file() and GROUP in path.read_text(errors="replace"):
            return True
    return False


def _parse_lines(text: str) -> dict[str, str]:
    entries: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip():
            entries[name.strip()] = value.strip()
    return entries
