"""``/metrics`` of a worker pool: the whole server's counts, whichever worker answers the scrape.

Each worker counts the requests it answers in its own registry (``serving/metrics.py``). So
that a scrape sees the server, not one worker, the supervisor makes a private directory before
forking, and each worker listens there on a Unix socket of its own, ``<pid>.sock``, answering
every connection with its registry's samples as JSON. The worker that takes a scrape asks every
other worker's socket (``ASK_SECONDS`` each, in turn) and merges their samples with its own:

- counters and histograms add up over the workers, as does ``modelport_requests_in_flight``;
- every other gauge (the models' readiness and identity, the process's memory and start time)
  is the answering worker's own;
- ``modelport_pool_workers_scraped`` says how many workers' counts the answer holds: a worker
  that did not answer in time (its event loop held by a model call) is left out of that scrape.

A worker that has exited takes its counts with it (its socket refuses, and is removed): as with
a restarted process, Prometheus's ``rate()`` reads the drop as a counter reset. The directory is
removed when the supervisor exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import CollectorRegistry

ASK_SECONDS = 1.0
"""How long a scrape waits for each other worker's samples."""
MAX_ANSWER_BYTES = 64 * 1024**2
"""The most a worker's answer may hold: a bound far above any registry's (label values are
bounded by what the server serves, ``serving/metrics.py``)."""
SUMMED_TYPES = frozenset({"counter", "histogram", "summary"})
SUMMED_GAUGES = frozenset({"modelport_requests_in_flight"})
SCRAPED = "modelport_pool_workers_scraped"

_Key = tuple[str, tuple[tuple[str, str], ...]]


def make_directory() -> Path:
    """The pool's directory for its workers' sockets (only this user may enter it)."""
    return Path(tempfile.mkdtemp(prefix=f"modelport-metrics-{os.getpid()}-"))


def remove_directory(directory: Path) -> None:
    shutil.rmtree(directory, ignore_errors=True)


def encode(registry: CollectorRegistry) -> bytes:
    """A registry's samples now, as the JSON a worker answers with."""
    return orjson.dumps(
        [
            {
                "name": family.name,
                "type": family.type,
                "help": family.documentation,
                "samples": [[s.name, s.labels, s.value] for s in family.samples],
            }
            for family in registry.collect()
        ]
    )


class PoolScrape:
    """One worker's part: its socket (``serve``), and the merged scrape (``collect``)."""

    def __init__(self, directory: Path, registry: CollectorRegistry) -> None:
        self.directory = directory
        self.registry = registry
        self.own = directory / f"{os.getpid()}.sock"

    async def serve(self) -> None:
        """Answer on this worker's socket until cancelled."""

        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                body = await asyncio.to_thread(encode, self.registry)
                writer.write(body)
                await writer.drain()
            finally:
                writer.close()

        server = await asyncio.start_unix_server(answer, path=str(self.own))
        try:
            async with server:
                await server.serve_forever()
        finally:
            with contextlib.suppress(OSError):
                self.own.unlink()

    def collect(self) -> list[Metric]:
        """Every worker's samples merged with this one's (blocking: run it off the loop)."""
        others = [found for found in map(_ask, self._other_sockets()) if found is not None]
        own = orjson.loads(encode(self.registry))
        merged = merge(own, others)
        scraped = GaugeMetricFamily(
            SCRAPED, "Worker processes whose counts this answer adds up", value=1 + len(others)
        )
        return [*merged, scraped]

    def _other_sockets(self) -> list[Path]:
        return sorted(path for path in self.directory.glob("*.sock") if path != self.own)


def _ask(path: Path) -> list[dict[str, Any]] | None:
    """Another worker's samples, or None when it is gone (its socket is removed) or slow."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(ASK_SECONDS)
        try:
            connection.connect(str(path))
            chunks, size = [], 0
            while chunk := connection.recv(1 << 16):
                size += len(chunk)
                if size > MAX_ANSWER_BYTES:
                    return None
                chunks.append(chunk)
        except (ConnectionRefusedError, FileNotFoundError):
            with contextlib.suppress(OSError):
                path.unlink()  # a worker that exited without removing it
            return None
        except OSError:  # a timeout: its loop is held by a model call
            return None
    try:
        found = orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError:
        return None
    return found if isinstance(found, list) else None


def merge(own: list[dict[str, Any]], others: Iterable[list[dict[str, Any]]]) -> list[Metric]:
    """``own`` families with ``others``' added where they add up (the module docstring)."""
    families: dict[str, Metric] = {}
    values: dict[str, dict[_Key, float]] = {}
    for family in own:
        families[family["name"]] = Metric(family["name"], family["help"], family["type"])
        values[family["name"]] = {_key(sample): sample[2] for sample in family["samples"]}
    for samples in others:
        for family in samples:
            name = family["name"]
            if name not in families:  # a series only another worker has seen yet
                families[name] = Metric(name, family["help"], family["type"])
                values[name] = {}
            if not _summed(family["type"], name):
                for sample in family["samples"]:
                    values[name].setdefault(_key(sample), sample[2])
                continue
            found = values[name]
            for sample in family["samples"]:
                key = _key(sample)
                found[key] = found.get(key, 0.0) + sample[2]
    for name, metric in families.items():
        for (sample_name, labels), value in values[name].items():
            metric.add_sample(sample_name, dict(labels), value)
    return list(families.values())


def _summed(kind: str, name: str) -> bool:
    return kind in SUMMED_TYPES or name in SUMMED_GAUGES


def _key(sample: list[Any]) -> _Key:
    return sample[0], tuple(sorted(sample[1].items()))
