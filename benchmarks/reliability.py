"""``make reliability``: measure what bad requests, models and kills do, and write the figures
into docs/reliability.md (its "Figures" table and the section of each).

- bombs: decode bombs against the default worker pool in a 1 GiB memory cgroup (decode_bombs.py)
- faults: model faults against a worker pool, worker back times (model_faults.py)
- kills: kill -9 during build, upload and registration, 50 times each (kill_loop.py)
- soak: 10 minutes at 64 connections, one-row JSON (soak.py; ``make soak`` runs it alone)

    python benchmarks/reliability.py [--only bombs,faults,kills,soak] [--kills 50]
        [--soak-seconds 600] [--no-write]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import decode_bombs
import kill_loop
import model_faults
import soak
from echo_model import Home

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reliability.md"
PARTS = ("bombs", "faults", "kills", "soak")


@dataclass(frozen=True)
class Measured:
    """One part's result: its row of the Figures table (found by the row's first words) and
    the lines of its own section."""

    row: str  # how the row's figure cell starts
    cell: str  # the measured cell
    details: str
    passed: bool


def _bombs(args: argparse.Namespace, folder: Path) -> Measured:
    """At the default limits (the decoded bound drawn from the cgroup's memory limit)."""
    home = Home(folder / "bombs")
    home.build_echo()
    figures = decode_bombs.run(home, copies=2)
    cell = (
        f"default limits: {figures.oom_kills} OOM kills, {len(figures.unexpected)} of "
        f"{figures.requests} answers not 400/413/422, peak {figures.peak_mib or 0:.0f} MiB"
    )
    details = [f"- {decode_bombs.summary(figures)}."]
    if figures.unexpected:
        details.append(f"  Answered otherwise: {'; '.join(figures.unexpected)}.")
    return Measured("decode-bomb requests", cell, "\n".join(details), figures.passed)


def _faults(args: argparse.Namespace, folder: Path) -> Measured:
    figures = model_faults.run(folder, repeat=5)
    backs = [s for f in figures.faults for s in f.back_seconds if f.fault != "hang"]
    down = (
        "never down" if figures.liveness_failed == 0 else f"{figures.liveness_failed} failed probes"
    )
    kinds = ", ".join(f.fault for f in figures.faults)
    cell = f"{kinds}: {down}; worker back in {max(backs):.2f} s at most" if backs else down
    head, *lines = model_faults.summary(figures).splitlines()
    details = "\n".join([head, "", *(f"- {line.strip()}" for line in lines)])
    return Measured("model faults", cell, details, figures.passed)


def _kills(args: argparse.Namespace, folder: Path) -> Measured:
    outcomes = kill_loop.run(
        folder, kills=args.kills, seed=args.seed, only={"build", "upload", "registration"}, say=_say
    )
    orphans = sum(len(o.orphans) for o in outcomes)
    temps = sum(len(o.temp_left) for o in outcomes)
    halves = sum(len(o.half_versions) for o in outcomes)
    cell = f"{args.kills} each: {orphans} / {temps} / {halves}"
    details = "\n".join(f"- {kill_loop.summary(o)}" for o in outcomes)
    details += f"\n\nSeed {args.seed}."
    return Measured("kill -9 during build", cell, details, all(o.passed for o in outcomes))


def _soak(args: argparse.Namespace, folder: Path) -> Measured:
    home = Home(folder / "soak")
    home.build_echo()
    figures = soak.run(home, seconds=args.soak_seconds, warmup=30, connections=64)
    cell = (
        f"{figures.errors} errors, RSS {100 * figures.rss_growth:+.1f}%, p99 "
        f"{figures.p99_ms / figures.p50_ms:.1f}x p50"
    )
    samples = ", ".join(f"{s:.0f}" for s in figures.rss_samples_mib)
    details = f"{soak.summary(figures)}. RSS every 10 s (MiB): {samples}."
    return Measured("soak", cell, details, figures.passed)


RUNNERS: dict[str, Callable[[argparse.Namespace, Path], Measured]] = {
    "bombs": _bombs,
    "faults": _faults,
    "kills": _kills,
    "soak": _soak,
}


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def write(doc: Path, part: str, measured: Measured, when: str, command: str) -> None:
    """Put ``measured`` into ``doc``: the table row whose figure starts with ``measured.row``
    gets the measured cell, and the part's section (between its markers) the details."""
    text = doc.read_text()
    verdict = "met" if measured.passed else "NOT met"
    lines = text.splitlines()
    for index, line in enumerate(lines):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].startswith(measured.row):
            cells[2:] = [f"{measured.cell} ({verdict}; {when}, `{command}`)"]
            lines[index] = "| " + " | ".join(cells) + " |"
            break
    else:
        raise RuntimeError(f"{doc} has no Figures row starting {measured.row!r}")
    text = "\n".join(lines) + "\n"
    start, end = f"<!-- {part}: measured -->", f"<!-- /{part} -->"
    block = f"{start}\nMeasured {when} with `{command}`: {verdict}.\n\n{measured.details}\n{end}"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise RuntimeError(f"{doc} has no {start} ... {end} section")
    doc.write_text(pattern.sub(lambda _: block, text))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(PARTS), help="parts to measure")
    parser.add_argument("--kills", type=int, default=50, help="kills per command")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--soak-seconds", type=float, default=600)
    parser.add_argument("--no-write", action="store_true", help="print, leave the docs alone")
    args = parser.parse_args(argv)
    wanted = [p for p in args.only.split(",") if p]
    unknown = set(wanted) - set(PARTS)
    if unknown:
        parser.error(f"--only: unknown part(s) {', '.join(sorted(unknown))}; use {PARTS}")
    passed = True
    for part in wanted:
        _say(f"measuring {part}")
        with tempfile.TemporaryDirectory(prefix=f"reliability-{part}-") as folder:
            measured = RUNNERS[part](args, Path(folder))
        passed &= measured.passed
        print(f"{part}: {measured.cell}\n{measured.details}\n", flush=True)
        if not args.no_write:
            when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
            command = "make soak" if wanted == ["soak"] else "make reliability"
            write(DOC, part, measured, when, command)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
