"""The playground's servings when a version cannot be served: the real ``modelport serve`` child
fails, and the caller is told why (the child's own last lines), with nothing left running.
A version that serves is tried in a browser in tests/e2e/test_web_ui.py."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from modelport.artifact.manifest import Manifest
from modelport.artifact.writer import write_artifact
from modelport.errors import ModelFailed
from modelport.registry.uris import open_store
from modelport.server.playground import Playground
from modelport.settings import Settings


def test_a_version_that_does_not_load_is_refused_with_the_servings_own_words(
    tmp_path: Path,
) -> None:
    uri = f"sqlite:///{tmp_path / 'registry.db'}"
    settings = Settings(home=tmp_path / "home", registry_uri=uri)
    manifest = Manifest(
        name="broken", version="1", source_format="native", entry_point="main:Model",
        build={"environment": "inherit"},
    )  # fmt: skip
    made = write_artifact(tmp_path / "b.zip", manifest=manifest, files={"src/main.py": b"x = 1"})
    with open_store(uri, settings=settings) as store:
        store.register_version(
            name="broken", artifact=made.path, digest=made.digest, signature={}, metadata={},
            lineage={}, build={"environment": "inherit"}, source_format="native",
        )  # fmt: skip
    playground = Playground(registry_uri=uri, settings=settings, ready_seconds=120)

    async def ask() -> str:
        return await playground.url_of("default", "broken", 1)

    with pytest.raises(ModelFailed) as failed:
        anyio.run(ask)
    assert "stopped (exit code" in str(failed.value)
    assert "instance.pkl" in str(failed.value)  # the child's own words: the file it lacks
    assert playground.servings == []
