"""Finding a project's one dependency file, and reading it by its kind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from modelport.dependencies.base import Dependencies, DependencyKind, load_toml
from modelport.dependencies.conda import read_conda
from modelport.dependencies.pep621 import read_pep621
from modelport.dependencies.poetry import read_poetry
from modelport.dependencies.python_env import read_python_env
from modelport.dependencies.requirements import read_requirements_txt
from modelport.errors import ConfigError

FILE_NAMES = ("requirements.txt", "pyproject.toml", "conda.yml", "conda.yaml")
"""The dependency file names looked for, in ``main/`` and at the project root."""


@dataclass(frozen=True)
class DependencyFile:
    """One dependency file of a project, and how to read it."""

    kind: DependencyKind
    path: Path

    def read(self) -> Dependencies:
        """Parse the file; a :class:`ConfigError` names the file (and line) if it is wrong."""
        return READERS[self.kind](self.path)

    def requirements(self) -> list[str]:
        """The PEP 508 requirement strings the file asks for."""
        return list(self.read().requirements)

    def options(self) -> list[str]:
        """The pip options (index URLs and the like) the file gives."""
        return list(self.read().options)

    def python_requirement(self) -> str | None:
        """The Python version specifier the file asks for, if any."""
        return self.read().python_requirement


def find_dependency_file(project: Path) -> DependencyFile | None:
    """The project's one dependency file, None if it has none; ConfigError if it has several."""
    found: list[DependencyFile] = []
    for folder in (project / "main", project):
        for name in FILE_NAMES:
            path = folder / name
            if not path.is_file():
                continue
            kind = _kind_of(path)
            if kind is not None:
                found.append(DependencyFile(kind, path))
    if len(found) > 1:
        names = ", ".join(str(f.path.relative_to(project)) for f in found)
        raise ConfigError(
            f"{project} has {len(found)} dependency files: {names}",
            hint="Keep exactly one of them and delete the others.",
            field=str(found[0].path),
        )
    return found[0] if found else None


def _kind_of(path: Path) -> DependencyKind | None:
    if path.name == "requirements.txt":
        return "requirements"
    if path.name.startswith("conda."):
        return "conda"
    data = load_toml(path)
    if "dependencies" in data.get("project", {}):
        return "pep621"
    if "dependencies" in data.get("tool", {}).get("poetry", {}):
        return "poetry"
    return None


READERS: dict[DependencyKind, Callable[[Path], Dependencies]] = {
    "requirements": read_requirements_txt,
    "pep621": read_pep621,
    "poetry": read_poetry,
    "conda": read_conda,
    "python_env": read_python_env,
}
"""How each kind is read; ``python_env`` (MLflow's python_env.yaml) only when a convention names
the file itself (``ProjectLayout.dependency_file``), never found by ``find_dependency_file``."""
