"""A pbr-versioned package (the DEEP cookiecutter's setup.py) is built from a copy without its
``.git``: pbr gets the version ``setup.cfg`` declares through ``PBR_VERSION``, else 0.0.0."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelport.formats.deepaas.install import pbr_environment

PBR_SETUP = "import setuptools\n\nsetuptools.setup(setup_requires=['pbr>=2.0.0'], pbr=True)\n"


def package(root: Path, *, setup_py: str = PBR_SETUP, setup_cfg: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "setup.py").write_text(setup_py)
    (root / "setup.cfg").write_text(setup_cfg)
    return root


@pytest.fixture(autouse=True)
def _no_pbr_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PBR_VERSION", raising=False)


def test_the_version_setup_cfg_declares(tmp_path: Path) -> None:
    root = package(tmp_path, setup_cfg="[metadata]\nname = demo\nversion = 1.2.0\n")
    assert pbr_environment(root) == {"PBR_VERSION": "1.2.0"}


def test_no_declared_version_is_0_0_0(tmp_path: Path) -> None:
    root = package(tmp_path, setup_cfg="[metadata]\nname = demo\nsummary = 100% %(odd)s\n")
    assert pbr_environment(root) == {"PBR_VERSION": "0.0.0"}
    (root / "setup.cfg").unlink()
    assert pbr_environment(root) == {"PBR_VERSION": "0.0.0"}


def test_pbr_named_as_a_build_requirement_of_pyproject(tmp_path: Path) -> None:
    root = package(tmp_path, setup_py="import setuptools\nsetuptools.setup()\n")
    assert pbr_environment(root) == {}
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["pbr>=6.0.0", "setuptools>=64.0.0"]\n'
        'build-backend = "pbr.build"\n'
    )
    assert pbr_environment(root) == {"PBR_VERSION": "0.0.0"}


def test_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = package(tmp_path / "plain", setup_py="from setuptools import setup\nsetup()\n")
    assert pbr_environment(plain) == {}  # not built by pbr
    sdist = package(tmp_path / "sdist", setup_cfg="[metadata]\nversion = 1.0\n")
    (sdist / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: demo\nVersion: 1.0.3\n")
    assert pbr_environment(sdist) == {}  # pbr reads PKG-INFO
    monkeypatch.setenv("PBR_VERSION", "9.9.9")
    assert pbr_environment(package(tmp_path / "set")) == {}  # the user's own choice stands
