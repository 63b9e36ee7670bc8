"""The manifest of a batch job: what it runs on (the model, the inputs' identity, the settings
that shape its parts) and which chunks are done, in ``_manifest.json`` in the parts folder.

It is rewritten whole after each chunk, into a temporary file renamed over the last one, so a
run killed at any moment leaves the manifest of before or after that chunk, never half of one.
A chunk is noted only once its part file is in place: a noted chunk's part is whole. A run on a
folder with a manifest for the same job skips the chunks it lists; one for another job is
refused, naming what differs (``--restart`` starts over).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelport.errors import Conflict, MalformedInput

MANIFEST_NAME = "_manifest.json"
MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class DoneChunk:
    """A chunk whose answer is in its part file (and its refused rows in its errors file)."""

    part: str | None
    """None when no row of the chunk was answered."""
    rows: int
    errors_part: str | None = None
    failed: int = 0


@dataclass
class JobManifest:
    """A job's identity and the chunks done so far, keyed ``"<input>:<chunk>"``."""

    job: dict[str, Any]
    done: dict[str, DoneChunk] = field(default_factory=dict)
    complete: bool = False

    @staticmethod
    def key(source: int, chunk: int) -> str:
        return f"{source}:{chunk}"

    def is_done(self, source: int, chunk: int) -> bool:
        return self.key(source, chunk) in self.done

    def note(self, source: int, chunk: int, done: DoneChunk) -> None:
        self.done[self.key(source, chunk)] = done

    def in_order(self) -> list[DoneChunk]:
        """The done chunks, input by input, chunk by chunk."""
        order = sorted(self.done, key=lambda k: tuple(int(n) for n in k.split(":")))
        return [self.done[k] for k in order]

    def save(self, folder: Path) -> None:
        """Write the manifest into ``folder``, replacing the last one at once."""
        body = {
            "format": MANIFEST_FORMAT,
            "job": self.job,
            "complete": self.complete,
            "done": {
                key: {k: v for k, v in vars(chunk).items() if v is not None}
                for key, chunk in self.done.items()
            },
        }
        target = folder / MANIFEST_NAME
        temporary = folder / f".tmp-{os.getpid()}-{MANIFEST_NAME}"
        temporary.write_text(json.dumps(body, indent=1, sort_keys=True))
        os.replace(temporary, target)


def load_manifest(folder: Path) -> JobManifest | None:
    """The manifest in ``folder``, or None when it has none."""
    path = folder / MANIFEST_NAME
    try:
        body = json.loads(path.read_text())
        if body.get("format") != MANIFEST_FORMAT:
            raise ValueError(f"format {body.get('format')!r}, not {MANIFEST_FORMAT}")
        done = {key: DoneChunk(**chunk) for key, chunk in body["done"].items()}
        return JobManifest(job=body["job"], done=done, complete=bool(body["complete"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise MalformedInput(
            f"cannot read the batch manifest {path}: {exc}",
            hint="run again with --restart to start the job over",
            field="--output",
        ) from exc


def check_same_job(manifest: JobManifest, job: dict[str, Any], folder: Path) -> None:
    """Conflict naming the first setting in which ``manifest``'s job differs from ``job``."""
    for key in sorted(set(job) | set(manifest.job)):
        before, now = manifest.job.get(key), job.get(key)
        if before != now:
            raise Conflict(
                f"{folder} holds a batch run with another {key.replace('_', ' ')} "
                f"({_short(before)}, now {_short(now)})",
                hint="run again with --restart to start over, or write to another output",
                field="--output",
            )


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 120 else text[:117] + "..."
