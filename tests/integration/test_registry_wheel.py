"""The registry's migrations ship in the wheel: the store migrates on open, so an installed
modelport without them could not create a registry."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MIGRATION_FILES = {
    "modelport/registry/sql/migrations/env.py",
    "modelport/registry/sql/migrations/script.py.mako",
    "modelport/registry/sql/migrations/versions/0001_initial.py",
}


def test_wheel_contains_the_migrations(tmp_path: Path) -> None:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not installed")
    built = subprocess.run(
        [uv, "build", "--wheel", "--offline", "--out-dir", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if built.returncode != 0 and "offline" in built.stderr.lower():
        pytest.skip(f"cannot fetch the build backend offline: {built.stderr.strip()[:200]}")
    assert built.returncode == 0, built.stderr
    [wheel] = tmp_path.glob("modelport-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert names >= MIGRATION_FILES
    assert "modelport/registry/sql/store.py" in names
