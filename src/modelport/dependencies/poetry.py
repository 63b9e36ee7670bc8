"""``pyproject.toml`` in Poetry form: ``[tool.poetry.dependencies]`` translated to PEP 440.

``^1.2.3`` -> ``>=1.2.3,<2.0.0``, ``~1.2`` -> ``>=1.2,<1.3``; ``python`` is recorded, not
installed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from modelport.dependencies.base import Dependencies, file_error, load_toml
from modelport.dependencies.requirements import requirement_line


def read_poetry(path: Path) -> Dependencies:
    table = load_toml(path)["tool"]["poetry"]["dependencies"]
    if not isinstance(table, dict):
        where = f"{path} [tool.poetry.dependencies]"
        raise file_error(path, where, "not a table", "Make it a table of name = constraint.")
    reqs: list[str] = []
    python = None
    for name, spec in table.items():
        where = f"{path} [tool.poetry.dependencies].{name}"
        if name.lower() == "python":
            python = _poetry_constraint(path, where, str(spec))
            continue
        for one in spec if isinstance(spec, list) else [spec]:
            req = _poetry_requirement(path, where, name, one)
            if req is not None:
                reqs.append(req)
    return Dependencies(path, tuple(reqs), (), python)


def _poetry_requirement(path: Path, where: str, name: str, spec: Any) -> str | None:
    if isinstance(spec, str):
        spec = {"version": spec}
    if not isinstance(spec, dict):
        raise file_error(path, where, f"{spec!r} is not a constraint", "Use a string or a table.")
    if spec.get("optional"):
        return None
    if "source" in spec:
        raise file_error(
            path,
            where,
            f"package source {spec['source']!r} is not supported",
            "Use a requirements.txt with --extra-index-url for private indexes.",
        )
    extras = spec.get("extras", [])
    head = f"{name}[{','.join(extras)}]" if extras else name
    if "git" in spec:
        git = spec["git"] if spec["git"].startswith("git+") else f"git+{spec['git']}"
        ref = spec.get("rev") or spec.get("tag") or spec.get("branch")
        sub = f"#subdirectory={spec['subdirectory']}" if "subdirectory" in spec else ""
        head += f" @ {git}{'@' + ref if ref else ''}{sub}"
    elif "path" in spec:
        head += f" @ {(path.parent / spec['path']).resolve().as_uri()}"
    elif "url" in spec:
        head += f" @ {spec['url']}"
    else:
        head += _poetry_constraint(path, where, str(spec.get("version", "*")))
    markers = [f"({spec['markers']})"] if "markers" in spec else []
    if "python" in spec:
        python = SpecifierSet(_poetry_constraint(path, where, str(spec["python"])))
        markers += [f'python_full_version {s.operator} "{s.version}"' for s in python]
    if "platform" in spec:
        markers.append(f'sys_platform == "{spec["platform"]}"')
    line = f"{head}; {' and '.join(markers)}" if markers else head
    return requirement_line(path, where, line)


_CONSTRAINT = re.compile(r"\s*(\^|~=|~|===|==|!=|<=|>=|<|>|=)?\s*([0-9A-Za-z.*+!_-]+)\s*,?")


def _poetry_constraint(path: Path, where: str, text: str) -> str:
    """A Poetry version constraint as a PEP 440 specifier ("" for any version)."""
    text = text.strip()
    if text in ("", "*"):
        return ""
    specs, position = [], 0
    while position < len(text):
        match = _CONSTRAINT.match(text, position)
        if match is None or match.end() == position:
            raise file_error(
                path,
                where,
                f"cannot translate the Poetry constraint {text!r}",
                "Use ^, ~, *, an exact version or comparisons joined by commas.",
            )
        operator, version = match.group(1) or "==", match.group(2)
        specs.extend(_translate(path, where, operator, version))
        position = match.end()
    result = ",".join(specs)
    try:
        SpecifierSet(result)
    except InvalidSpecifier as exc:
        raise file_error(path, where, f"invalid version constraint {text!r}", "Fix it.") from exc
    return result


def _translate(path: Path, where: str, operator: str, version: str) -> list[str]:
    if operator not in ("^", "~"):
        return [f"{'==' if operator == '=' else operator}{version}"]
    try:
        release = list(Version(version).release)
    except InvalidVersion as exc:
        raise file_error(path, where, f"invalid version {version!r}", "Fix it.") from exc
    if operator == "^":
        nonzero = [i for i, part in enumerate(release) if part]
        bump = nonzero[0] if nonzero else len(release) - 1
    else:
        bump = min(1, len(release) - 1)
    upper = [*release[:bump], release[bump] + 1] + [0] * (len(release) - bump - 1)
    return [f">={version}", f"<{'.'.join(map(str, upper))}"]
