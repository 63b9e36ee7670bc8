"""``--blobs`` picks the blob store for one invocation, before or after the command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelport.cli.options import options_first
from modelport.registry.blobs import LocalBlobStore, sha256_file

from .conftest import Invoke, Register


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["gc", "--blobs", "s3://b/p"], ["--blobs", "s3://b/p", "gc"]),
        (["build", ".", "--blobs=/x", "--env", "v"], ["--blobs=/x", "build", ".", "--env", "v"]),
        (
            ["serve", "m", "--registry=r", "--blobs", "b"],
            ["--registry=r", "--blobs", "b", "serve", "m"],
        ),
        (["predict", "m", "--", "--blobs", "b"], ["predict", "m", "--", "--blobs", "b"]),
        (["gc", "--blobs"], ["gc", "--blobs"]),  # no value: left for the parser to report
    ],
)
def test_the_store_options_move_before_the_command(args: list[str], expected: list[str]) -> None:
    assert options_first(args, ("--registry", "--blobs")) == expected


def test_blobs_after_the_command_picks_the_store_for_it(
    invoke: Invoke, register: Register, tmp_path: Path
) -> None:
    register("iris", "one")  # in the home's folder
    elsewhere = tmp_path / "elsewhere"
    orphan = tmp_path / "orphan.zip"
    orphan.write_bytes(b"no version uses this")
    LocalBlobStore(elsewhere).put(orphan, digest=sha256_file(orphan))

    result = invoke("gc", "--json", "--dry-run", "--blobs", str(elsewhere))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["blobs"] == [{"digest": sha256_file(orphan), "bytes": 20}]

    result = invoke("gc", "--json", "--dry-run")  # the home's folder: iris uses all it holds
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["blobs"] == []


def test_a_blob_uri_of_no_known_kind_is_an_error_naming_it(invoke: Invoke) -> None:
    result = invoke("--blobs", "gs://bucket/models", "gc")
    assert result.exit_code != 0
    assert "blob store URI 'gs://bucket/models'" in str(result.exception)
