"""kill -9 at random moments: ``modelport build`` (its build worker and test runs included),
``modelport import`` uploading to a ``modelport server`` registry, and ``modelport import``
registering into a local one; after each kill, counts what was left behind:

- orphan processes: any process of the killed command's session still alive 10 s later;
- temp folders: anything in the command's TMPDIR once ``modelport gc`` has run, and any
  partial upload the registry server still holds 10 s later;
- half versions: a version the registry lists whose blob is missing or does not hash to its
  digest; and once the loop is done, ``modelport gc --dry-run`` after the last sweep must
  find nothing more.

Each command is first timed unkilled; its kills land uniformly in that time, runs that finish
first are checked too but not counted as kills, until each has been killed ``--kills`` times.
At the end each runs once more unkilled and must succeed (nothing left locked).

    python benchmarks/kill_loop.py [--kills 50] [--seed N] [--only build,upload,registration]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from echo_model import MODEL, Home, session_pids

from modelport.registry.blobs import LocalBlobStore, sha256_file
from modelport.registry.sql.store import SqlRegistryStore
from modelport.testing.server import HOST, ServerProcess, free_port

SETTLE_SECONDS = 10.0
"""How long what a killed command started may take to go (parent-death signals, uploads the
server drops) before it counts as left behind."""
WEIGHTS_BYTES = 24 * 1024**2
"""Random bytes in the project, so an artifact takes a moment to copy and upload."""


@dataclass
class Outcome:
    """What the kills of one command left."""

    command: str
    kills_wanted: int
    kills: int = 0  # runs killed before they finished
    finished_first: int = 0  # runs done before their kill came (checked all the same)
    orphans: list[str] = field(default_factory=list)  # "pid: command line"
    temp_left: list[str] = field(default_factory=list)
    half_versions: list[str] = field(default_factory=list)
    gc_swept_folders: int = 0  # scratch folders of killed builds gc removed (expected)
    gc_swept_blobs: int = 0  # blobs of registrations killed before their version (expected)
    gc_after_sweep: int = 0  # anything a second gc still finds (must be 0)
    versions: int = 0  # complete versions registered by the end
    after_ok: bool = False  # the command succeeded once more, unkilled
    unkilled_seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return (
            self.kills >= self.kills_wanted
            and not self.orphans
            and not self.temp_left
            and not self.half_versions
            and self.gc_after_sweep == 0
            and self.after_ok
        )


@dataclass
class Registry:
    """Where a command registers: the home whose database and blob folder are checked
    directly (and where gc runs), and the partial uploads a registry server keeps there."""

    home: Home
    partials: Callable[[], list[Path]]


class Lab:
    """The homes, the project, its artifact and the registry server the kills run against."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.client = Home(root / "client")
        self.project = self.client.scaffold_echo(root / "src" / MODEL)
        (self.project / "main" / "weights.bin").write_bytes(os.urandom(WEIGHTS_BYTES))
        self.client.run("build", str(self.project), "--env", "inherit", "--skip-tests")
        self.artifact = root / "echo.zip"
        self.client.run("export", f"{MODEL}:1", "--output", str(self.artifact))
        self.remote_home = Home(root / "remote")
        self.server = _registry_server(self.remote_home)
        self.local = Registry(self.client, partials=lambda: [])
        self.remote = Registry(self.remote_home, partials=self._partial_uploads)
        self.count = 0
        self.verified: set[str] = set()  # blob digests hashed and found right

    def _partial_uploads(self) -> list[Path]:
        return list((self.remote_home.path / "uploads").rglob(".upload-*"))

    def next_name(self) -> str:
        self.count += 1
        return f"{MODEL}-{self.count}"

    def build(self) -> list[str]:
        """A build of a changed project (a new version each time), tests included."""
        (self.project / "main" / "iteration.txt").write_text(str(time.monotonic_ns()))
        return self.client.command("build", str(self.project), "--env", "inherit")

    def upload(self) -> list[str]:
        name = self.next_name()
        return self.client.command(
            "import", str(self.artifact), "--name", name, "--registry", self.server.url
        )

    def register(self) -> list[str]:
        return self.client.command("import", str(self.artifact), "--name", self.next_name())

    def close(self) -> None:
        self.server.stop()


def _registry_server(home: Home) -> ServerProcess:
    port = free_port()
    database = home.path / "registry.db"
    command = home.command("server", "--registry", f"sqlite:///{database}", "--no-auth")
    command += ["--host", HOST, "--port", str(port)]
    log = home.path / "server.log"
    home.env()  # makes the folders
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, env=home.env(), stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = ServerProcess(url=f"http://{HOST}:{port}", model=None, process=process, log=log)
    server.wait_ready("/healthz", timeout=120)
    return server


def run_once(home: Home, command: list[str], kill_after: float | None) -> tuple[bool, int]:
    """Run ``command`` in a session of its own, SIGKILLed after ``kill_after`` seconds (None:
    never); answers whether it finished first, and its session id."""
    process = subprocess.Popen(
        command,
        env=home.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE if kill_after is None else subprocess.DEVNULL,
        start_new_session=True,
    )
    if kill_after is None:
        _, error = process.communicate(timeout=600)
        if process.returncode != 0:
            raise RuntimeError(f"{' '.join(command[2:5])} failed: {error.decode()[-2000:]}")
        return True, process.pid
    try:
        process.wait(timeout=kill_after)
        return True, process.pid
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return False, process.pid


def orphans_of(session: int) -> list[str]:
    """What of ``session`` is alive after SETTLE_SECONDS (killed then, so the loop goes on)."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while (alive := session_pids(session)) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = []
    for pid in alive:
        try:
            line = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            os.kill(pid, signal.SIGKILL)
        except (OSError, ProcessLookupError):
            continue
        left.append(f"{pid}: {line.strip()[:200]}")
    return left


def half_versions(registry: Registry, verified: set[str]) -> tuple[list[str], int]:
    """Versions whose blob is missing or does not hash to its digest (each digest hashed once:
    ``verified`` keeps those checked), read from the registry's database itself; and how many
    versions there are in all."""
    blobs = LocalBlobStore(registry.home.path / "blobs")
    store = SqlRegistryStore.open_sqlite(registry.home.path / "registry.db", blobs=blobs)
    bad, total = [], 0
    try:
        for model in store.list_models():
            for version in store.list_versions(name=model.name):
                total += 1
                label, digest = f"{model.name}:{version.number}", version.digest
                if not blobs.exists(digest):
                    bad.append(f"{label}: no blob {digest}")
                elif digest not in verified:
                    if sha256_file(blobs.path_for(digest)) != digest:
                        bad.append(f"{label}: its blob does not hash to {digest}")
                    else:
                        verified.add(digest)
    finally:
        store.close()
    return bad, total


def check(outcome: Outcome, lab: Lab, registry: Registry, session: int) -> None:
    """Count what one kill left behind, sweeping (``modelport gc``) as a user would."""
    outcome.orphans += orphans_of(session)
    deadline = time.monotonic() + SETTLE_SECONDS
    while registry.partials() and time.monotonic() < deadline:
        time.sleep(0.1)
    outcome.temp_left += [f"partial upload {p}" for p in registry.partials()]
    for home in {lab.client, registry.home}:
        swept = home.run_json("gc")
        outcome.gc_swept_folders += len(swept["folders"])
        outcome.gc_swept_blobs += len(swept["blobs"])
        outcome.temp_left += [str(p) for p in home.temp.iterdir()]
    bad, outcome.versions = half_versions(registry, lab.verified)
    outcome.half_versions += [b for b in bad if b not in outcome.half_versions]


def loop(
    lab: Lab,
    name: str,
    command: Callable[[], list[str]],
    registry: Registry,
    *,
    kills: int,
    chance: random.Random,
    say: Callable[[str], None],
) -> Outcome:
    outcome = Outcome(name, kills_wanted=kills)
    started = time.monotonic()
    run_once(lab.client, command(), None)
    outcome.unkilled_seconds = round(time.monotonic() - started, 2)
    while outcome.kills < kills and outcome.finished_first < 2 * kills:
        delay = chance.uniform(0, outcome.unkilled_seconds)
        finished, session = run_once(lab.client, command(), delay)
        outcome.kills += not finished
        outcome.finished_first += finished
        check(outcome, lab, registry, session)
        what = "finished before its kill" if finished else "killed"
        say(f"{name}: {what} at {delay:.2f} s ({outcome.kills}/{kills} kills)")
    try:
        _, session = run_once(lab.client, command(), None)
        outcome.after_ok = True
    except RuntimeError as error:
        say(str(error))
    check(outcome, lab, registry, session)
    for home in {lab.client, registry.home}:  # the sweep done, a second finds nothing
        again = home.run_json("gc", "--dry-run")
        outcome.gc_after_sweep += len(again["folders"]) + len(again["blobs"])
    return outcome


def run(
    root: Path, *, kills: int, seed: int, only: set[str], say: Callable[[str], None]
) -> list[Outcome]:
    lab = Lab(root)
    chance = random.Random(seed)
    plans = [
        ("build", lab.build, lab.local),
        ("upload", lab.upload, lab.remote),
        ("registration", lab.register, lab.local),
    ]
    try:
        return [
            loop(lab, name, command, registry, kills=kills, chance=chance, say=say)
            for name, command, registry in plans
            if name in only
        ]
    finally:
        lab.close()


def summary(outcome: Outcome) -> str:
    return (
        f"{outcome.command}: {outcome.kills} kills (and {outcome.finished_first} runs that "
        "finished before theirs), "
        f"{len(outcome.orphans)} orphan processes, {len(outcome.temp_left)} temp folders, "
        f"{len(outcome.half_versions)} half versions; gc swept {outcome.gc_swept_folders} "
        f"folders and {outcome.gc_swept_blobs} blobs, then found {outcome.gc_after_sweep}; "
        f"{outcome.versions} versions; once more unkilled: {'ok' if outcome.after_ok else 'FAILED'}"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=50, help="per command")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--only", default="build,upload,registration")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    say(f"seed {args.seed}")
    with tempfile.TemporaryDirectory(prefix="kill-loop-") as folder:
        outcomes = run(
            Path(folder), kills=args.kills, seed=args.seed, only=set(args.only.split(",")), say=say
        )
    if args.json:
        print(json.dumps([asdict(o) | {"passed": o.passed} for o in outcomes]))
    else:
        print("\n".join(summary(o) for o in outcomes))
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
