"""``pyproject.toml`` in PEP 621 form: ``[project].dependencies`` as written."""

from __future__ import annotations

from pathlib import Path

from modelport.dependencies.base import Dependencies, file_error, load_toml
from modelport.dependencies.requirements import requirement_line


def read_pep621(path: Path) -> Dependencies:
    project = load_toml(path).get("project", {})
    deps = project.get("dependencies", [])
    if not isinstance(deps, list):
        raise file_error(path, f"{path} [project].dependencies", "not a list", "Make it a list.")
    reqs = []
    for index, dep in enumerate(deps):
        where = f"{path} [project].dependencies[{index}]"
        if not isinstance(dep, str):
            raise file_error(path, where, f"{dep!r} is not a string", "Write it as PEP 508.")
        reqs.append(requirement_line(path, where, dep))
    python = project.get("requires-python")
    return Dependencies(path, tuple(reqs), (), str(python) if python else None)
