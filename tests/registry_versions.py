"""Registry versions made for tests: a real artifact zip whose bytes depend on a string, and its
registration with every field filled, for any store (SQLite, PostgreSQL, a registry server)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from modelport.registry import ModelVersion, RegistryStore
from modelport.registry.blobs import sha256_file


def make_artifact(folder: Path, content: str) -> Path:
    """A real artifact zip whose bytes depend on ``content``."""
    path = folder / f"artifact-{abs(hash(content))}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        # fixed timestamps: the same content must give the same bytes, whenever it is written
        archive.writestr(zipfile.ZipInfo("modelport.yaml"), f"name: test\ncontent: {content}\n")
        archive.writestr(zipfile.ZipInfo("model.bin"), content.encode() * 100)
    return path


def register(
    store: RegistryStore, tmp_path: Path, content: str, name: str = "iris"
) -> tuple[ModelVersion, bool]:
    """Register an artifact made from ``content`` as a version of ``name``."""
    artifact = make_artifact(tmp_path, content)
    return store.register_version(
        name=name,
        artifact=artifact,
        digest=sha256_file(artifact),
        signature={"inputs": [{"name": "x", "type": "double"}]},
        metadata={"framework": "sklearn"},
        lineage={"source": "/src/iris", "git_commit": "abc123"},
        build={"duration_s": 1.5},
        source_format="native",
        description="Iris classifier",
    )
