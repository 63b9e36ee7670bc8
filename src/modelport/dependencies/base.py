"""What every dependency file reads into, and the text helpers their readers share."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from modelport.errors import ConfigError

DependencyKind = Literal["requirements", "pep621", "poetry", "conda", "python_env"]


@dataclass(frozen=True)
class Dependencies:
    """What a dependency file asks for."""

    source: Path
    requirements: tuple[str, ...] = ()
    """PEP 508 requirement strings."""
    options: tuple[str, ...] = ()
    """pip options uv understands in a requirements file, one per line (``--index-url URL``)."""
    python_requirement: str | None = None
    """The Python version specifier the file asks for (informational only)."""


def file_error(path: Path, where: str, problem: str, hint: str) -> ConfigError:
    return ConfigError(f"{where}: {problem}", hint=hint, field=str(path))


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise file_error(path, str(path), f"not UTF-8 text ({exc})", "Save it as UTF-8.") from exc


def load_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise file_error(path, str(path), f"invalid TOML ({exc})", "Fix the TOML syntax.") from exc
