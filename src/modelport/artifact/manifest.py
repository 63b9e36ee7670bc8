"""The artifact manifest: ``modelport.yaml`` at the root of every artifact zip.

A :class:`Manifest` says what the artifact holds (name, declared version, source format,
entry point, signature, metadata, Python version, pinned requirements), how it was built,
and the sha256 and size of every other file in the zip. It is stored as YAML with sorted
keys, written with ``yaml.safe_dump`` and read with a safe loader that refuses what modelport
never writes: anchors and aliases (an alias bomb of a few hundred bytes expands to gigabytes) and
text over :data:`MAX_MANIFEST_BYTES` (``manifest_yaml.py``).

The copy an unpacked artifact holds is written in YAML's JSON form (``to_json``), which
``from_yaml`` reads with the json module: every serving process and ``modelport serve`` read it,
and PyYAML alone took about 45 ms of their start.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from modelport.errors import ArtifactError

MANIFEST_NAME = "modelport.yaml"
"""Name of the manifest entry at the root of an artifact."""

FORMAT_VERSION = 1
"""The manifest format this modelport writes."""

READABLE_FORMAT_VERSIONS: frozenset[int] = frozenset({1})
"""The manifest formats this modelport reads."""

MAX_MANIFEST_BYTES = 16 * 1024**2
"""The largest manifest read (a model of 100,000 files has one of some 15 MiB)."""

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_PYTHON_VERSION = re.compile(r"\d+\.\d+(\.\d+)?")
_DRIVE = re.compile(r"[A-Za-z]:")
_REBUILD = "Rebuild the artifact with modelport; the manifest must not be edited by hand."


def arcname_problem(name: str) -> str | None:
    """Say what makes ``name`` unsafe as an artifact entry name, or ``None`` if it is fine.

    A safe name is a relative POSIX path: forward slashes only, no empty, ``.`` or ``..``
    component, no leading slash, no drive letter, no ``:`` and no control characters.
    """
    if not name:
        return "is empty"
    if name.startswith("/"):
        return "is an absolute path"
    if "\\" in name:
        return "contains a backslash"
    if _DRIVE.match(name):
        return "starts with a drive letter"
    if ":" in name:
        return "contains ':' (a drive letter or a Windows stream name)"
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        return "contains a control character"
    parts = name.split("/")
    if ".." in parts:
        return "contains a '..' component"
    if "" in parts or "." in parts:
        return "contains an empty or '.' component"
    return None


def layout_clash(names: Iterable[str]) -> tuple[str, str] | None:
    """Find two names that cannot both exist on disk (case-only twins, file vs folder)."""
    folded: dict[str, str] = {}
    all_names = set(names)
    for name in sorted(all_names):
        other = folded.setdefault(name.casefold(), name)
        if other != name:
            return name, f"differs from {other!r} only by case"
        parts = name.split("/")
        for end in range(1, len(parts)):
            folder = "/".join(parts[:end])
            if folder in all_names:
                return folder, f"is a file but {name!r} needs it to be a folder"
    return None


@dataclass(frozen=True)
class FileRecord:
    """The sha256 (lowercase hex) and size in bytes of one file in an artifact."""

    sha256: str
    size: int

    def to_dict(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "size": self.size}


def _current_python() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


@dataclass(frozen=True)
class Manifest:
    """What an artifact holds and how it was built (the content of ``modelport.yaml``).

    ``version`` is the model's own declared version label (``"0.1.0"``), not the number the
    registry gives it. ``signature`` and ``build`` are opaque here. ``files`` maps every
    entry name except the manifest's own to its :class:`FileRecord`; ``write_artifact``
    fills it in.
    """

    name: str
    version: str
    source_format: str
    entry_point: str
    signature: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    python_version: str = field(default_factory=_current_python)
    lock: list[str] | str = field(default_factory=list)
    files: dict[str, FileRecord] = field(default_factory=dict)
    build: dict[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    def to_dict(self) -> dict[str, Any]:
        """A plain-data copy (dicts, lists, strings, numbers) ready for YAML."""
        data = {f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self)}
        data["files"] = {name: record.to_dict() for name, record in sorted(self.files.items())}
        return data

    @classmethod
    def from_dict(cls, data: object, *, source: str = MANIFEST_NAME) -> Manifest:
        """Validate plain data and build a manifest; ``source`` names it in error messages."""
        return _parse(data, source)

    def to_yaml(self) -> str:
        """The manifest as YAML text with sorted keys (the same manifest gives the same text)."""
        from modelport.artifact import manifest_yaml

        try:
            return manifest_yaml.dump(self.to_dict())
        except manifest_yaml.Error as exc:
            raise ArtifactError(
                f"manifest of {self.name!r} holds a value YAML cannot store ({exc})",
                hint="Use only strings, numbers, booleans, None, lists and dicts in "
                "signature, metadata and build.",
            ) from exc

    def to_json(self) -> str:
        """The manifest as JSON text with sorted keys: YAML too (its flow style), which
        ``from_yaml`` reads back without PyYAML."""
        try:
            return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, indent=1)
        except (TypeError, ValueError) as exc:
            raise ArtifactError(
                f"manifest of {self.name!r} holds a value JSON cannot store ({exc})",
                hint="Use only strings, numbers, booleans, None, lists and dicts in "
                "signature, metadata and build.",
            ) from exc

    @classmethod
    def from_yaml(cls, text: str | bytes, *, source: str = MANIFEST_NAME) -> Manifest:
        """Parse YAML text (safe, without anchors or aliases) into a validated manifest; text in
        JSON form (``to_json``) is read by the json module."""
        if len(text) > MAX_MANIFEST_BYTES:
            raise ArtifactError(
                f"{source} holds {len(text)} bytes, over the {MAX_MANIFEST_BYTES} a manifest "
                "may hold",
                hint=_REBUILD,
                field=MANIFEST_NAME,
            )
        try:
            data = _load_json(text, source) if _is_json(text) else _load_yaml(text, source)
        except RecursionError as exc:
            raise ArtifactError(
                f"{source} is not valid YAML: it nests deeper than a manifest can",
                hint=_REBUILD,
                field=MANIFEST_NAME,
            ) from exc
        except UnicodeDecodeError as exc:
            raise ArtifactError(
                f"{source} is not UTF-8 text (byte {exc.start})",
                hint=_REBUILD,
                field=MANIFEST_NAME,
            ) from exc
        return _parse(data, source)


def _is_json(text: str | bytes) -> bool:
    """Whether ``text`` is a manifest as ``to_json`` writes it: a brace first (``to_yaml``
    writes block style, which never starts with one; any other text is read as YAML)."""
    return text[:1] in ("{", b"{")


def _load_json(text: str | bytes, source: str) -> object:
    try:
        return json.loads(text)
    except UnicodeDecodeError:
        raise  # reported as YAML's is, by from_yaml
    except ValueError as exc:
        raise ArtifactError(
            f"{source} is not valid YAML: {exc}", hint=_REBUILD, field=MANIFEST_NAME
        ) from exc


def _load_yaml(text: str | bytes, source: str) -> object:
    from modelport.artifact import manifest_yaml

    try:
        return manifest_yaml.load(text)
    except manifest_yaml.Error as exc:
        raise ArtifactError(
            f"{source} is not valid YAML: {manifest_yaml.problem(exc)}",
            hint=_REBUILD,
            field=MANIFEST_NAME,
        ) from exc


def _fail(source: str, key: str, problem: str) -> ArtifactError:
    return ArtifactError(
        f"{source}: field {key!r} {problem}",
        hint=_REBUILD,
        field=key,
    )


def _check_version(data: Mapping[str, Any], source: str) -> int:
    version = data.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise _fail(source, "format_version", f"must be an integer, got {version!r}")
    if version not in READABLE_FORMAT_VERSIONS:
        readable = ", ".join(str(v) for v in sorted(READABLE_FORMAT_VERSIONS))
        raise ArtifactError(
            f"{source} has manifest format_version {version}; "
            f"this modelport reads format_version {readable}",
            hint="Upgrade modelport (pip install -U modelport) to open this artifact.",
            field="format_version",
        )
    return version


def _string(data: Mapping[str, Any], key: str, source: str, *, empty: bool = False) -> str:
    value = data.get(key)
    if not isinstance(value, str) or (not empty and not value):
        raise _fail(source, key, f"must be a non-empty string, got {value!r}")
    return value


def _mapping(data: Mapping[str, Any], key: str, source: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise _fail(source, key, f"must be a mapping, got {type(value).__name__}")
    return value


def _lock(data: Mapping[str, Any], source: str) -> list[str] | str:
    value = data.get("lock", [])
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return value
    raise _fail(source, "lock", "must be the lock text or a list of requirement strings")


def _files(data: Mapping[str, Any], source: str) -> dict[str, FileRecord]:
    value = _mapping(data, "files", source)
    records: dict[str, FileRecord] = {}
    for name, record in value.items():
        key = f"files.{name}"
        if not isinstance(name, str):
            raise _fail(source, "files", f"names an entry by {name!r}, not by a string")
        problem = arcname_problem(name)
        if problem is not None:
            raise _fail(source, key, problem)
        if name == MANIFEST_NAME:
            raise _fail(source, key, "must not list the manifest itself")
        if not isinstance(record, dict) or set(record) != {"sha256", "size"}:
            raise _fail(source, key, "must hold exactly 'sha256' and 'size'")
        sha, size = record["sha256"], record["size"]
        if not isinstance(sha, str) or not _SHA256_HEX.fullmatch(sha):
            raise _fail(source, key, f"has sha256 {sha!r}, not 64 lowercase hex digits")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise _fail(source, key, f"has size {size!r}, not a non-negative integer")
        records[name] = FileRecord(sha256=sha, size=size)
    return records


_KNOWN_KEYS = frozenset(f.name for f in fields(Manifest))


def _parse(data: object, source: str) -> Manifest:
    if not isinstance(data, dict):
        raise ArtifactError(
            f"{source} is not a mapping of manifest fields",
            hint=_REBUILD,
            field=MANIFEST_NAME,
        )
    version = _check_version(data, source)
    unknown = sorted(str(key) for key in data if key not in _KNOWN_KEYS)
    if unknown:
        raise _fail(source, unknown[0], "is not a manifest field of format_version 1")
    python_version = _string(data, "python_version", source)
    if not _PYTHON_VERSION.fullmatch(python_version):
        raise _fail(
            source, "python_version", f"must look like '3.11' or '3.11.7', got {python_version!r}"
        )
    return Manifest(
        name=_string(data, "name", source),
        version=_string(data, "version", source),
        source_format=_string(data, "source_format", source),
        entry_point=_string(data, "entry_point", source, empty=True),
        signature=_mapping(data, "signature", source),
        metadata=_mapping(data, "metadata", source),
        python_version=python_version,
        lock=_lock(data, source),
        files=_files(data, source),
        build=_mapping(data, "build", source),
        format_version=version,
    )
