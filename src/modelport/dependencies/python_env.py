"""``python_env.yaml``: the virtualenv environment MLflow writes beside a logged model.

It names the Python version (``python: 3.11.7``), the tools to build the environment with
(``build_dependencies``: pip, setuptools, wheel, which uv does not need) and the requirements as
pip lines (``dependencies``), usually ``-r requirements.txt``, an include read relative to the
file as pip would.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from modelport.dependencies.base import Dependencies, file_error, read_text
from modelport.dependencies.requirements import read_requirement_lines


def read_python_env(path: Path) -> Dependencies:
    try:
        data = yaml.safe_load(read_text(path))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise file_error(path, where, "invalid YAML", "Fix the YAML syntax.") from exc
    deps = data.get("dependencies", []) if isinstance(data, dict) else None
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        raise file_error(
            path,
            str(path),
            "`dependencies:` is not a list of requirement lines",
            "List pip requirement lines under `dependencies:` (e.g. `- -r requirements.txt`).",
        )
    python = data.get("python")
    reqs: list[str] = []
    options: list[str] = []
    lines = ((f"{path} dependencies: {entry!r}", entry.strip()) for entry in deps)
    read_requirement_lines(path, lines, reqs, options, {path.resolve()})
    specifier = f"=={python}" if isinstance(python, str | int | float) and python else None
    return Dependencies(path, tuple(reqs), tuple(dict.fromkeys(options)), specifier)
