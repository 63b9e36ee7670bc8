"""Model environments: one uv virtualenv per distinct lock, built once and then reused.

A model's requirements are resolved together with modelport's own runtime requirements
(``builder/own_requirements.py``: what serving, the build step and the tests need, and what the
model's convention adds) by ``uv pip compile`` into a lock (pinned lines), cached under
``<envs_dir>/locks/`` so an unchanged project is not resolved again. When the lock pairs versions
that cannot be imported together though their metadata allow it (numpy 1 with pyarrow 26), it is
resolved again with the limit that prevents it. When the install then finds no version of a pin
(the index changed since the lock was resolved: a cached lock whose release was deleted, a pruned
mirror, an index answering differently from one request to the next), the requirements are
resolved once more with the index asked afresh, and the cached lock replaced. The virtualenv
lives in ``<envs_dir>/<key>``, where the key hashes the lock, the Python version and the digest
of the modelport installed into it (a wheel of the running installation:
``builder/modelport_wheel.py``); a folder there holding the completion marker is a finished
environment and is reused as it is.

A new environment is built in a private temporary folder and renamed into place once complete,
so concurrent builds never see (or corrupt) a half-built one: the first rename wins, and a build
that finds its target already there discards its own copy. The venv is made ``--relocatable`` so
its scripts keep working after the rename. uv's own cache (``UV_CACHE_DIR``, passed through
untouched) is what makes a second environment with the same packages quick to build.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from modelport.builder.built_environments import (
    MARKER,
    built_environment,
    environment_key,
    python_of,
    sha256_hex,
)
from modelport.builder.modelport_wheel import ModelportInstall
from modelport.builder.own_requirements import (
    compatibility_limits,
    locks_pandas,
    modelport_requirements,
)
from modelport.builder.scratch import owned_folder
from modelport.errors import BuildFailed

__all__ = [
    "MARKER",
    "Environment",
    "ModelportInstall",
    "built_environment",
    "compile_bytecode",
    "inherit_environment",
    "locks_pandas",
    "modelport_requirements",
    "prepare_environment",
]

Progress = Callable[[str], None]
"""Receives one human-readable line per step ("installing 42 packages")."""

_DRAWING = " \t\u00d7\u2570\u2500\u25b6\u251c\u2502\u252c"
"""Whitespace and the box-drawing characters uv draws its error trees with."""

NO_SOLUTION = "No solution found"
"""What uv says when the index (as its cache knows it) holds no version that fits."""


@dataclass(frozen=True)
class Environment:
    """A Python environment a model builds and serves in."""

    python: Path
    """The environment's interpreter."""
    lock: list[str]
    """Pinned requirement lines (``name==version``) installed in it."""
    lock_hash: str
    """sha256 (hex) of the lock lines."""
    python_version: str
    reused: bool
    """True when the environment existed already (nothing was installed)."""

    @property
    def root(self) -> Path:
        """The environment's folder (the venv's, or the prefix of an inherited interpreter)."""
        return self.python.parent.parent


def prepare_environment(
    reqs: Sequence[str],
    *,
    envs_dir: Path,
    modelport_install: ModelportInstall | None = None,
    options: Sequence[str] = (),
    source: Path | None = None,
    pandas: bool = True,
    convention: Sequence[str] = (),
    progress: Progress | None = None,
) -> Environment:
    """A venv holding ``reqs``, modelport and its runtime requirements: reused if built before.

    ``pandas=False`` leaves pandas out of modelport's requirements (for models that take no
    DataFrames; scikit-learn would otherwise import it into every server of theirs);
    ``convention`` adds the runtime requirements of the model's convention.

    ``options`` are pip options uv understands (``--index-url URL``); ``source`` is the
    dependency file the requirements came from, named when uv fails (:class:`BuildFailed`).
    """
    install = modelport_install or ModelportInstall.current()
    wanted = _Wanted(
        reqs=list(reqs),
        own=modelport_requirements(pandas=pandas, convention=convention),
        options=list(options),
        envs_dir=envs_dir,
        version=platform.python_version(),
        source=source,
        say=progress or _silent,
    )
    try:
        return _prepared(wanted, _lock(wanted, refresh=False), install)
    except _PinsGone as gone:
        wanted.say(f"{gone.message}; resolving again with the index asked afresh")
        try:
            lock = _lock(wanted, refresh=True)
        except BuildFailed as unresolved:
            # the install's error stands: a lock read from a registered artifact
            # (``cli/targets.py:model_python``) has no pins its user could loosen
            raise _as_build_failed(gone) from unresolved
    try:
        return _prepared(wanted, lock, install)
    except _PinsGone as again:
        raise _as_build_failed(again) from None


@dataclass(frozen=True)
class _Wanted:
    """The environment a build asks for: its requirements, modelport's, and where they come
    from."""

    reqs: list[str]
    own: list[str]
    """modelport's own requirements (:func:`modelport_requirements`)."""
    options: list[str]
    version: str
    """The Python version resolved for."""
    envs_dir: Path
    source: Path | None
    say: Progress


class _PinsGone(BuildFailed):
    """The install found no version of a pin of the lock, even with the index asked afresh: the
    index changed since the lock was resolved (a cached lock whose version was deleted or yanked,
    a mirror pruned, an index answering differently from one request to the next)."""


def _as_build_failed(error: BuildFailed) -> BuildFailed:
    """``error`` as the :class:`BuildFailed` callers know (its message, hint and field)."""
    return BuildFailed(error.message, hint=error.hint, field=error.field)


def _lock(wanted: _Wanted, *, refresh: bool) -> list[str]:
    """The pinned lines for ``wanted``, resolved again with the limits :data:`COMPATIBLE` calls
    for until none is missing."""
    lock = _resolve(wanted, [], refresh=refresh)
    limits: list[str] = []
    while added := compatibility_limits(lock, limits):
        limits += added
        wanted.say(f"resolving again with {', '.join(added)} (versions that import together)")
        lock = _resolve(wanted, limits, refresh=refresh)
    return lock


def _prepared(wanted: _Wanted, lock: list[str], install: ModelportInstall) -> Environment:
    """The environment holding ``lock``: found built, or built now."""
    lock_hash = sha256_hex("\n".join(lock))
    target = wanted.envs_dir / environment_key(lock, wanted.options, wanted.version, install)
    python = python_of(target)
    if (target / MARKER).is_file():
        wanted.say(f"reusing environment {target.name}")
        return Environment(python, lock, lock_hash, wanted.version, reused=True)
    if target.exists():  # left by an older, interrupted layout: never a build in progress
        shutil.rmtree(target)
    reused = _build(target, lock, wanted, install)
    return Environment(python, lock, lock_hash, wanted.version, reused=reused)


def inherit_environment() -> Environment:
    """The running interpreter as it is (``--env inherit``): nothing is installed."""
    pinned: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name and canonicalize_name(name) not in pinned:  # first on sys.path wins
            pinned[canonicalize_name(name)] = f"{canonicalize_name(name)}=={dist.version}"
    lock = sorted(pinned.values())
    return Environment(
        python=Path(sys.executable),
        lock=lock,
        lock_hash=sha256_hex("\n".join(lock)),
        python_version=platform.python_version(),
        reused=True,
    )


def _resolve(wanted: _Wanted, limits: list[str], *, refresh: bool) -> list[str]:
    """The lock for the requirements plus modelport's and ``limits``: from the cache of locks or
    from uv; ``refresh`` asks uv for the index's current answer and replaces the cached lock."""
    reqs, own = wanted.reqs, [*wanted.own, *limits]
    text = "\n".join([*wanted.options, *reqs, *own]) + "\n"
    locks = wanted.envs_dir / "locks"
    cached = locks / f"{sha256_hex(wanted.version + chr(10) + text)}.txt"
    if cached.is_file() and not refresh:
        wanted.say(f"using the cached resolution of {_count(len(reqs), 'requirement')}")
        return _lines(cached.read_text())
    locks.mkdir(parents=True, exist_ok=True)
    wanted.say(f"resolving {_count(len(reqs), 'requirement')} (with modelport's {len(own)})")
    with owned_folder(".resolve-", locks) as work:
        requirements = work / "requirements.in"
        requirements.write_text(text)
        # fmt: off
        out = _uv(
            ["pip", "compile", str(requirements), "--python", sys.executable,
             "--python-version", wanted.version, "--no-header", "--no-annotate",
             *index_strategy(wanted.options), *(["--refresh"] if refresh else [])],
            failure=f"could not resolve the requirements of {_name(wanted.source)}",
            hint=f"Fix the names or versions in {_name(wanted.source)} or loosen the pins that "
            "clash.",
            source=wanted.source,
        )
        # fmt: on
        written = work / "lock.txt"
        written.write_text(out)
        os.replace(written, cached)  # atomic: a concurrent resolve writes the same content
    return _lines(out)


def index_strategy(options: Sequence[str]) -> list[str]:
    """uv's flags for choosing among several indexes as pip does. uv takes a package from the
    first index that has it, so an extra index (pip's ``extra-index-url``: a local mirror, a
    private index) holding a few versions of pandas would hide every other one; pip compares
    every index's versions, which is what a user's pip configuration was written for. A choice of
    the user's own (``UV_INDEX_STRATEGY``) stands."""
    several = any(option.startswith("--extra-index-url") for option in options)
    if not several or "UV_INDEX_STRATEGY" in os.environ:
        return []
    return ["--index-strategy", "unsafe-best-match"]


def _build(target: Path, lock: list[str], wanted: _Wanted, install: ModelportInstall) -> bool:
    """Build the venv privately, then rename it to ``target``; True if another build won."""
    say = wanted.say
    with owned_folder(f".build-{target.name}-", target.parent) as work:
        venv = work / "venv"
        say(f"creating environment {target.name}")
        _uv(
            ["venv", "--relocatable", "--python", sys.executable, str(venv)],
            failure=f"could not create a virtualenv with {sys.executable}",
            hint="Check that this Python can create virtualenvs.",
            source=None,
        )
        python = str(python_of(venv))
        locked = work / "lock.txt"
        locked.write_text("\n".join([*wanted.options, *lock]) + "\n")
        say(f"installing {_count(len(lock), 'package')}")
        strategy = index_strategy(wanted.options)
        _uv(
            ["pip", "install", "--python", python, "-r", str(locked), *strategy],
            failure=f"could not install the requirements of {_name(wanted.source)}",
            hint=f"Check that every package in {_name(wanted.source)} has a build for this "
            "platform.",
            source=wanted.source,
            stale=True,
        )
        say(f"installing modelport {install.version} ({install.digest[:12]})")
        wheel = install.wheel(wanted.envs_dir / "wheels")
        _uv(
            ["pip", "install", "--python", python, "--no-deps", str(wheel)],
            failure="could not install modelport into the model's environment",
            hint="Reinstall modelport, or check that its files are readable.",
            source=None,
        )
        marker = {"lock": lock, "modelport": install.version, "digest": install.digest}
        (venv / MARKER).write_text(json.dumps(marker))
        try:
            venv.rename(target)
        except OSError:
            if not (target / MARKER).is_file():
                raise
            say(f"reusing environment {target.name}, built meanwhile by another build")
            return True
    say("compiling bytecode")
    compile_bytecode(python_of(target))
    say(f"environment {target.name} ready")
    return False


def compile_bytecode(python: Path) -> None:
    """Compile every module of an environment once, so its imports never compile again.

    uv installs without bytecode, and a process with PYTHONDONTWRITEBYTECODE set (common in
    containers) would otherwise recompile scikit-learn, pandas and friends at every start.
    """
    subprocess.run(
        [str(python), "-m", "compileall", "-q", "-j", "0", str(python.parent.parent / "lib")],
        capture_output=True,
        check=False,
    )


def _uv(
    args: list[str], *, failure: str, hint: str, source: Path | None, stale: bool = False
) -> str:
    """Run uv with ``args``; its stdout, or BuildFailed with the end of its stderr.

    ``stale``: the pins may be newer than what uv's cache knows of the index (a lock resolved
    moments after a release, the install answered from a cached page without it): once uv finds
    no solution, it runs once more with the index asked afresh (``--refresh``), and when that
    finds none either, raises :class:`_PinsGone` (the caller resolves again)."""
    from uv import find_uv_bin  # the command's tooling: model environments have no uv

    command = [find_uv_bin(), *args]
    result = subprocess.run(
        command, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL
    )
    if result.returncode != 0 and stale and NO_SOLUTION in result.stderr:
        result = subprocess.run(
            [*command, "--refresh"],
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    if result.returncode != 0:
        failed = _PinsGone if stale and NO_SOLUTION in result.stderr else BuildFailed
        raise failed(
            f"{failure}: {_tail(result.stderr)}",
            hint=hint,
            field=str(source) if source else None,
        )
    return result.stdout


def _tail(stderr: str, count: int = 8) -> str:
    """uv's last lines of stderr on one line, its tree drawing left out."""
    lines = [line.strip(_DRAWING) for line in stderr.splitlines()]
    return " ".join([line for line in lines if line][-count:]) or "(uv printed nothing)"


def _lines(lock: str) -> list[str]:
    return [s for s in (line.strip() for line in lock.splitlines()) if s and s[0] != "#"]


def _name(source: Path | None) -> str:
    return str(source) if source else "the model's requirements"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _silent(line: str) -> None:
    """A progress callback that shows nothing."""
