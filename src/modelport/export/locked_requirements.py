"""The pinned requirements an exported model installs where it runs (a container image, a Ray
``runtime_env``): the lock its artifact carries, which must be one a package index can install."""

from __future__ import annotations

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from modelport.artifact.manifest import Manifest
from modelport.errors import ConfigError

_REBUILD = "Build the project again without --env inherit, then export the new version."


def installable_lock(manifest: Manifest, reference: str) -> list[str]:
    """The lock of the version ``reference`` names (``iris:1``) as pinned requirement lines,
    modelport's own left out (it is installed from its wheel). Refused with a
    :class:`ConfigError` when the version was built in the command's interpreter (its lock
    lists that whole interpreter, tooling and editable installs included) or when a line
    names a file on this machine."""
    if manifest.build.get("environment") != "venv":
        raise ConfigError(
            f"{reference} was built with --env inherit: its lock lists the interpreter it was "
            "built in, not an environment another machine can install",
            hint=_REBUILD,
            field="--format",
        )
    lines = manifest.lock.splitlines() if isinstance(manifest.lock, str) else manifest.lock
    pinned = []
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement as exc:
            raise ConfigError(
                f"{reference}'s lock has a line that is not a requirement: {line!r}",
                hint=_REBUILD,
                field="--format",
            ) from exc
        if canonicalize_name(requirement.name) == "modelport":
            continue
        if requirement.url is not None and requirement.url.startswith("file:"):
            raise ConfigError(
                f"{reference}'s requirement {requirement.name} is a file on this machine "
                f"({requirement.url})",
                hint="Publish it to a package index the target can reach, require it by "
                "name and version, and build again.",
                field="--format",
            )
        pinned.append(line)
    return pinned
