"""Where a server's CPU goes under load: py-spy samples its process tree while wrk loads it.

py-spy (from PyPI, installed into its own venv under the cache like a peer) records the server
and its worker processes at 100 samples a second without pausing them (``--nonblocking``), only
threads holding the GIL (``--gil``: a thread waiting on a lock or a queue is not using the CPU),
stacks aggregated by function (``--function``), as raw collapsed stacks: one line per distinct
stack, ``frame;frame;...;frame COUNT``. :func:`summarize` turns them into the shares the report
prints: by library (the package of the innermost Python frame) and by function. Time in C code
is counted at the Python frame that called it: the event loop's own (uvloop's loop, httptools'
parser, the sockets) shows as ``asyncio.run``, named *event loop (C)* here.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from peers import Peer, install, venv_dir

PY_SPY = Peer("py-spy", ("py-spy",), "py-spy")
RATE = 100
"""Samples a second per process."""
_FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")
_INSTALLED = re.compile(r"(?:site|dist)-packages/(?P<package>[\w.-]+)")
_STANDARD = re.compile(r"lib/python3\.\d+/(?P<package>[\w.-]+)")


@dataclass(frozen=True)
class Profile:
    """The shares of a load's samples (0-1), the largest first."""

    samples: int
    by_library: list[tuple[str, float]]
    by_function: list[tuple[str, float]]


def installed(cache: Path) -> Path:
    """py-spy's binary, installing it into its venv under ``cache`` first if needed."""
    install(cache, PY_SPY)
    return venv_dir(cache, PY_SPY) / "bin" / "py-spy"


def start(py_spy: Path, pid: int, seconds: float, output: Path) -> subprocess.Popen[bytes]:
    """Begin sampling ``pid`` and its subprocesses for ``seconds`` into ``output`` (raw)."""
    command = [str(py_spy), "record", "--pid", str(pid), "--subprocesses", "--nonblocking", "--gil"]
    command += ["--function", "--rate", str(RATE), "--duration", f"{max(1, round(seconds))}"]
    command += ["--format", "raw", "--output", str(output)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def finish(recording: subprocess.Popen[bytes], output: Path) -> Profile:
    """Wait for the recording to end; its summary. RuntimeError when py-spy failed."""
    _, error = recording.communicate(timeout=120)
    if recording.returncode != 0 or not output.exists():
        raise RuntimeError(f"py-spy failed ({recording.returncode}): {error.decode()[-400:]}")
    return summarize(output.read_text(), top=10)


def summarize(collapsed: str, top: int) -> Profile:
    """Shares of the samples in ``collapsed`` (raw py-spy output) by the library and the
    function of each stack's innermost frame, the ``top`` largest of each."""
    libraries: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        innermost = stack.rsplit(";", 1)[-1]
        function, library = _describe(innermost)
        libraries[library] += count
        functions[f"{function} ({library})"] += count
        total += count
    if total == 0:
        return Profile(0, [], [])
    return Profile(
        total,
        [(name, count / total) for name, count in libraries.most_common(top)],
        [(name, count / total) for name, count in functions.most_common(top)],
    )


def _describe(frame: str) -> tuple[str, str]:
    """(function, library) of one collapsed frame, ``function (path:line)``."""
    found = _FRAME.match(frame.strip())
    if found is None:
        return frame.strip(), "(native)"
    path = found["file"]
    if path.endswith("asyncio/runners.py"):  # the loop itself, in C below this frame
        return "the event loop (uvloop, httptools, sockets)", "event loop (C)"
    package = _INSTALLED.search(path) or _STANDARD.search(path)
    if package is not None:
        name = package["package"].removesuffix(".py")
        return found["function"], name.split(".")[0]
    if "/src/modelport/" in path:
        return found["function"], "modelport"
    return found["function"], Path(path).stem or "(native)"
