"""An OMAF artifact built into a real uv environment from its conda file (not ``--env
inherit``): the pip package only that file names is installed and used when served."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from ..cli import run_cli
from .conftest import SOURCES, serving

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def slug_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry holding ``slug:1``, built in its own environment (``--env auto``)."""
    home = tmp_path_factory.mktemp("odahu-env-home")
    result = run_cli("build", str(SOURCES / "slug_objects"), home=home, timeout=900)
    assert result.code == 0, result.stderr
    return home


@pytest.fixture(scope="module")
def slug(slug_home: Path) -> Iterator[httpx.Client]:
    with serving(slug_home, "slug") as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def test_the_conda_files_pip_packages_are_locked(slug_home: Path, tmp_path: Path) -> None:
    archive = tmp_path / "slug.zip"
    assert run_cli("export", "slug:1", "-o", str(archive), home=slug_home).code == 0
    with zipfile.ZipFile(archive) as zipped:
        manifest = yaml.safe_load(zipped.read("modelport.yaml"))
    assert any(line.startswith("inflection==") for line in manifest["lock"])


def test_served_from_its_environment(slug: httpx.Client) -> None:
    answer = slug.post("/api/model/invoke", json=[{"title": "Coming from Odahu"}])
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"prediction": [{"slug": "coming-from-odahu"}]}
