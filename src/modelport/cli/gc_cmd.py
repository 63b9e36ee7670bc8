"""``modelport gc``: remove blobs no version references and the folders of dead builds."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from modelport.builder.scratch import sweep
from modelport.cli.context import STATE
from modelport.cli.options import JsonFlag, command
from modelport.cli.output import console, print_json

DryRunFlag = Annotated[
    bool, typer.Option("--dry-run", help="Print what would be removed; remove nothing.")
]


def gc(as_json: JsonFlag = False, dry_run: DryRunFlag = False) -> None:
    """Remove blobs no registered version references, and scratch folders of builds that were
    killed (their owner process is gone)."""
    blobs = STATE.store.collect_orphan_blobs(dry_run=dry_run)
    folders = sweep(STATE.settings.envs_dir, dry_run=dry_run)
    total = sum(blobs.values()) + sum(folder.bytes for folder in folders)
    if as_json:
        report: dict[str, Any] = {
            "dry_run": dry_run,
            "blobs": [{"digest": d, "bytes": size} for d, size in sorted(blobs.items())],
            "folders": [
                {"path": str(f.path), "owner_pid": f.owner, "bytes": f.bytes} for f in folders
            ],
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
    if not blobs and not folders:
        console.print("nothing to remove")
        return
    console.print(f"{verb} {len(blobs)} blob(s) and {len(folders)} folder(s), {_size(total)}")


def _size(count: int) -> str:
    value = float(count)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{count} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def register(app: typer.Typer) -> None:
    command(app)(gc)
