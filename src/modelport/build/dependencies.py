"""A model project's one dependency file, read into PEP 508 requirements.

A project keeps exactly one of ``requirements.txt``, ``pyproject.toml`` (PEP 621 or Poetry) or
``conda.yml``/``conda.yaml``, in ``main/`` or at its root. Each is turned into the same thing,
:class:`Dependencies`: PEP 508 requirement strings, the pip options uv understands (index URLs,
find-links, binary choices) and the Python version the file asks for, which is only recorded:
modelport builds with the Python it runs on.

Poetry constraints are translated to PEP 440 (``^1.2.3`` -> ``>=1.2.3,<2.0.0``,
``~1.2`` -> ``>=1.2,<1.3``); conda packages are translated when they are known PyPI
equivalents (``numpy=1.24`` -> ``numpy==1.24.*``, ``scikit-learn=1.0.1`` ->
``scikit-learn==1.0.1``); conda-only packages (``cudatoolkit``, ``mkl``...) are refused in one
error naming them all.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import parse_sdist_filename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from modelport.errors import ConfigError

DependencyKind = Literal["requirements", "pep621", "poetry", "conda"]

FILE_NAMES = ("requirements.txt", "pyproject.toml", "conda.yml", "conda.yaml")
"""The dependency file names looked for, in ``main/`` and at the project root."""

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

# conda package name -> PyPI name, for packages that are the same software on both.
CONDA_TO_PYPI: dict[str, str] = {
    "attrs": "attrs",
    "beautifulsoup4": "beautifulsoup4",
    "boto3": "boto3",
    "catboost": "catboost",
    "click": "click",
    "cloudpickle": "cloudpickle",
    "cython": "cython",
    "fastapi": "fastapi",
    "flask": "flask",
    "gensim": "gensim",
    "h5py": "h5py",
    "httpx": "httpx",
    "imbalanced-learn": "imbalanced-learn",
    "jinja2": "jinja2",
    "joblib": "joblib",
    "keras": "keras",
    "lightgbm": "lightgbm",
    "lxml": "lxml",
    "matplotlib": "matplotlib",
    "mlflow": "mlflow",
    "networkx": "networkx",
    "nltk": "nltk",
    "numba": "numba",
    "numpy": "numpy",
    "onnx": "onnx",
    "onnxruntime": "onnxruntime",
    "optuna": "optuna",
    "pandas": "pandas",
    "pillow": "pillow",
    "protobuf": "protobuf",
    "psutil": "psutil",
    "pyarrow": "pyarrow",
    "pydantic": "pydantic",
    "python-dateutil": "python-dateutil",
    "pytz": "pytz",
    "pyyaml": "pyyaml",
    "regex": "regex",
    "requests": "requests",
    "scikit-learn": "scikit-learn",
    "scipy": "scipy",
    "seaborn": "seaborn",
    "sentencepiece": "sentencepiece",
    "setuptools": "setuptools",
    "shap": "shap",
    "six": "six",
    "spacy": "spacy",
    "sqlalchemy": "sqlalchemy",
    "statsmodels": "statsmodels",
    "sympy": "sympy",
    "tensorflow": "tensorflow",
    "tokenizers": "tokenizers",
    "torchvision": "torchvision",
    "tqdm": "tqdm",
    "transformers": "transformers",
    "wheel": "wheel",
    "xgboost": "xgboost",
    "pytorch": "torch",
    "py-xgboost": "xgboost",
    "matplotlib-base": "matplotlib",
    "pytables": "tables",
    "py-opencv": "opencv-python",
    "huggingface_hub": "huggingface-hub",
    "category_encoders": "category-encoders",
}


@dataclass(frozen=True)
class Dependencies:
    """What a dependency file asks for."""

    source: Path
    requirements: tuple[str, ...] = ()
    """PEP 508 requirement strings."""
    options: tuple[str, ...] = ()
    """pip options uv understands in a requirements file, one per line (``--index-url URL``)."""
    python_requirement: str | None = None
    """The Python version specifier the file asks for (informational only)."""


@dataclass(frozen=True)
class DependencyFile:
    """One dependency file of a project, and how to read it."""

    kind: DependencyKind
    path: Path

    def read(self) -> Dependencies:
        """Parse the file; a :class:`ConfigError` names the file (and line) if it is wrong."""
        return _READERS[self.kind](self.path)

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
    data = _load_toml(path)
    if "dependencies" in data.get("project", {}):
        return "pep621"
    if "dependencies" in data.get("tool", {}).get("poetry", {}):
        return "poetry"
    return None


def _error(path: Path, where: str, problem: str, hint: str) -> ConfigError:
    return ConfigError(f"{where}: {problem}", hint=hint, field=str(path))


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _error(path, str(path), f"not UTF-8 text ({exc})", "Save it as UTF-8.") from exc


# --- requirements.txt -----------------------------------------------------------------------


def _read_requirements_txt(path: Path) -> Dependencies:
    reqs: list[str] = []
    options: list[str] = []
    _read_requirement_lines(path, _numbered_lines(path), reqs, options, {path.resolve()})
    return Dependencies(path, tuple(reqs), tuple(dict.fromkeys(options)))


def _numbered_lines(path: Path) -> Iterator[tuple[str, str]]:
    """``(where, logical line)`` with continuations joined and comments dropped."""
    pending, start = "", 0
    for number, raw in enumerate(_read_text(path).splitlines(), start=1):
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


def _read_requirement_lines(
    path: Path,
    lines: Iterator[tuple[str, str]],
    reqs: list[str],
    options: list[str],
    seen: set[Path],
) -> None:
    """Read pip requirement lines (of ``path``, or of a conda ``pip:`` list) into reqs/options."""
    for where, line in lines:
        if not line.startswith("-"):
            reqs.append(_requirement_line(path, where, line))
            continue
        name, value = _split_option(line)
        if name in ("-r", "--requirement"):
            included = (path.parent / value).resolve()
            if not included.is_file():
                raise _error(path, where, f"included file {value} does not exist", "Fix the path.")
            if included not in seen:
                seen.add(included)
                _read_requirement_lines(included, _numbered_lines(included), reqs, options, seen)
        elif name in _VALUE_OPTIONS and value:
            if name in ("-f", "--find-links") and "://" not in value:
                value = str((path.parent / value).resolve())
            options.append(f"{_VALUE_OPTIONS[name]} {value}")
        elif name in _FLAG_OPTIONS and not value:
            options.append(name)
        elif name in ("-e", "--editable"):
            raise _error(
                path,
                where,
                f"editable requirement {value!r} is not supported",
                "Use a normal requirement (`name @ file:///path` or a version) instead.",
            )
        else:
            raise _error(
                path, where, f"unsupported pip option {line!r}", f"Supported: {_SUPPORTED}."
            )


def _split_option(line: str) -> tuple[str, str]:
    if line.startswith("--"):
        match = re.match(r"(--[\w-]+)\s*=?\s*(.*)", line)
        return (match.group(1), match.group(2).strip()) if match else (line, "")
    return line[:2], line[2:].strip().lstrip("=").strip()


def _requirement_line(path: Path, where: str, line: str) -> str:
    if re.search(r"\s--[a-z]", line):
        raise _error(
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
        raise _error(
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


# --- pyproject.toml: PEP 621 and Poetry ---------------------------------------------------


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise _error(path, str(path), f"invalid TOML ({exc})", "Fix the TOML syntax.") from exc


def _read_pep621(path: Path) -> Dependencies:
    project = _load_toml(path).get("project", {})
    deps = project.get("dependencies", [])
    if not isinstance(deps, list):
        raise _error(path, f"{path} [project].dependencies", "not a list", "Make it a list.")
    reqs = []
    for index, dep in enumerate(deps):
        where = f"{path} [project].dependencies[{index}]"
        if not isinstance(dep, str):
            raise _error(path, where, f"{dep!r} is not a string", "Write it as PEP 508.")
        reqs.append(_requirement_line(path, where, dep))
    python = project.get("requires-python")
    return Dependencies(path, tuple(reqs), (), str(python) if python else None)


def _read_poetry(path: Path) -> Dependencies:
    table = _load_toml(path)["tool"]["poetry"]["dependencies"]
    if not isinstance(table, dict):
        where = f"{path} [tool.poetry.dependencies]"
        raise _error(path, where, "not a table", "Make it a table of name = constraint.")
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
        raise _error(path, where, f"{spec!r} is not a constraint", "Use a string or a table.")
    if spec.get("optional"):
        return None
    if "source" in spec:
        raise _error(
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
    return _requirement_line(path, where, line)


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
            raise _error(
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
        raise _error(path, where, f"invalid version constraint {text!r}", "Fix it.") from exc
    return result


def _translate(path: Path, where: str, operator: str, version: str) -> list[str]:
    if operator not in ("^", "~"):
        return [f"{'==' if operator == '=' else operator}{version}"]
    try:
        release = list(Version(version).release)
    except InvalidVersion as exc:
        raise _error(path, where, f"invalid version {version!r}", "Fix it.") from exc
    if operator == "^":
        nonzero = [i for i, part in enumerate(release) if part]
        bump = nonzero[0] if nonzero else len(release) - 1
    else:
        bump = min(1, len(release) - 1)
    upper = [*release[:bump], release[bump] + 1] + [0] * (len(release) - bump - 1)
    return [f">={version}", f"<{'.'.join(map(str, upper))}"]


# --- conda.yml -------------------------------------------------------------------------------


def _read_conda(path: Path) -> Dependencies:
    try:
        data = yaml.safe_load(_read_text(path))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise _error(path, where, "invalid YAML", "Fix the YAML syntax.") from exc
    deps = data.get("dependencies") if isinstance(data, dict) else None
    if not isinstance(deps, list):
        raise _error(path, str(path), "no `dependencies:` list", "Add one, or delete the file.")
    reqs: list[str] = []
    options: list[str] = []
    conda_only: list[str] = []
    python = None
    for item in deps:
        if isinstance(item, dict) and isinstance(item.get("pip"), list) and len(item) == 1:
            lines = ((f"{path} pip: {entry!r}", str(entry).strip()) for entry in item["pip"])
            _read_requirement_lines(path, lines, reqs, options, {path.resolve()})
            continue
        if not isinstance(item, str):
            raise _error(path, str(path), f"unexpected entry {item!r}", "Use `name=version`.")
        name, spec = _conda_spec(path, item)
        if name == "python":
            python = spec or None
        elif name != "pip" and name in CONDA_TO_PYPI:
            reqs.append(CONDA_TO_PYPI[name] + spec)
        elif name != "pip":
            conda_only.append(item)
    if conda_only:
        raise _error(
            path,
            str(path),
            f"conda-only packages cannot be installed: {', '.join(conda_only)}",
            "Move them to the `pip:` section under their PyPI names, or drop them.",
        )
    return Dependencies(path, tuple(reqs), tuple(dict.fromkeys(options)), python)


def _conda_spec(path: Path, item: str) -> tuple[str, str]:
    """``(name, PEP 440 specifier)`` of a conda match spec such as ``conda-forge::numpy=1.24``."""
    match = re.fullmatch(r"(?:[\w.-]+::)?([A-Za-z0-9_.-]+)\s*(.*)", item.strip())
    if match is None:
        raise _error(path, f"{path} {item!r}", "not a conda package spec", "Use `name=version`.")
    name, rest = match.group(1).lower(), match.group(2).strip()
    if rest.startswith("=") and not rest.startswith("=="):
        rest = rest[1:].split("=")[0]
    elif rest.startswith("=="):
        rest = "==" + rest[2:].split("=")[0]
    elif rest[:1].isdigit():
        rest = rest.split()[0]
    if rest[:1].isdigit():
        full = len(rest.split(".")) >= 3 or rest.endswith("*")
        rest = f"=={rest}" if full else f"=={rest}.*"
    rest = rest.replace(" ", "")
    try:
        SpecifierSet(rest)
        return name, rest
    except InvalidSpecifier as exc:
        raise _error(
            path, f"{path} {item!r}", "cannot translate this conda version", "Use `name=version`."
        ) from exc


_READERS: dict[DependencyKind, Callable[[Path], Dependencies]] = {
    "requirements": _read_requirements_txt,
    "pep621": _read_pep621,
    "poetry": _read_poetry,
    "conda": _read_conda,
}
