"""The batch manifest: saved whole, read back, and a different job refused by what differs."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelport.batch_inference.manifest import (
    MANIFEST_NAME,
    DoneChunk,
    JobManifest,
    check_same_job,
    load_manifest,
)
from modelport.errors import Conflict, MalformedInput

JOB = {"model": "sha256:ab", "inputs": [{"path": "/in.csv", "size": 10, "mtime_ns": 5}]}


def test_saved_chunks_read_back_in_order(tmp_path: Path) -> None:
    manifest = JobManifest(job=JOB)
    manifest.note(1, 0, DoneChunk("c", 3))
    manifest.note(0, 10, DoneChunk("b", 4, "_errors-b", 1))
    manifest.note(0, 2, DoneChunk("a", 5))
    manifest.save(tmp_path)
    again = load_manifest(tmp_path)
    assert again is not None
    assert again.job == JOB
    assert [c.part for c in again.in_order()] == ["a", "b", "c"]
    assert again.is_done(0, 10) and not again.is_done(0, 3)
    assert again.done["0:10"] == DoneChunk("b", 4, "_errors-b", 1)
    assert [p.name for p in tmp_path.iterdir()] == [MANIFEST_NAME]  # no temporary file left


def test_no_manifest_is_none(tmp_path: Path) -> None:
    assert load_manifest(tmp_path) is None


def test_a_damaged_manifest_says_to_restart(tmp_path: Path) -> None:
    (tmp_path / MANIFEST_NAME).write_text("{not json")
    with pytest.raises(MalformedInput, match="--restart"):
        load_manifest(tmp_path)


def test_another_job_is_refused_naming_what_differs(tmp_path: Path) -> None:
    manifest = JobManifest(job=JOB)
    check_same_job(manifest, dict(JOB), tmp_path)  # the same job: no error
    changed = {**JOB, "inputs": [{"path": "/in.csv", "size": 11, "mtime_ns": 6}]}
    with pytest.raises(Conflict, match="another inputs") as refused:
        check_same_job(manifest, changed, tmp_path)
    assert refused.value.hint is not None and "--restart" in refused.value.hint
    with pytest.raises(Conflict, match="another chunk rows"):
        check_same_job(manifest, {**JOB, "chunk_rows": 10}, tmp_path)
