"""Where model environments find their packages: the user's pip configuration, modelport's
settings and the build's flags, as the pip options uv reads in a requirements file.

uv reads its own settings (``UV_*`` variables, ``uv.toml``) but not pip's, so a machine set up for
pip (a folder of CPU wheels in ``find-links``, a private index in ``extra-index-url``) would have
uv fetch packages elsewhere: a ``torch`` from PyPI is a multi-GB GPU build. This module reads what
pip would, in pip's order (a later source overrides an earlier one):

1. the pip.conf files: ``<dir>/pip/pip.conf`` for each of ``$XDG_CONFIG_DIRS`` (``/etc/xdg``),
   ``/etc/pip.conf``, ``~/.pip/pip.conf``, ``~/.config/pip/pip.conf`` (``$XDG_CONFIG_HOME``), then
   ``$PIP_CONFIG_FILE`` (when it is ``/dev/null``, no file at all); in each, ``[install]`` over
   ``[global]``;
2. ``PIP_INDEX_URL``, ``PIP_EXTRA_INDEX_URL``, ``PIP_FIND_LINKS``, ``PIP_NO_INDEX``.

Then modelport's settings (``index_url``, ``extra_index_urls``, ``find_links``) and the build's
flags (``--index-url``, ``--extra-index-url``, ``--find-links``) are added: extra indexes and
find-links add up, an index URL replaces the one before it. pip's index URL is left out when uv's
own (``UV_INDEX_URL``, ``UV_DEFAULT_INDEX``) is set, so uv's settings keep their say. The result is
part of the environment's key, so a changed index gives a new environment.
"""

from __future__ import annotations

import configparser
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from modelport.errors import ConfigError
from modelport.settings import Settings

__all__ = [
    "PackageIndex",
    "configured_index",
    "environment_options",
    "pip_config_files",
    "pip_index",
    "redacted",
]

SYSTEM_PIP_CONF = Path("/etc/pip.conf")
"""pip's system-wide file besides those in ``$XDG_CONFIG_DIRS``."""
_UV_INDEX_VARIABLES = ("UV_INDEX_URL", "UV_DEFAULT_INDEX")
_TRUE = {"1", "true", "yes", "on"}
_INDEX_URL = "--index-url "


@dataclass(frozen=True)
class PackageIndex:
    """Where packages come from: an index replacing PyPI, extra indexes, local wheel folders."""

    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    no_index: bool = False

    def options(self) -> list[str]:
        """The pip options (one per line, as a requirements file holds them) that uv reads."""
        lines = [f"--index-url {self.index_url}"] if self.index_url else []
        lines += [f"--extra-index-url {url}" for url in _unique(self.extra_index_urls)]
        lines += [f"--find-links {link}" for link in _unique(self.find_links)]
        return [*lines, "--no-index"] if self.no_index else lines

    def adding(
        self,
        *,
        index_url: str | None = None,
        extra_index_urls: Sequence[str] = (),
        find_links: Sequence[str] = (),
    ) -> PackageIndex:
        """This index with more sources: an index URL replaces this one's, the rest add up."""
        return PackageIndex(
            index_url=index_url or self.index_url,
            extra_index_urls=(*self.extra_index_urls, *extra_index_urls),
            find_links=(*self.find_links, *(_absolute(link) for link in find_links)),
            no_index=self.no_index,
        )


def pip_config_files(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The pip.conf files pip reads, lowest priority first (those that exist)."""
    environ = os.environ if environ is None else environ
    named = environ.get("PIP_CONFIG_FILE")
    if named == os.devnull:
        return []
    home = Path(environ.get("HOME") or Path.home())
    system_dirs = (environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep)
    user_dir = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
    candidates = [Path(d) / "pip" / "pip.conf" for d in system_dirs if d]
    candidates += [SYSTEM_PIP_CONF, home / ".pip" / "pip.conf", user_dir / "pip" / "pip.conf"]
    if named:
        candidates.append(Path(named).expanduser())
    return [path for path in candidates if path.is_file()]


def pip_index(environ: Mapping[str, str] | None = None) -> PackageIndex:
    """The package index pip would use here, from its configuration files and variables."""
    environ = os.environ if environ is None else environ
    values: dict[str, str] = {}
    for path in pip_config_files(environ):
        values.update(_read_pip_conf(path))
    for key in ("index-url", "extra-index-url", "find-links", "no-index"):
        variable = "PIP_" + key.upper().replace("-", "_")
        if environ.get(variable):
            values[key] = environ[variable]
    index_url = values.get("index-url")
    if any(environ.get(name) for name in _UV_INDEX_VARIABLES):
        index_url = None  # uv's own setting wins
    return PackageIndex(
        index_url=index_url.strip() or None if index_url else None,
        extra_index_urls=tuple(values.get("extra-index-url", "").split()),
        find_links=tuple(_absolute(link) for link in values.get("find-links", "").split()),
        no_index=values.get("no-index", "").strip().lower() in _TRUE,
    )


def _read_pip_conf(path: Path) -> dict[str, str]:
    """A pip.conf's settings, ``[install]`` over ``[global]``, names as pip spells them."""
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read the pip configuration {path}: {exc}",
            hint="fix the file (INI: [global] then key = value lines), or set "
            "PIP_CONFIG_FILE=/dev/null to have modelport ignore pip's configuration",
            field=str(path),
        ) from exc
    found: dict[str, str] = {}
    for section in ("global", "install"):
        if parser.has_section(section):
            for key, value in parser.items(section):
                found[key.replace("_", "-")] = value
    return found


def _absolute(link: str) -> str:
    """A find-links location; a local folder made absolute (uv reads it from another folder)."""
    if "://" in link:
        return link
    return str(Path(link).expanduser().resolve())


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def configured_index(
    settings: Settings,
    *,
    index_url: str | None = None,
    extra_index_urls: Sequence[str] = (),
    find_links: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
) -> PackageIndex:
    """pip's index, then modelport's settings, then a build's flags (see the module docstring)."""
    return (
        pip_index(environ)
        .adding(
            index_url=settings.index_url,
            extra_index_urls=settings.extra_index_urls,
            find_links=settings.find_links,
        )
        .adding(index_url=index_url, extra_index_urls=extra_index_urls, find_links=find_links)
    )


def environment_options(
    file_options: Sequence[str], index: PackageIndex, *, index_url_flag: str | None = None
) -> list[str]:
    """A dependency file's own options, then ``index``'s, as one list uv accepts: it takes one
    ``--index-url`` only, so the file's replaces the configured one (the project knows where its
    packages live), and a ``--index-url`` flag replaces the file's. Repeated lines go once."""
    configured = index.options()
    if any(line.startswith(_INDEX_URL) for line in file_options):
        if index_url_flag:
            file_options = [line for line in file_options if not line.startswith(_INDEX_URL)]
        else:
            configured = [line for line in configured if not line.startswith(_INDEX_URL)]
    return _unique([*file_options, *configured])


def redacted(options: Sequence[str]) -> str:
    """Index options as a progress line shows them: passwords and tokens in URLs blanked."""
    return ", ".join(re.sub(r"//[^/@\s]+@", "//***@", option) for option in options)
