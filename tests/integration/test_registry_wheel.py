"""The registry's migrations ship in the wheel: the store migrates on open, so an installed
modelport without them could not create a registry."""

from __future__ import annotations

import zipfile
from pathlib import Path

MIGRATION_FILES = {
    "modelport/registry/sql/migrations/env.py",
    "modelport/registry/sql/migrations/script.py.mako",
    "modelport/registry/sql/migrations/versions/0001_initial.py",
}


def test_wheel_contains_the_migrations(modelport_wheel: Path) -> None:
    names = set(zipfile.ZipFile(modelport_wheel).namelist())
    assert names >= MIGRATION_FILES
    assert "modelport/registry/sql/store.py" in names
