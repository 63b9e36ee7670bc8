"""``modelport gc``: remove blobs no version references, the folders of dead builds, what killed
blob writes left, and local copies of remote blobs unused for a while."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from modelport.builder.scratch import sweep
from modelport.cli.context import STATE
from modelport.cli.options import JsonFlag, command
from modelport.cli.output import console, print_json
from modelport.registry.blob_cache import BlobCache

DAY = 24 * 3600.0

DryRunFlag = Annotated[
    bool, typer.Option("--dry-run", help="Print what would be removed; remove nothing.")
]
CacheDaysOption = Annotated[
    float,
    typer.Option(
        "--cache-days",
        help="Drop local copies of remote blobs (S3, a registry server) unused for this many "
        "days; 0 empties the cache. A dropped copy is downloaded again when next served.",
        min=0,
    ),
]
StaleHoursOption = Annotated[
    float,
    typer.Option(
        "--stale-hours",
        help="Take a blob write (a temporary file, an S3 multipart upload) untouched for this "
        "many hours as abandoned by a killed process, and remove it.",
        min=0,
    ),
]


def gc(
    as_json: JsonFlag = False,
    dry_run: DryRunFlag = False,
    cache_days: CacheDaysOption = 30.0,
    stale_hours: StaleHoursOption = 24.0,
) -> None:
    """Remove blobs no registered version references, scratch folders of builds that were
    killed (their owner process is gone), leftovers of killed blob writes and local copies of
    remote blobs unused for --cache-days."""
    stale_after = stale_hours * 3600
    blobs = STATE.store.collect_orphan_blobs(dry_run=dry_run)
    folders = sweep(STATE.settings.envs_dir, dry_run=dry_run)
    leftovers = STATE.store.collect_blob_leftovers(older_than=stale_after, dry_run=dry_run)
    leftovers += BlobCache(STATE.settings.blob_cache_dir).prune(
        unused_for=cache_days * DAY, stale_after=stale_after, dry_run=dry_run
    )
    total = (
        sum(blobs.values())
        + sum(folder.bytes for folder in folders)
        + sum(leftover.size for leftover in leftovers)
    )
    if as_json:
        report: dict[str, Any] = {
            "dry_run": dry_run,
            "blobs": [{"digest": d, "bytes": size} for d, size in sorted(blobs.items())],
            "folders": [
                {"path": str(f.path), "owner_pid": f.owner, "bytes": f.bytes} for f in folders
            ],
            "leftovers": [{"what": left.what, "bytes": left.size} for left in leftovers],
            "bytes": total,
        }
        print_json(report)
        return
    verb = "would remove" if dry_run else "removed"
    for digest, size in sorted(blobs.items()):
        console.print(f"{verb} blob {digest} ({_size(size)}): no version references it")
    for folder in folders:
        console.print(
            f"{verb} {folder.path} ({_size(folder.bytes)}): its build (pid {folder.owner}) is gone"
        )
    for leftover in leftovers:
        console.print(f"{verb} {leftover.what} ({_size(leftover.size)})")
    if not blobs and not folders and not leftovers:
        console.print("nothing to remove")
        return
    console.print(
        f"{verb} {len(blobs)} blob(s), {len(folders)} folder(s) and {len(leftovers)} "
        f"leftover(s), {_size(total)}"
    )


def _size(count: int) -> str:
    value = float(count)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{count} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def register(app: typer.Typer) -> None:
    command(app)(gc)
