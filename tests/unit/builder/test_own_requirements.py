"""What a model's environment gets of modelport's requirements: the serving runtime without the
tooling, a convention's own needs, and the limits that keep numpy, pandas and pyarrow importable
together."""

from __future__ import annotations

import importlib.metadata

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from modelport.builder.own_requirements import (
    RUNTIME,
    compatibility_limits,
    modelport_dependencies,
    modelport_requirements,
    tooling,
    without_provided,
)
from modelport.formats.detect import available_formats


def _names(lines: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(line).name) for line in lines}


def test_the_runtime_leaves_the_tooling_out() -> None:
    names = _names(modelport_requirements())
    assert {"sqlalchemy", "alembic", "uv"} <= tooling()
    assert not names & tooling()
    assert {"pyarrow", "numpy", "pandas", "pytest", "starlette", "uvicorn", "orjson"} <= names


def test_every_runtime_name_is_a_modelport_dependency() -> None:
    """A name dropped from pyproject.toml must leave RUNTIME too (else it would be asked for
    without modelport's bounds, or not at all)."""
    declared = {canonicalize_name(r.name) for r in modelport_dependencies()}
    assert {canonicalize_name(name) for name in RUNTIME} <= declared


def test_the_runtime_keeps_modelport_bounds_and_extras() -> None:
    lines = modelport_requirements()
    assert any(line.startswith("uvicorn[standard]") for line in lines)
    assert all(Requirement(line).specifier for line in lines)


def test_a_convention_bare_names_take_modelport_bounds() -> None:
    lines = modelport_requirements(convention=("sqlalchemy", "msgpack>=1", "webargs", "pyarrow"))
    own = {canonicalize_name(r.name): str(r) for r in modelport_dependencies()}
    assert own["sqlalchemy"] in lines
    assert "msgpack>=1" in lines
    assert "webargs" in lines  # not one of modelport's own: as written (DEEPaaS 2 pins webargs 5)
    assert [line for line in lines if line.startswith("pyarrow")] == [own["pyarrow"]]


def test_pandas_is_left_out_only_when_asked() -> None:
    assert "pandas" in _names(modelport_requirements())
    assert "pandas" not in _names(modelport_requirements(pandas=False))


def test_every_convention_declares_what_its_extra_installs() -> None:
    """`pip install 'modelport[truss]'` gives what a Truss's own environment gets."""
    own = {canonicalize_name(r.name) for r in modelport_dependencies()}
    lines = [Requirement(line) for line in importlib.metadata.requires("modelport") or []]
    for name, adapter in available_formats().items():
        extras = {
            canonicalize_name(r.name)
            for r in lines
            if r.marker is not None and r.marker.evaluate({"extra": name})
        }
        for line in adapter.runtime_requirements:
            wanted = canonicalize_name(Requirement(line).name)
            assert wanted in own | extras, f"{name}: {line} is in no extra called {name}"


def test_the_conventions_routes_needs_are_declared() -> None:
    declared = {
        name: _names(list(a.runtime_requirements)) for name, a in available_formats().items()
    }
    assert "msgpack" in declared["truss"]
    assert {"webargs", "marshmallow", "sqlalchemy", "alembic"} <= declared["deepaas"]


@pytest.mark.parametrize(
    ("lock", "limits"),
    [
        (["pandas==2.0.3", "numpy==2.4.6", "pyarrow==26.0.1"], ["numpy<2"]),
        (["pandas==2.1.4", "numpy==1.26.4", "pyarrow==26.0.1"], ["pyarrow<26"]),
        (["numpy==1.26.4", "pyarrow==25.0.0", "pandas==3.0.6"], []),
        (["numpy==2.4.6", "pyarrow==26.0.1", "pandas==3.0.6"], []),
        (["numpy==1.26.4"], []),
    ],
)
def test_compatibility_limits_name_what_the_lock_breaks(lock: list[str], limits: list[str]) -> None:
    assert compatibility_limits(lock) == limits


def test_compatibility_limits_already_asked_for_are_not_asked_again() -> None:
    lock = ["pandas==2.0.3", "numpy==2.4.6"]
    assert compatibility_limits(lock, ["numpy<2"]) == []


def test_packages_the_convention_provides_are_not_installed() -> None:
    said: list[str] = []
    kept = without_provided(
        ["qwak-sdk==0.5", "six", "not a requirement!"], ("qwak-sdk",), said.append
    )
    assert kept == ["six", "not a requirement!"]
    assert said == ["not installing qwak-sdk==0.5: modelport provides its import names"]
