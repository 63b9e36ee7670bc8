"""modelport's settings: one reader for every setting, each with a default that works on a laptop.

Where a setting's value comes from, the first found wins:

1. a command-line flag, where the command has one (``--registry``);
2. the environment variable ``MODELPORT_<NAME>`` (``MODELPORT_HOME``; an empty value is unset);
3. the settings file: ``$MODELPORT_CONFIG`` when set (it must exist), else ``./modelport.toml``
   when there is one, else ``modelport.toml`` in the home folder (``$MODELPORT_HOME``, default
   ``~/.modelport``); its top-level keys are the names below (``home = "/data/modelport"``);
4. the default.

Every command reads the settings first, so reading them costs next to nothing: the standard
library's ``tomllib``, no pydantic (pydantic-settings alone takes 0.15 s to import here).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from modelport.errors import ConfigError

ENV_PREFIX = "MODELPORT_"
CONFIG_FILE = "modelport.toml"
CONFIG_ENV = f"{ENV_PREFIX}CONFIG"
DEFAULT_MAX_ARTIFACT_BYTES = 2 * 1024**3
"""The default bound on what an artifact unpacks to: 2 GiB (MODELPORT_MAX_ARTIFACT_BYTES)."""


def default_home() -> Path:
    """``~/.modelport``: the home folder when no setting names one."""
    return Path.home() / ".modelport"


@dataclass(frozen=True)
class Found:
    """A setting's raw value and where it was read (named in errors)."""

    value: object
    where: str


def _env(name: str, environ: Mapping[str, str]) -> Found | None:
    key = f"{ENV_PREFIX}{name.upper()}"
    value = environ.get(key)
    if value is None:  # any case, as earlier versions read them
        value = next((v for k, v in environ.items() if k.upper() == key), None)
    return Found(value, key) if value else None


def config_file(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path | None:
    """The settings file that counts (see the module docstring), or None when there is none."""
    environ = os.environ if environ is None else environ
    named = environ.get(CONFIG_ENV)
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"{CONFIG_ENV} names {path}, which is not a file",
                hint=f"create it, or unset {CONFIG_ENV} to use ./{CONFIG_FILE}",
                field=CONFIG_ENV,
            )
        return path
    local = (cwd or Path.cwd()) / CONFIG_FILE
    if local.is_file():
        return local
    home = _env("home", environ)
    in_home = (Path(str(home.value)).expanduser() if home else default_home()) / CONFIG_FILE
    return in_home if in_home.is_file() else None


def read_config(path: Path) -> dict[str, Found]:
    """The settings file's values by setting name; unknown keys and bad TOML are refused."""
    import tomllib  # only where there is a settings file

    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(
            f"cannot read the settings file {path}: {exc}",
            hint="fix it (TOML: name = value lines), or remove it",
            field=str(path),
        ) from exc
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(
            f"{path}: unknown setting {unknown[0]!r}",
            hint=f"the settings are: {', '.join(sorted(known))}",
            field=unknown[0],
        )
    return {name: Found(value, f"{name} in {path}") for name, value in table.items()}


_read: dict[tuple[Path, int, int], dict[str, Found]] = {}
"""Settings files read so far, by path, modification time and size: read once each."""


def _sources() -> tuple[Mapping[str, str], dict[str, Found]]:
    path = config_file()
    if path is None:
        return os.environ, {}
    stat = path.stat()
    key = (path.resolve(), stat.st_mtime_ns, stat.st_size)
    if key not in _read:
        _read[key] = read_config(path)
    return os.environ, _read[key]


def _reader(name: str, parse: Callable[[Found], Any], default: Callable[[], Any]) -> Any:
    """Reads setting ``name`` from the environment, else the settings file, else ``default``."""

    def read() -> Any:
        environ, config = _sources()
        found = _env(name, environ) or config.get(name)
        return default() if found is None else parse(found)

    return read


def _path(found: Found) -> Path:
    if not isinstance(found.value, str) or not found.value:
        raise _invalid(found, "a folder path")
    return Path(found.value).expanduser()


def _text(found: Found) -> str:
    if not isinstance(found.value, str):
        raise _invalid(found, "a string")
    return found.value


def _words(found: Found) -> tuple[str, ...]:
    """A list: a TOML list of strings, or text separated by whitespace (as pip's variables)."""
    value = found.value
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list) and all(isinstance(item, str) and item for item in value):
        return tuple(value)
    raise _invalid(found, "a list of strings (or one string of them separated by spaces)")


def _positive_int(found: Found) -> int:
    value = found.value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = int(value.replace("_", ""))
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _invalid(found, "a positive whole number")
    return value


def _file_path(found: Found) -> Path:
    if not isinstance(found.value, str) or not found.value:
        raise _invalid(found, "a file path")
    return Path(found.value).expanduser()


def _flag(found: Found) -> bool:
    value = found.value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off"):
        return False
    if isinstance(value, bool):
        return value
    raise _invalid(found, "true or false")


def _positive_number(found: Found) -> float:
    value = found.value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise _invalid(found, "a positive number of seconds")
    return float(value)


def _invalid(found: Found, wanted: str) -> ConfigError:
    return ConfigError(
        f"{found.where} is {found.value!r}, not {wanted}",
        hint=f"set it to {wanted}, or remove it to use the default",
        field=found.where.split(" in ")[0],
    )


@dataclass
class Settings:
    """modelport's settings. Reading them has no side effect: nothing is created here."""

    home: Path = field(default_factory=_reader("home", _path, default_home))
    """Folder holding the embedded registry (SQLite), blobs and environments."""
    registry_uri: str | None = field(default_factory=_reader("registry_uri", _text, lambda: None))
    """Registry to use; defaults to sqlite:///<home>/registry.db."""
    blobs_uri: str | None = field(default_factory=_reader("blobs_uri", _text, lambda: None))
    """Where artifact blobs are stored: a folder (a path or ``file://`` URI) or
    ``s3://bucket/prefix``; defaults to the folder <home>/blobs."""
    max_artifact_bytes: int = field(
        default_factory=_reader(
            "max_artifact_bytes", _positive_int, lambda: DEFAULT_MAX_ARTIFACT_BYTES
        )
    )
    """Largest total uncompressed size an artifact may unpack to (zip-bomb guard; 2 GiB)."""
    secrets_dir: Path = field(
        default_factory=_reader("secrets_dir", _path, lambda: Path("/secrets"))
    )
    """A folder of files, one per secret, named after it (a mounted Kubernetes secret)."""
    workspace: str = field(default_factory=_reader("workspace", _text, lambda: "default"))
    """The workspace whose stored secrets (``modelport secret set``) a served model reads."""
    token: str | None = field(default_factory=_reader("token", _text, lambda: None))
    """The API token sent to a registry server (``--registry https://...``)."""
    connections_key: str | None = field(
        default_factory=_reader("connections_key", _text, lambda: None)
    )
    """The Fernet key (urlsafe base64 of 32 bytes) encrypting registry connections' tokens at
    rest; unset, a key file ``<home>/connections.key`` is made once (mode 0600) and used."""
    environment: str | None = field(default_factory=_reader("environment", _text, lambda: None))
    """The deployment environment handed to a Truss model: a name (``production``) or a JSON
    object with ``name`` and settings."""
    index_url: str | None = field(default_factory=_reader("index_url", _text, lambda: None))
    """The package index model environments install from instead of pip's or uv's (PyPI)."""
    extra_index_urls: tuple[str, ...] = field(
        default_factory=_reader("extra_index_urls", _words, tuple)
    )
    """More package indexes for model environments, besides pip's and uv's configured ones."""
    find_links: tuple[str, ...] = field(default_factory=_reader("find_links", _words, tuple))
    """Folders of wheels (or pages linking them) model environments may install from, besides
    pip's configured ones: a CPU build of torch, a private package."""

    max_connections: int = field(
        default_factory=_reader("max_connections", _positive_int, lambda: 1000)
    )
    """Connections a server holds at once (``serve --max-connections``)."""
    max_in_flight: int = field(default_factory=_reader("max_in_flight", _positive_int, lambda: 256))
    """Requests a server answers at once, probes aside; 503 above (``serve --max-in-flight``)."""
    auth_tokens_file: Path | None = field(
        default_factory=_reader("auth_tokens_file", _file_path, lambda: None)
    )
    """A file of bearer tokens, one a line, a server requires (``serve --auth-tokens-file``)."""
    require_signatures: bool = field(
        default_factory=_reader("require_signatures", _flag, lambda: False)
    )
    """Refuse artifacts not signed by a trusted key (``modelport keys``) on import and serve."""
    registry_wait: float = field(
        default_factory=_reader("registry_wait", _positive_number, lambda: 120.0)
    )
    """Seconds a command waits for another process's hold on the embedded registry to end."""

    def __post_init__(self) -> None:
        self.home = Path(self.home)

    @property
    def resolved_registry_uri(self) -> str:
        return self.registry_uri or f"sqlite:///{self.home / 'registry.db'}"

    @property
    def blobs_dir(self) -> Path:
        """The default blob store: a folder in the home."""
        return self.home / "blobs"

    @property
    def resolved_blobs_uri(self) -> str:
        return self.blobs_uri or str(self.blobs_dir)

    @property
    def blob_cache_dir(self) -> Path:
        """Where blobs fetched from a remote store are kept, by digest, to be read locally."""
        return self.home / "cache" / "blobs"

    @property
    def envs_dir(self) -> Path:
        return self.home / "envs"

    @property
    def keys_dir(self) -> Path:
        """The registry's signing key and trusted public keys (``artifact.signing``)."""
        return self.home / "keys"


def get_settings() -> Settings:
    """Read the settings afresh (cheap; tests change the environment between calls)."""
    return Settings()
