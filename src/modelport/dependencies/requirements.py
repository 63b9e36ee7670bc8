"""``requirements.txt`` (and the ``pip:`` list of a conda file): PEP 508 lines and pip options.

``-r`` includes are followed (once each); the pip options uv understands are kept; per-requirement
options and editable requirements are refused; a bare wheel or sdist path or URL is named by its
file name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import parse_sdist_filename, parse_wheel_filename

from modelport.dependencies.base import Dependencies, file_error, read_text

_VALUE_OPTIONS = {
    "-i": "--index-url",
    "--index-url": "--index-url",
    "--extra-index-url": "--extra-index-url",
    "-f": "--find-links",
    "--find-links": "--find-links",
    "--only-binary": "--only-binary",
    "--no-binary": "--no-binary",
}
_FLAG_OPTIONS = {"--no-index"}
_SUPPORTED = "--index-url, --extra-index-url, --find-links, --no-index, --only-binary, --no-binary"


def read_requirements_txt(path: Path) -> Dependencies:
    reqs: list[str] = []
    options: list[str] = []
    read_requirement_lines(path, numbered_lines(path), reqs, options, {path.resolve()})
    return Dependencies(path, tuple(reqs), tuple(dict.fromkeys(options)))


def numbered_lines(path: Path) -> Iterator[tuple[str, str]]:
    """``(where, logical line)`` with continuations joined and comments dropped."""
    pending, start = "", 0
    for number, raw in enumerate(read_text(path).splitlines(), start=1):
        if not pending:
            start = number
        if raw.endswith("\\"):
            pending += raw[:-1]
            continue
        line = re.sub(r"(^|\s+)#.*$", "", pending + raw).strip()
        pending = ""
        if line:
            yield f"{path}:{start}", line
    if pending.strip():
        yield f"{path}:{start}", pending.strip()


def read_requirement_lines(
    path: Path,
    lines: Iterator[tuple[str, str]],
    reqs: list[str],
    options: list[str],
    seen: set[Path],
) -> None:
    """Read pip requirement lines (of ``path``, or of a conda ``pip:`` list) into reqs/options."""
    for where, line in lines:
        if not line.startswith("-"):
            reqs.append(requirement_line(path, where, line))
            continue
        name, value = _split_option(line)
        if name in ("-r", "--requirement"):
            included = (path.parent / value).resolve()
            if not included.is_file():
                raise file_error(
                    path, where, f"included file {value} does not exist", "Fix the path."
                )
            if included not in seen:
                seen.add(included)
                read_requirement_lines(included, numbered_lines(included), reqs, options, seen)
        elif name in _VALUE_OPTIONS and value:
            if name in ("-f", "--find-links") and "://" not in value:
                value = str((path.parent / value).resolve())
            options.append(f"{_VALUE_OPTIONS[name]} {value}")
        elif name in _FLAG_OPTIONS and not value:
            options.append(name)
        elif name in ("-e", "--editable"):
            raise file_error(
                path,
                where,
                f"editable requirement {value!r} is not supported",
                "Use a normal requirement (`name @ file:///path` or a version) instead.",
            )
        else:
            raise file_error(
                path, where, f"unsupported pip option {line!r}", f"Supported: {_SUPPORTED}."
            )


def _split_option(line: str) -> tuple[str, str]:
    if line.startswith("--"):
        match = re.match(r"(--[\w-]+)\s*=?\s*(.*)", line)
        return (match.group(1), match.group(2).strip()) if match else (line, "")
    return line[:2], line[2:].strip().lstrip("=").strip()


def requirement_line(path: Path, where: str, line: str) -> str:
    if re.search(r"\s--[a-z]", line):
        raise file_error(
            path,
            where,
            f"per-requirement options are not supported in {line!r}",
            "Remove options such as --hash; modelport locks the environment itself.",
        )
    try:
        Requirement(line)
    except InvalidRequirement as exc:
        archive = _archive_requirement(path, line)
        if archive is not None:
            return archive
        raise file_error(
            path, where, f"invalid requirement {line!r} ({exc})", "Write it as PEP 508."
        ) from exc
    return line


def _archive_requirement(path: Path, line: str) -> str | None:
    """``name @ url`` for a bare wheel or sdist URL or path, whose name is in its file name."""
    filename = line.rsplit("/", 1)[-1].split("#")[0]
    try:
        if filename.endswith(".whl"):
            name = str(parse_wheel_filename(filename)[0])
        elif filename.endswith((".tar.gz", ".zip")):
            name = str(parse_sdist_filename(filename)[0])
        else:
            return None
    except ValueError:
        return None
    url = line if "://" in line else (path.parent / line).resolve().as_uri()
    return f"{name} @ {url}"
