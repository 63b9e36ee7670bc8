"""modelport's own requirements in a model's environment: the serving runtime, what the model's
convention needs, and the limits that keep them importable with the project's pins.

A model's environment runs the serving process, the build step (``builder/worker.py``), the
project's tests (pytest) and ``modelport predict``'s prediction (``cli/predict_here.py``, which
needs neither Typer nor Rich): it gets :data:`RUNTIME`, the part of modelport's dependencies those
need, and not the tooling (the registry's SQLAlchemy and Alembic, uv for builds, the command
line's Typer and Rich), which only the command that builds and registers runs. modelport itself
goes in without its dependencies (``--no-deps``). A convention
whose processes need more declares it (``ModelFormat.runtime_requirements``: Truss's msgpack,
DEEPaaS's training store in the registry database), and a bare name of one of modelport's own
dependencies takes modelport's bounds, so they are written once, in pyproject.toml.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Iterable, Sequence

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

RUNTIME = frozenset(
    {
        "cloudpickle",  # model instances
        "grpcio",  # serve --grpc-port (imported only then)
        "httpx",  # modelport.Client, which the project's integration tests call the model with
        "numpy",
        "orjson",
        "packaging",
        "pandas",  # left out for models that take no DataFrames
        "prometheus-client",
        "protobuf",  # the gRPC messages
        "pyarrow",
        "pydantic",  # Truss's typed inputs
        "pytest",  # the project's tests run in the model's environment
        "python-multipart",  # Starlette imports it whenever it is installed (form bodies)
        "pyyaml",
        "starlette",
        "swagger-ui-bundle-v2",
        "uvicorn",
    }
)
"""The distributions of modelport's dependencies that a model's environment gets."""

COMPATIBLE: tuple[tuple[str, str, str], ...] = (
    ("pandas", "<2.2.2", "numpy<2"),  # built against numpy 1, yet their metadata allow numpy 2
    ("numpy", "<2", "pyarrow<26"),  # pyarrow 26 imports only with numpy 2, and does not say so
)
"""(package, versions, requirement): when the lock holds ``package`` at one of ``versions``, the
environment also needs ``requirement``, which the packages' own metadata leave out (so a resolver
pairs versions that cannot be imported together)."""


def modelport_dependencies() -> list[Requirement]:
    """modelport's own dependencies, its extras left out."""
    found = []
    for line in importlib.metadata.requires("modelport") or []:
        requirement = Requirement(line)
        if requirement.marker is None or "extra" not in str(requirement.marker):
            found.append(requirement)
    return found


def tooling() -> set[str]:
    """The names of modelport's dependencies that model environments leave out."""
    names: set[str] = {canonicalize_name(r.name) for r in modelport_dependencies()}
    return names - {canonicalize_name(name) for name in RUNTIME}


def modelport_requirements(*, pandas: bool = True, convention: Sequence[str] = ()) -> list[str]:
    """What a model's environment needs of modelport's: :data:`RUNTIME` (pandas only when asked),
    plus ``convention``, a convention's runtime requirements (bare names of modelport's own
    dependencies with modelport's bounds)."""
    own = {canonicalize_name(r.name): r for r in modelport_dependencies()}
    wanted = {canonicalize_name(name) for name in RUNTIME} - (set() if pandas else {"pandas"})
    lines = [str(own[name]) for name in sorted(wanted) if name in own]
    for line in convention:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        bare = not requirement.specifier and not requirement.extras and not requirement.marker
        if name in wanted and bare:
            continue  # already there, with modelport's bounds
        lines.append(str(own[name]) if bare and name in own else line)
    return lines


def compatibility_limits(lock: Iterable[str], present: Sequence[str] = ()) -> list[str]:
    """The requirements of :data:`COMPATIBLE` that ``lock`` (pinned ``name==version`` lines)
    calls for and breaks, ``present`` (those asked for already) left out."""
    pinned = dict(_pin(line) for line in lock if "==" in line)
    limits = []
    for package, versions, line in COMPATIBLE:
        requirement = Requirement(line)
        version = pinned.get(canonicalize_name(package))
        held = pinned.get(canonicalize_name(requirement.name))
        if version is None or held is None or line in present:
            continue
        try:
            if Version(version) in SpecifierSet(versions) and held not in requirement.specifier:
                limits.append(line)
        except InvalidVersion:
            continue
    return limits


def without_provided(
    requirements: list[str], provided: tuple[str, ...], say: Callable[[str], None]
) -> list[str]:
    """The project's requirements, less the packages its convention provides itself."""
    if not provided:
        return requirements
    names = {canonicalize_name(p) for p in provided}
    kept: list[str] = []
    for line in requirements:
        try:
            name = canonicalize_name(Requirement(line).name)
        except InvalidRequirement:
            name = None
        if name in names:
            say(f"not installing {line}: modelport provides its import names")
        else:
            kept.append(line)
    return kept


def locks_pandas(lock: Sequence[str]) -> bool:
    """Whether pandas is among the pinned lines of ``lock``."""
    return any(canonicalize_name(line.split("==", 1)[0].strip()) == "pandas" for line in lock)


def _pin(line: str) -> tuple[str, str]:
    name, _, version = line.partition("==")
    return canonicalize_name(name.split("[")[0].strip()), version.split(";")[0].strip()
