"""DEEPaaS entry points read from a package's files and loaded as model objects."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from modelport.errors import ConfigError
from modelport.formats.deepaas.entry_points import (
    EntryPoint,
    declares_entry_points,
    model_name,
    project_entry_points,
)
from modelport.formats.deepaas.format import ENTRY_POINTS_KEY, DeepaasFormat

PYPROJECT = """
[project]
name = "demo"
[project.entry-points."deepaas.v2.model"]
demo = "demo.api"
demo-class = "demo.api:Model"
"""

SETUP_CFG = """
[metadata]
name = demo
[entry_points]
deepaas.v2.model =
    demo = demo.api
"""

API = """
class Model:
    made = 0

    def __init__(self):
        Model.made += 1

def get_metadata():
    return {"name": "demo", "description": "d"}
"""


@pytest.fixture(autouse=True)
def fresh_demo_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test writes its own ``demo`` package: forget the ones imported before."""
    for name in [m for m in sys.modules if m == "demo" or m.startswith("demo.")]:
        monkeypatch.delitem(sys.modules, name)


def package(tmp_path: Path, file: str, text: str) -> Path:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "__init__.py").write_text("")
    (tmp_path / "demo" / "api.py").write_text(API)
    (tmp_path / file).write_text(text)
    return tmp_path


def test_pyproject_entry_points(tmp_path: Path) -> None:
    root = package(tmp_path, "pyproject.toml", PYPROJECT)
    assert project_entry_points(root) == [
        EntryPoint("demo", "demo.api"),
        EntryPoint("demo-class", "demo.api:Model"),
    ]
    assert declares_entry_points(root)
    assert DeepaasFormat().detect(root) > 0.9


def test_setup_cfg_entry_points(tmp_path: Path) -> None:
    root = package(tmp_path, "setup.cfg", SETUP_CFG)
    assert project_entry_points(root) == [EntryPoint("demo", "demo.api")]


def test_other_projects_are_not_deepaas(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert DeepaasFormat().detect(tmp_path) == 0.0
    with pytest.raises(ConfigError, match=r"deepaas\.v2\.model"):
        DeepaasFormat().layout(tmp_path)


def test_module_and_class_entry_points_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = package(tmp_path, "pyproject.toml", PYPROJECT)
    monkeypatch.syspath_prepend(str(root))
    module = EntryPoint("demo", "demo.api").load()
    assert module.get_metadata()["name"] == "demo"
    instance = EntryPoint("demo-class", "demo.api:Model").load()
    assert isinstance(instance, module.Model)
    assert module.Model.made == 1


def test_broken_entry_point_names_itself() -> None:
    with pytest.raises(ConfigError) as caught:
        EntryPoint("gone", "no_such_module_here.api").load()
    assert caught.value.field == "gone"
    assert "no_such_module_here" in str(caught.value)


def test_build_takes_any_metadata_dict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DEEPaaS requires no key of get_metadata(); the cookiecutter's gives its distribution's
    ``summary`` (the registry's description) and None for what PKG-INFO lacks."""
    root = package(
        tmp_path, "pyproject.toml", PYPROJECT.replace('demo-class = "demo.api:Model"\n', "")
    )
    (root / "demo" / "api.py").write_text(
        "def get_metadata():\n"
        "    return {'summary': 'Counts', 'version': None, 'help-train': {'n': 'Int'}}\n"
    )
    monkeypatch.syspath_prepend(str(root))
    adapter = DeepaasFormat()
    output = adapter.build_step(adapter.layout(root), tmp_path / "out")
    assert output.version == "0.0.0"
    assert {k: output.metadata.get(k) for k in ("summary", "description", "version")} == {
        "summary": "Counts",
        "description": "Counts",
        "version": None,
    }
    (root / "demo" / "api.py").write_text("def get_metadata():\n    return {}\n")
    monkeypatch.delitem(sys.modules, "demo.api")
    assert adapter.build_step(adapter.layout(root), tmp_path / "out").version == "0.0.0"


def test_build_records_every_entry_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = package(tmp_path, "pyproject.toml", PYPROJECT)
    monkeypatch.syspath_prepend(str(root))
    adapter = DeepaasFormat()
    output = adapter.build_step(adapter.layout(root), tmp_path / "out")
    assert output.metadata[ENTRY_POINTS_KEY] == {"demo": "demo.api", "demo-class": "demo.api:Model"}
    assert output.metadata["description"] == "d"
    assert output.models == {"demo": "demo = demo.api", "demo-class": "demo-class = demo.api:Model"}


@pytest.mark.parametrize(
    ("entry", "name"),
    [("demo", "demo"), ("My_Model", "my-model"), ("a.b--c", "a-b-c"), ("_x_", "x")],
)
def test_model_names_are_registry_names(entry: str, name: str) -> None:
    assert model_name(entry) == name


def test_an_entry_point_without_letters_or_digits_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        model_name("__")
    assert caught.value.field == "__"


def test_clashing_model_names_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = package(tmp_path, "pyproject.toml", PYPROJECT.replace("demo-class =", "Demo ="))
    monkeypatch.syspath_prepend(str(root))
    adapter = DeepaasFormat()
    with pytest.raises(ConfigError, match="clashing model names"):
        adapter.build_step(adapter.layout(root), tmp_path / "out")
