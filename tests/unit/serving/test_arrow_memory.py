"""The serving process takes Arrow's buffers from malloc, unless the user chose a pool."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from modelport.serving.arrow_memory import CHOSEN_BY, prefer_system_allocator

AFTER_MAIN = (
    "import sys; from modelport.serving.__main__ import main; "
    "code = main([sys.argv[1], '--port', '0']); "
    "import pyarrow as pa; print(code, pa.default_memory_pool().backend_name)"
)
"""The serving process's main on a folder that holds no artifact (it fails to load, after
importing what serving imports), then the pool pyarrow chose."""


def test_the_system_allocator_unless_one_was_chosen() -> None:
    environ: dict[str, str] = {}
    prefer_system_allocator(environ)
    assert environ == {CHOSEN_BY: "system"}
    chosen = {CHOSEN_BY: "jemalloc"}
    prefer_system_allocator(chosen)
    assert chosen == {CHOSEN_BY: "jemalloc"}


@pytest.mark.parametrize(("chosen", "expected"), [(None, "system"), ("mimalloc", "mimalloc")])
def test_the_serving_process_sets_it_before_pyarrow_is_imported(
    tmp_path: Path, chosen: str | None, expected: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k != CHOSEN_BY}
    if chosen:
        env[CHOSEN_BY] = chosen
    done = subprocess.run(
        [sys.executable, "-c", AFTER_MAIN, str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", expected], done.stderr
