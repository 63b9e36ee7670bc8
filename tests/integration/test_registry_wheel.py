"""The registry's migrations ship in the wheel: the store migrates on open, so an installed
modelport without them could not create a registry."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

from uv import find_uv_bin

ROOT = Path(__file__).resolve().parents[2]
MIGRATION_FILES = {
    "modelport/registry/sql/migrations/env.py",
    "modelport/registry/sql/migrations/script.py.mako",
    "modelport/registry/sql/migrations/versions/0001_initial.py",
}


def test_wheel_contains_the_migrations(tmp_path: Path) -> None:
    # uv is a modelport dependency; the build backend comes from PyPI (or uv's cache).
    built = subprocess.run(
        [find_uv_bin(), "build", "--wheel", "--out-dir", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = tmp_path.glob("modelport-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert names >= MIGRATION_FILES
    assert "modelport/registry/sql/store.py" in names
