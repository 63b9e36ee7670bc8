"""A registry holding a real artifact to export, and ``modelport export`` run in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from modelport.artifact.manifest import Manifest
from modelport.artifact.writer import write_artifact
from modelport.registry import ModelVersion, open_store
from modelport.settings import Settings

from ..cli.conftest import home, invoke  # noqa: F401  (fixtures)

LOCK = ["numpy==2.1.3", "pyarrow==18.1.0", "modelport==0.1.0", "uvicorn==0.32.1"]

Registered = Callable[..., ModelVersion]


@pytest.fixture
def registered(home: Path, tmp_path: Path) -> Iterator[Registered]:  # noqa: F811
    """Register an artifact named ``name`` built in an environment (``environment="venv"``)
    or in the command's interpreter (``"inherit"``), with ``lock``."""
    with open_store(None, settings=Settings(home=home)) as store:

        def add(
            name: str = "iris", *, environment: str = "venv", lock: list[str] | None = None
        ) -> ModelVersion:
            manifest = Manifest(
                name=name,
                version="0.1.0",
                source_format="native",
                entry_point="main:Model",
                lock=LOCK if lock is None else lock,
                build={"environment": environment},
            )
            info = write_artifact(
                tmp_path / f"{name}.zip", manifest=manifest, files={"model.pkl": b"\x80\x05N."}
            )
            version, _ = store.register_version(
                name=name,
                artifact=info.path,
                digest=info.digest,
                signature={},
                metadata={},
                lineage={},
                build={"environment": environment},
                source_format="native",
            )
            return version

        yield add
