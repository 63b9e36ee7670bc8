"""``make bench-registry``: a registry holding 10,000 versions of one model, listed page by page.

For each backend (PostgreSQL, and SQLite for comparison) it registers ``--versions`` versions
of one model through ``register_version`` (tiny distinct artifacts: the blob store is not what
is measured), then lists them all with ``search_versions``, ``--rounds`` times over, timing
every page call, and the same for the first page of ``search_models`` with a name filter.
Then the same listings through a ``modelport server`` process on that PostgreSQL registry, with
the REST store and a real token (its registrations/s from ``--rest-registrations`` uploads).
Figures go to stdout as JSON and into their own section of docs/benchmarks.md.

PostgreSQL is ``--postgres-url`` (default: ``MODELPORT_TEST_POSTGRES_URL``, else the server on
127.0.0.1:5432, database ``test``); the benchmark makes a database of its own there and drops
it after.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sections
import sqlalchemy as sa

from modelport.registry import RegistryStore, open_store
from modelport.registry.blob_cache import BlobCache
from modelport.registry.blobs import sha256_file
from modelport.registry.rest.store import RestRegistryStore
from modelport.registry.sql.accounts import AccountStore
from modelport.registry.sql.database import Database
from modelport.settings import Settings
from modelport.testing.server import HOST, ServerProcess, free_port

REPORT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks/registry_load.py", description=__doc__)
    parser.add_argument("--versions", type=int, default=10_000, help="versions to register")
    parser.add_argument("--page-size", type=int, default=100, help="max_results of each page")
    parser.add_argument("--rounds", type=int, default=5, help="full listings to time")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("MODELPORT_TEST_POSTGRES_URL") or DEFAULT_POSTGRES,
        help="a PostgreSQL server where a database may be created",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="measure PostgreSQL only")
    parser.add_argument(
        "--rest-registrations", type=int, default=200, help="uploads timed through the server"
    )
    parser.add_argument("--no-report", action="store_true", help="leave docs/benchmarks.md")
    return parser.parse_args(argv)


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A database of the benchmark's own on ``server_url``, dropped afterwards."""
    url = sa.make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"modelport_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def fill(store: RegistryStore, count: int, work: Path) -> float:
    """Register ``count`` versions of model ``load`` (and 50 small models); seconds taken."""
    started = time.perf_counter()
    for i in range(count):
        _register(store, work, f"version {i}", name="load")
        if i % 1000 == 999:
            print(f"  {i + 1} versions", file=sys.stderr, flush=True)
    for i in range(50):
        store.create_model(name=f"other-{i:02d}", tags={"team": "bench"})
    return time.perf_counter() - started


def timed_pages(
    fetch: Callable[[str | None], str | None], rounds: int
) -> tuple[list[float], list[float]]:
    """Milliseconds of every page call, walking all pages ``rounds`` times: wall-clock time,
    and the CPU time this process spent (the rest is waiting for the database or the CPU)."""
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(rounds):
        token: str | None = None
        while True:
            wall, cpu = time.perf_counter(), time.process_time()
            token = fetch(token)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            if token is None:
                break
    return walls, cpus


def _p99(ordered: list[float]) -> float:
    return round(ordered[max(0, int(len(ordered) * 0.99) - 1)], 2)


def summary(timings: tuple[list[float], list[float]]) -> dict[str, float]:
    walls, cpus = sorted(timings[0]), sorted(timings[1])
    return {
        "calls": len(walls),
        "p50_ms": round(statistics.median(walls), 2),
        "p99_ms": _p99(walls),
        "max_ms": round(walls[-1], 2),
        "client_cpu_p50_ms": round(statistics.median(cpus), 2),
        "client_cpu_p99_ms": _p99(cpus),
    }


def measure(uri: str, args: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        with open_store(uri, settings=Settings(home=work / "home")) as store:
            seconds = fill(store, args.versions, work)
            return listings(store, args, registered=(args.versions, seconds))


def measure_through_server(uri: str, args: argparse.Namespace) -> dict[str, object]:
    """The listings of the registry ``measure`` filled at ``uri``, through a ``modelport
    server`` process on it (with authentication: a token's check is part of every request)."""
    database = Database.open(uri)
    try:
        accounts = AccountStore(database)
        accounts.add_user(name="bench", admin=True)
        accounts.set_member(workspace="default", user="bench", role="owner")
        token = accounts.create_token(user="bench").token
    finally:
        database.close()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        port = free_port()
        log = (work / "server.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "modelport", "server", "--registry", uri,
             "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "MODELPORT_HOME": str(work)},
        )  # fmt: skip
        server = ServerProcess(url=f"http://{HOST}:{port}", model=None, process=process,
                               log=work / "server.log")  # fmt: skip
        try:
            server.wait_ready("/healthz", timeout=60)
            cache = BlobCache(work / "cache")
            with RestRegistryStore(server.url, token=token, cache=cache) as store:
                started = time.perf_counter()
                for i in range(args.rest_registrations):
                    _register(store, work, f"uploaded {i}", name="uploaded")
                seconds = time.perf_counter() - started
                return listings(store, args, registered=(args.rest_registrations, seconds))
        finally:
            server.stop()
            log.close()


def _register(store: RegistryStore, work: Path, content: str, *, name: str) -> None:
    artifact = work / "artifact.zip"
    with zipfile.ZipFile(artifact, "w") as archive:
        archive.writestr(zipfile.ZipInfo("model.bin"), content.encode())
    store.register_version(
        name=name, artifact=artifact, digest=sha256_file(artifact), signature={},
        metadata={}, lineage={"source": "bench"}, build={}, source_format="native",
    )  # fmt: skip


def listings(
    store: RegistryStore, args: argparse.Namespace, *, registered: tuple[int, float]
) -> dict[str, object]:
    """Page-call timings of the filled registry in ``store``; ``registered``: how many
    registrations took how many seconds."""

    def versions_page(token: str | None) -> str | None:
        page = store.search_versions(name="load", max_results=args.page_size,
                                     page_token=token)  # fmt: skip
        return page.next_page_token

    def models_page(token: str | None) -> str | None:
        page = store.search_models(name_contains="other", tags={"team": "bench"},
                                   max_results=10, page_token=token)  # fmt: skip
        return page.next_page_token

    listed = [v.number for v in store.list_versions(name="load")]
    assert listed == list(range(1, args.versions + 1)), "versions lost or repeated"
    load_before = os.getloadavg()[0]
    figures: dict[str, object] = {
        "versions": args.versions,
        "registrations_per_s": round(registered[0] / registered[1], 1),
        "versions_pages": summary(timed_pages(versions_page, args.rounds)),
        "models_pages": summary(timed_pages(models_page, args.rounds * 20)),
    }
    figures["load_average"] = round((load_before + os.getloadavg()[0]) / 2, 1)
    return figures


def render(figures: dict[str, dict[str, object]], args: argparse.Namespace) -> str:
    lines = [
        "## Registry load",
        "",
        f"`make bench-registry` ({datetime.now(UTC):%Y-%m-%d}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs shared with other work): {args.versions:,} versions of one model "
        f"registered one by one through `register_version`, then listed with `search_versions` "
        f"in pages of {args.page_size} ({args.rounds} full walks, every page call timed), and "
        "50 tagged models listed with a name and tag filter in pages of 10. The REST row lists "
        "the same PostgreSQL registry through a `modelport server` process (REST store, a real "
        f"token); its registrations/s is {args.rest_registrations} uploads through the server.",
        "",
        "| backend | registrations/s | load average | version pages: calls, p50 / p99 / max "
        "(ms), client CPU p50 / p99 (ms) | filtered model pages: the same |",
        "|---|---|---|---|---|",
    ]
    for backend, found in figures.items():
        v, m = found["versions_pages"], found["models_pages"]
        assert isinstance(v, dict) and isinstance(m, dict)
        lines.append(
            f"| {backend} | {found['registrations_per_s']} | {found['load_average']} "
            f"| {_cells(v)} | {_cells(m)} |"
        )
    lines += [
        "",
        "Pages continue by key (the last name or version number of the page before), so the "
        "last page costs what the first does. The load average is the machine's during the "
        "listing: on 2 shared cores, wall-clock time above the client's CPU time is mostly "
        "waiting for a core, for this process and for the database's.",
    ]
    return "\n".join(lines) + "\n"


def _cells(found: dict[str, object]) -> str:
    return (
        f"{found['calls']}, {found['p50_ms']} / {found['p99_ms']} / {found['max_ms']}, "
        f"{found['client_cpu_p50_ms']} / {found['client_cpu_p99_ms']}"
    )


def main(argv: list[str]) -> int:
    args = parse(argv)
    figures: dict[str, dict[str, object]] = {}
    with postgres_database(args.postgres_url) as uri:
        print("PostgreSQL:", file=sys.stderr)
        figures["PostgreSQL"] = measure(uri, args)
        print("modelport server on PostgreSQL:", file=sys.stderr)
        figures["REST: modelport server on PostgreSQL"] = measure_through_server(uri, args)
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            print("SQLite:", file=sys.stderr)
            figures["SQLite"] = measure(f"sqlite:///{folder}/registry.db", args)
    print(json.dumps(figures, indent=2))
    if not args.no_report:
        text = REPORT.read_text() if REPORT.exists() else ""
        REPORT.write_text(sections.replace(text, "registry-load", render(figures, args)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
